package quota_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	quota "github.com/gokatas/concurrency/katas/14-recursive-rlock"
)

// Every call into the quotas is guarded by katatest.Completes (or
// katatest.Go and Wait) instead of a clock: it fails the test with a
// "deadlock guard:" message as soon as the call waits (for a lock, say) and
// every other goroutine of the test binary waits too, so that nothing is left
// to wake it. A correct call is never in that state, however loaded the
// machine.

// noon is the fake clock's time in every test.
var noon = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// current is the table the gateway starts with: acme's grant ended at
// 11:30, globex's runs until 14:00.
func current() quota.Table {
	return quota.Table{
		Default: 100,
		Grants: map[string]quota.Grant{
			"acme":   {Limit: 600, Until: noon.Add(-30 * time.Minute)},
			"globex": {Limit: 900, Until: noon.Add(2 * time.Hour)},
		},
	}
}

// next is the version the configuration service sends next: a lower
// default, and a new grant for acme.
func next() quota.Table {
	return quota.Table{
		Default: 50,
		Grants: map[string]quota.Grant{
			"acme": {Limit: 1000, Until: noon.Add(time.Hour)},
		},
	}
}

// The support tool's answers for acme and globex, from the current and the
// next table.
const (
	explainAcmeNow    = "acme: 100/min, the default (a grant of 600/min ended at 11:30)"
	explainAcmeNext   = "acme: 1000/min, granted until 13:00 (default 50/min)"
	explainGlobexNow  = "globex: 900/min, granted until 14:00 (default 100/min)"
	explainGlobexNext = "globex: 50/min, the default"
)

// TestLimit asks one question at a time: which limit applies, and why.
func TestLimit(t *testing.T) {
	tests := []struct {
		name        string
		reload      bool // load the next table first
		tenant      string
		wantLimit   int
		wantExplain string
	}{
		{
			name: "a tenant without a grant gets the default", tenant: "initech",
			wantLimit: 100, wantExplain: "initech: 100/min, the default",
		},
		{
			name: "a grant raises the limit until it ends", tenant: "globex",
			wantLimit: 900, wantExplain: "globex: 900/min, granted until 14:00 (default 100/min)",
		},
		{
			name: "after a grant has ended, the default applies", tenant: "acme",
			wantLimit: 100, wantExplain: explainAcmeNow,
		},
		{
			name: "a reload replaces the default and the grants", reload: true, tenant: "acme",
			wantLimit: 1000, wantExplain: explainAcmeNext,
		},
		{
			name: "a reload removes the grants it does not list", reload: true, tenant: "globex",
			wantLimit: 50, wantExplain: "globex: 50/min, the default",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			q := quota.New((&fakeClock{}).Now, current())
			if tt.reload && !katatest.Completes(t, "Load", func() { q.Load(next()) }) {
				return
			}
			var limit int
			var explain string
			if !katatest.Completes(t, "Limit", func() { limit = q.Limit(tt.tenant) }) {
				return
			}
			assert.Equal(t, tt.wantLimit, limit, "Limit(%q)", tt.tenant)
			if !katatest.Completes(t, "Explain", func() { explain = q.Explain(tt.tenant) }) {
				return
			}
			assert.Equal(t, tt.wantExplain, explain, "Explain(%q)", tt.tenant)
		})
	}
}

// TestReadWhileLoading asks about acme, globex and initech (no grant) while
// the configuration service's next table arrives. The clock holds the
// question inside its read of the time until Load has got as far as it can:
// waiting for the lock, or finished. Then both must return, and the answer
// must come from one version of the table, the current one or the next:
// never a grant read from one and the default from the other. (An answer
// that never reads the clock gives the reload no moment to arrive in; the
// reload then follows it.)
func TestReadWhileLoading(t *testing.T) {
	tests := []struct {
		name string
		ask  func(*quota.Quotas) string
		want []string // any of these
	}{
		{
			name: "the gateway asks for the limit",
			ask:  func(q *quota.Quotas) string { return strconv.Itoa(q.Limit("acme")) },
			want: []string{"100", "1000"},
		},
		{
			name: "support asks why",
			ask:  func(q *quota.Quotas) string { return q.Explain("acme") },
			want: []string{explainAcmeNow, explainAcmeNext},
		},
		{
			name: "the gateway asks for a grant the next table drops",
			ask:  func(q *quota.Quotas) string { return strconv.Itoa(q.Limit("globex")) },
			want: []string{"900", "50"},
		},
		{
			name: "support asks why about a grant the next table drops",
			ask:  func(q *quota.Quotas) string { return q.Explain("globex") },
			want: []string{explainGlobexNow, explainGlobexNext},
		},
		{
			name: "support asks why about a tenant without a grant",
			ask:  func(q *quota.Quotas) string { return q.Explain("initech") },
			want: []string{"initech: 100/min, the default", "initech: 50/min, the default"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			clock := &fakeClock{}
			q := quota.New(clock.Now, current())
			loads := make(chan *katatest.Call, 1)
			clock.holdNext(func() {
				load := katatest.Go("Load", func() { q.Load(next()) })
				loads <- load
				load.WaitParked() // waiting for the lock, or finished
			})

			var got string
			if !katatest.Completes(t, tt.name, func() { got = tt.ask(q) }) {
				return
			}
			if clock.dropHold() { // the answer did not read the clock
				if !katatest.Completes(t, "Load", func() { q.Load(next()) }) {
					return
				}
			} else if !(<-loads).Wait(t) {
				return
			}
			assert.Contains(t, tt.want, got, "the answer must come from one version of the table")

			var after int
			if katatest.Completes(t, "Limit after the reload", func() { after = q.Limit("acme") }) {
				assert.Equal(t, 1000, after, "acme's limit once the next table is loaded")
			}
		})
	}
}

// TestDefaultWhileLoading shows the billing page while a reload holds the
// lock: Load is held inside its read of the time until the page's Default
// has got as far as it can. Nothing but the quotas' own lock orders the two:
// the wait looks at goroutine dumps, which synchronise with nothing, so the
// race detector checks that the lock does.
func TestDefaultWhileLoading(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	clock := &fakeClock{}
	q := quota.New(clock.Now, current())
	pages := make(chan *katatest.Call, 1)
	var shown int
	clock.holdNext(func() {
		page := katatest.Go("Default", func() { shown = q.Default() })
		pages <- page
		page.WaitParked() // waiting for the lock, or finished
	})

	if !katatest.Completes(t, "Load", func() { q.Load(next()) }) {
		return
	}
	if !(<-pages).Wait(t) {
		return
	}
	assert.Contains(t, []int{100, 50}, shown, "the billing page shows the default of one version")
	var after int
	if katatest.Completes(t, "Default after the reload", func() { after = q.Default() }) {
		assert.Equal(t, 50, after, "the default once the next table is loaded")
	}
}

// fakeClock says it is noon, always. holdNext runs a function inside the
// next call of Now, before it returns: the test's way to make something
// happen at that exact point of the code under test.
type fakeClock struct {
	mu   sync.Mutex
	hold func()
}

func (c *fakeClock) holdNext(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold = fn
}

// dropHold cancels a hold that no call of Now has run yet, and reports
// whether there was one.
func (c *fakeClock) dropHold() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	pending := c.hold != nil
	c.hold = nil
	return pending
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	hold := c.hold
	c.hold = nil
	c.mu.Unlock()
	if hold != nil {
		hold()
	}
	return noon
}
