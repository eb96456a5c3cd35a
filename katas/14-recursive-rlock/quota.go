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

	mu       sync.RWMutex
	def      int
	grants   map[string]Grant
	loadedAt time.Time
}

// New returns quotas that start from table and read the time from now.
func New(now func() time.Time, table Table) *Quotas {
	q := &Quotas{now: now}
	q.apply(table)
	return q
}

// apply makes table the current version. The caller holds q.mu for writing,
// or has not shared q yet.
func (q *Quotas) apply(table Table) {
	q.def = table.Default
	q.grants = make(map[string]Grant, len(table.Grants))
	for tenant, g := range table.Grants {
		q.grants[tenant] = g
	}
}

// Load replaces the limits with a new version from the configuration
// service, all at once: no request sees half of one version and half of the
// other.
func (q *Quotas) Load(table Table) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.loadedAt = q.now()
	q.apply(table)
}

// LoadedAt returns when the current version was loaded, for the status page.
func (q *Quotas) LoadedAt() time.Time {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.loadedAt
}

// Default returns the limit of a tenant without a grant. The billing page
// shows it.
func (q *Quotas) Default() int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.def
}

// Limit returns the limit that applies to tenant now. The gateway calls it
// for every request.
func (q *Quotas) Limit(tenant string) int {
	// One read lock for the whole answer, so that the grant and the default
	// come from the same version of the table.
	q.mu.RLock()
	defer q.mu.RUnlock()
	if g, ok := q.grants[tenant]; ok && q.now().Before(g.Until) {
		return g.Limit
	}
	return q.Default()
}

// Explain says which limit applies to tenant now, and why, for the support
// team's tool: "acme: 600/min, granted until 12:00 (default 100/min)".
func (q *Quotas) Explain(tenant string) string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	g, ok := q.grants[tenant]
	now := q.now()
	switch {
	case !ok:
		return fmt.Sprintf("%s: %d/min, the default", tenant, q.Default())
	case now.Before(g.Until):
		return fmt.Sprintf("%s: %d/min, granted until %s (default %d/min)",
			tenant, g.Limit, g.Until.Format("15:04"), q.Default())
	default:
		return fmt.Sprintf("%s: %d/min, the default (a grant of %d/min ended at %s)",
			tenant, q.Default(), g.Limit, g.Until.Format("15:04"))
	}
}
