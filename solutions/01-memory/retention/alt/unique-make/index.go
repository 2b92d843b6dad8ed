// Package retention indexes order messages by order ID. Messages are large
// (tens of KiB); what the index keeps about each one is small.
//
// Reference solution for 01-memory/retention.
package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unique"
)

// Index maps order IDs to what we know about each order.
type Index struct {
	byID map[string]Order
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: make(map[string]Order)}
}

// Len returns how many orders the index holds.
func (ix *Index) Len() int { return len(ix.byID) }

// Get returns the order with the given ID.
func (ix *Index) Get(id string) (Order, bool) {
	o, ok := ix.byID[id]
	return o, ok
}

// Add parses one order message (see Message in order.go for the format)
// and indexes it. The caller is done with msg once Add returns.
func (ix *Index) Add(msg string) error {
	header, body, ok := strings.Cut(msg, "\n")
	if !ok || !strings.HasPrefix(header, "ORDER ") {
		return errors.New("retention: message has no ORDER header line")
	}
	o := Order{Bytes: len(msg)}
	for _, field := range strings.Fields(header[len("ORDER "):]) {
		key, value, _ := strings.Cut(field, "=")
		switch key {
		// value points into msg: a copy keeps a few bytes alive instead
		// of the whole message.
		case "id":
			o.ID = unique.Make(value).Value() // interned: a copy, shared by equal IDs
		case "customer":
			o.Customer = unique.Make(value).Value()
		}
	}
	if o.ID == "" {
		return fmt.Errorf("retention: header %q has no id", header)
	}
	for line := range strings.Lines(body) {
		rest, ok := strings.CutPrefix(line, "item ")
		if !ok {
			continue
		}
		qty, price, err := itemAmounts(rest)
		if err != nil {
			return fmt.Errorf("retention: order %s: %w", o.ID, err)
		}
		o.Items++
		o.Total += qty * price
	}
	ix.byID[o.ID] = o
	return nil
}

// itemAmounts reads qty and price from "sku-01302 qty=3 price=1838\n".
func itemAmounts(rest string) (qty, price int, err error) {
	for _, field := range strings.Fields(rest) {
		key, value, _ := strings.Cut(field, "=")
		switch key {
		case "qty":
			qty, err = strconv.Atoi(value)
		case "price":
			price, err = strconv.Atoi(value)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("item %q: %w", strings.TrimSpace(rest), err)
		}
	}
	return qty, price, nil
}
