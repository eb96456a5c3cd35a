// Package prices compares what our suppliers charge for a product with our
// own list price. Every supplier is asked at the same time, so the pricing
// page waits for the slowest supplier instead of for all of them in turn.
package prices

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// Supplier is one wholesaler's pricing API.
type Supplier interface {
	// Name identifies the supplier in quotes and errors.
	Name() string
	// Quote returns the supplier's current price for sku, in cents.
	Quote(ctx context.Context, sku string) (int64, error)
}

// Catalog holds our own list prices.
type Catalog interface {
	// ListPrice returns the price we sell sku at, in cents.
	ListPrice(ctx context.Context, sku string) (int64, error)
}

// Limiter paces the requests sent through the suppliers' shared gateway.
// A *rate.Limiter from golang.org/x/time/rate satisfies it.
type Limiter interface {
	// Wait blocks until one more request may be sent, or until ctx is done.
	Wait(ctx context.Context) error
}

// Quote is one supplier's price for a product.
type Quote struct {
	Supplier string
	Cents    int64
}

// Comparison is what the pricing page shows for one product.
type Comparison struct {
	SKU       string
	ListPrice int64   // our own price, in cents
	Quotes    []Quote // one per supplier that answered, cheapest first
	Failed    []error // one per supplier that could not quote
}

// Finder compares supplier prices. Set every field before calling Compare.
type Finder struct {
	Catalog   Catalog
	Suppliers []Supplier
	Limiter   Limiter
}

// Compare asks every supplier for a quote on sku at once and, while they
// answer, reads our list price. A supplier that fails is listed in Failed and
// the other quotes still count. Compare returns when every supplier has
// answered or failed.
func (f *Finder) Compare(ctx context.Context, sku string) (Comparison, error) {
	quotes := make([]Quote, len(f.Suppliers))
	errs := make([]error, len(f.Suppliers))

	// wg.Go counts each goroutine before starting it, so Wait below cannot
	// miss one, and marks it done when its function returns, whichever
	// return that is.
	var wg sync.WaitGroup
	for i, s := range f.Suppliers {
		wg.Go(func() {
			if err := f.Limiter.Wait(ctx); err != nil {
				return // ctx is done; Compare reports it below
			}
			cents, err := s.Quote(ctx, sku)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", s.Name(), err)
				return
			}
			quotes[i] = Quote{Supplier: s.Name(), Cents: cents}
		})
	}

	list, err := f.Catalog.ListPrice(ctx, sku)
	wg.Wait()
	if err != nil {
		return Comparison{}, fmt.Errorf("list price of %s: %w", sku, err)
	}
	if err := ctx.Err(); err != nil {
		return Comparison{}, err
	}

	c := Comparison{SKU: sku, ListPrice: list}
	for i, q := range quotes {
		switch {
		case errs[i] != nil:
			c.Failed = append(c.Failed, errs[i])
		case q.Supplier != "":
			c.Quotes = append(c.Quotes, q)
		}
	}
	slices.SortStableFunc(c.Quotes, func(a, b Quote) int { return cmp.Compare(a.Cents, b.Cents) })
	return c, nil
}
