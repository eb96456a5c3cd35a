// Package quota answers, for every request that reaches the API gateway, how
// many requests a minute the calling tenant may make. Every tenant gets the
// default limit, unless support has granted it a temporary raise. The table
// of limits is reloaded from the configuration service while requests are
// being served.
package quota

import (
	"fmt"
	"sync"
	"time"
)

// Grant is a temporary raise that support gives a tenant: Limit requests a
// minute until Until.
type Grant struct {
	Limit int
	Until time.Time
}

// Table is one version of the limits, as the configuration service sends it.
type Table struct {
	Default int              // requests a minute for a tenant without a grant
	Grants  map[string]Grant // by tenant
}

// Quotas is the gateway's copy of the limits. It is safe for concurrent use.
type Quotas struct {
	now func() time.Time

	mu  sync.RWMutex
	cur *version // replaced, never changed, under mu
}

// version is one version of the table as loaded. Nothing changes it once it
// is published, so a reader that has the pointer needs no lock to read it.
type version struct {
	def      int
	grants   map[string]Grant
	loadedAt time.Time
}

// New returns quotas that start from table and read the time from now.
func New(now func() time.Time, table Table) *Quotas {
	return &Quotas{now: now, cur: newVersion(table, time.Time{})}
}

func newVersion(table Table, loadedAt time.Time) *version {
	v := &version{def: table.Default, grants: make(map[string]Grant, len(table.Grants)), loadedAt: loadedAt}
	for tenant, g := range table.Grants {
		v.grants[tenant] = g
	}
	return v
}

// current returns the version in use. The read lock is held only to read
// the pointer: nothing that follows can take it again.
func (q *Quotas) current() *version {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.cur
}

// Load replaces the limits with a new version from the configuration
// service, all at once: the new version is built first, and swapped in under
// the write lock.
func (q *Quotas) Load(table Table) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cur = newVersion(table, q.now())
}

// LoadedAt returns when the current version was loaded, for the status page.
func (q *Quotas) LoadedAt() time.Time { return q.current().loadedAt }

// Default returns the limit of a tenant without a grant. The billing page
// shows it.
func (q *Quotas) Default() int { return q.current().def }

// Limit returns the limit that applies to tenant now. The gateway calls it
// for every request.
func (q *Quotas) Limit(tenant string) int {
	v := q.current() // one version for the whole answer
	if g, ok := v.grants[tenant]; ok && q.now().Before(g.Until) {
		return g.Limit
	}
	return v.def
}

// Explain says which limit applies to tenant now, and why, for the support
// team's tool: "acme: 600/min, granted until 12:00 (default 100/min)".
func (q *Quotas) Explain(tenant string) string {
	v := q.current()
	g, ok := v.grants[tenant]
	switch {
	case !ok:
		return fmt.Sprintf("%s: %d/min, the default", tenant, v.def)
	case q.now().Before(g.Until):
		return fmt.Sprintf("%s: %d/min, granted until %s (default %d/min)",
			tenant, g.Limit, g.Until.Format("15:04"), v.def)
	default:
		return fmt.Sprintf("%s: %d/min, the default (a grant of %d/min ended at %s)",
			tenant, v.def, g.Limit, g.Until.Format("15:04"))
	}
}
