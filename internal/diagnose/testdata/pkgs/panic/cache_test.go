package panic

import "testing"

func TestPut(t *testing.T) {
	var c Cache
	c.Put("a", 1)
}

func TestNeverRuns(t *testing.T) {}
