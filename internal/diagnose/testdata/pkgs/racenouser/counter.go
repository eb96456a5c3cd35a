// Package racenouser races where the race report has no frame of the
// package for one access, for the fixtures.
package racenouser

import "sync/atomic"

// Counter is set atomically by Set but read plainly by Get.
type Counter struct{ n int32 }

// Set stores atomically.
func (c *Counter) Set(v int32) { atomic.StoreInt32(&c.n, v) }

// Get reads without atomics.
func (c *Counter) Get() int32 { return c.n }
