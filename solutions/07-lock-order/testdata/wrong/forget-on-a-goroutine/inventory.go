// Package inventory keeps the warehouse's stock in memory: how many units of
// each product are on the shelves and how many of them customers have
// reserved. The index of products has a lock of its own, and so has every
// product, so that customers reserving different products never wait for
// each other.
//
// Lock order: a goroutine that needs both locks takes the index's
// (Inventory.mu) first and then the item's (Item.mu), on every path. A
// goroutine that holds an item's lock never asks for the index's.
package inventory

import (
	"errors"
	"fmt"
	"sync"
)

// Errors a reservation can be refused with.
var (
	ErrQuantity   = errors.New("inventory: quantity must be positive")
	ErrUnknownSKU = errors.New("inventory: unknown product")
	ErrRetired    = errors.New("inventory: product retired")
	ErrOutOfStock = errors.New("inventory: not enough stock")
)

// Feed tells the storefront how many units of a product customers can still
// reserve.
type Feed interface {
	// StockChanged is called after every change of a product's stock, in
	// the order of the changes.
	StockChanged(sku string, available int)
}

// Item is one product on the shelves.
type Item struct {
	sku string

	mu       sync.Mutex
	onHand   int  // units on the shelves
	reserved int  // units promised to customers and not shipped yet
	retired  bool // no new reservations; it leaves the index with its last one
}

// String describes the item for logs and the status page, e.g.
// "mug: 10 on hand, 2 reserved".
func (it *Item) String() string {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.describe()
}

// describe is String for callers that already hold it.mu: a sync.Mutex is
// not reentrant, so String would wait for ever for a lock its own caller
// holds.
func (it *Item) describe() string {
	return fmt.Sprintf("%s: %d on hand, %d reserved", it.sku, it.onHand, it.reserved)
}

// Inventory is the index of products. It is safe for concurrent use.
type Inventory struct {
	feed Feed

	mu    sync.Mutex
	items map[string]*Item
}

// New returns an inventory with the given units on hand of each product,
// that reports every change of stock to feed.
func New(feed Feed, stock map[string]int) *Inventory {
	inv := &Inventory{feed: feed, items: make(map[string]*Item, len(stock))}
	for sku, units := range stock {
		inv.items[sku] = &Item{sku: sku, onHand: units}
	}
	return inv
}

// Lookup returns the product the index lists as sku, or nil. The status
// page prints what it returns.
func (inv *Inventory) Lookup(sku string) *Item {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.items[sku]
}

// Available returns how many units of sku customers can still reserve.
func (inv *Inventory) Available(sku string) (int, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	it := inv.items[sku]
	if it == nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownSKU, sku)
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.onHand - it.reserved, nil
}

// Reservation is units of one product promised to a customer. It ends with
// exactly one call of Cancel or Ship.
type Reservation struct {
	inv  *Inventory
	item *Item
	qty  int
}

// Reserve promises qty units of sku to a customer.
func (inv *Inventory) Reserve(sku string, qty int) (*Reservation, error) {
	if qty <= 0 {
		return nil, ErrQuantity
	}
	// The index stays locked while we reserve, so that the product cannot
	// leave it halfway through.
	inv.mu.Lock()
	defer inv.mu.Unlock()
	it := inv.items[sku]
	if it == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownSKU, sku)
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.retired {
		return nil, fmt.Errorf("%w: %s", ErrRetired, sku)
	}
	if it.onHand-it.reserved < qty {
		// Not %v of it: fmt would call it.String, which locks it.mu again.
		return nil, fmt.Errorf("%w: %d wanted, %s", ErrOutOfStock, qty, it.describe())
	}
	it.reserved += qty
	inv.feed.StockChanged(sku, it.onHand-it.reserved)
	return &Reservation{inv: inv, item: it, qty: qty}, nil
}

// Cancel gives the units back: the customer cancelled the order.
func (r *Reservation) Cancel() {
	r.settle(false)
}

// Ship takes the units off the shelves: the parcel has left the warehouse.
func (r *Reservation) Ship() {
	r.settle(true)
}

// settle ends the reservation, shipped or cancelled. It may remove a retired
// product from the index, so it takes the index's lock first, like every
// other path that needs both locks.
func (r *Reservation) settle(shipped bool) {
	inv, it := r.inv, r.item
	it.mu.Lock()
	defer it.mu.Unlock()
	it.reserved -= r.qty
	if shipped {
		it.onHand -= r.qty
	}
	inv.feed.StockChanged(it.sku, it.onHand-it.reserved)
	if it.retired && it.reserved == 0 {
		// Not under it.mu: forget waits for the index on a goroutine of
		// its own, so the two locks are never held together here.
		go inv.forget(it.sku)
	}
}

// forget removes a retired product from the index.
func (inv *Inventory) forget(sku string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	delete(inv.items, sku)
}

// Retire stops new reservations of sku. The product leaves the index at once
// if none of it is reserved, or else with its last reservation.
func (inv *Inventory) Retire(sku string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	it := inv.items[sku]
	if it == nil {
		return fmt.Errorf("%w: %s", ErrUnknownSKU, sku)
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	it.retired = true
	if it.reserved == 0 {
		delete(inv.items, sku)
	}
	return nil
}
