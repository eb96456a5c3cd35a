package testify

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSum(t *testing.T) {
	assert.Equal(t, 6, Sum([]int{1, 2, 3}), "the sum of 1, 2, 3")
}

func TestSumPlain(t *testing.T) {
	t.Log("an informational line in a failing test")
	if got := Sum([]int{4}); got != 4 {
		t.Errorf("Sum([4]) = %d, want 4", got)
	}
}

func TestLogsButPasses(t *testing.T) {
	t.Log("this test passes: its log line is no finding")
}
