// Package panic panics on a nil map, for the diagnosis fixtures.
package panic

// Cache is a map that was never made.
type Cache struct{ m map[string]int }

// Put writes to the nil map.
func (c *Cache) Put(k string, v int) { c.m[k] = v }
