package osexit

import "testing"

func TestStop(t *testing.T) { Stop() }
