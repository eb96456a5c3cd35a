// Package quota answers, for every request that reaches the API gateway, how
// many requests a minute the calling tenant may make. Every tenant gets the
// default limit, unless support has granted it a temporary raise. The table
// of limits is reloaded from the configuration service while requests are
// being served.
package quota

import (
	"fmt"
	"sync"
	"sync/atomic"
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
// It has no lock: every field is safe to read and write from any goroutine.
type Quotas struct {
	now func() time.Time

	def      atomic.Int64
	grants   sync.Map // tenant → Grant
	loadedAt atomic.Pointer[time.Time]
}

// New returns quotas that start from table and read the time from now.
func New(now func() time.Time, table Table) *Quotas {
	q := &Quotas{now: now}
	q.apply(table)
	q.loadedAt.Store(new(time.Time))
	return q
}

// apply makes table the current version.
func (q *Quotas) apply(table Table) {
	q.def.Store(int64(table.Default))
	q.grants.Clear()
	for tenant, g := range table.Grants {
		q.grants.Store(tenant, g)
	}
}

// Load replaces the limits with a new version from the configuration
// service.
func (q *Quotas) Load(table Table) {
	now := q.now()
	q.apply(table)
	q.loadedAt.Store(&now)
}

// LoadedAt returns when the current version was loaded, for the status page.
func (q *Quotas) LoadedAt() time.Time { return *q.loadedAt.Load() }

// Default returns the limit of a tenant without a grant. The billing page
// shows it.
func (q *Quotas) Default() int { return int(q.def.Load()) }

// grant returns tenant's grant, if it has one.
func (q *Quotas) grant(tenant string) (Grant, bool) {
	v, ok := q.grants.Load(tenant)
	if !ok {
		return Grant{}, false
	}
	return v.(Grant), true
}

// Limit returns the limit that applies to tenant now. The gateway calls it
// for every request.
func (q *Quotas) Limit(tenant string) int {
	if g, ok := q.grant(tenant); ok && q.now().Before(g.Until) {
		return g.Limit
	}
	return q.Default()
}

// Explain says which limit applies to tenant now, and why, for the support
// team's tool: "acme: 600/min, granted until 12:00 (default 100/min)".
func (q *Quotas) Explain(tenant string) string {
	g, ok := q.grant(tenant)
	switch {
	case !ok:
		return fmt.Sprintf("%s: %d/min, the default", tenant, q.Default())
	case q.now().Before(g.Until):
		return fmt.Sprintf("%s: %d/min, granted until %s (default %d/min)",
			tenant, g.Limit, g.Until.Format("15:04"), q.Default())
	default:
		return fmt.Sprintf("%s: %d/min, the default (a grant of %d/min ended at %s)",
			tenant, q.Default(), g.Limit, g.Until.Format("15:04"))
	}
}
