package timeout

import "testing"

func TestSpin(t *testing.T) {
	var flag bool
	Spin(&flag)
}
