package office

import (
	"context"
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"bianmin"
	"bianmin/sync/wire"
)

// The classes of the change feed (wire.Classes).
const (
	ClassGuides  = "guides"
	ClassUnits   = "units"   // member units (成员单位) and what they are responsible for
	ClassGrid    = "grid"    // communities, buildings, units, rooms
	ClassConfig  = "config"  // kiosk configuration pushed centrally
	ClassBills   = "bills"   // amounts due, for offline lookups
	ClassTickets = "tickets" // ticket and application statuses for "check progress"
)

// MaxItemBytes bounds the data of one feed entry; a page always carries at
// least one entry, so this also bounds a page's size.
const MaxItemBytes = 256 << 10

// ValidClass reports whether class is one of wire.Classes.
func ValidClass(class string) bool { return slices.Contains(wire.Classes, class) }

// ValidateItems checks items for Publish or ReplaceClass: a known class other
// than guides, keys of 1–200 bytes of UTF-8 each given once, data a JSON value
// of at most MaxItemBytes (or nil to delete). Stores call it before writing,
// so every store refuses the same things with the same EINVALID messages.
func ValidateItems(class string, items []Item) error {
	if !ValidClass(class) {
		return bianmin.Errorf(bianmin.EINVALID, "feed: unknown class %q", class)
	}
	if class == ClassGuides {
		return bianmin.Errorf(bianmin.EINVALID, "feed: guides are published with PublishGuides")
	}
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if it.Key == "" || len(it.Key) > 200 || !utf8.ValidString(it.Key) {
			return bianmin.Errorf(bianmin.EINVALID, "feed: %s key %q must be 1–200 bytes of UTF-8", class, it.Key)
		}
		if seen[it.Key] {
			return bianmin.Errorf(bianmin.EINVALID, "feed: %s key %q given twice", class, it.Key)
		}
		seen[it.Key] = true
		if it.Data == nil {
			continue
		}
		if len(it.Data) > MaxItemBytes || !json.Valid(it.Data) {
			return bianmin.Errorf(bianmin.EINVALID, "feed: %s %q: data must be JSON of at most %d bytes", class, it.Key, MaxItemBytes)
		}
	}
	return nil
}

// Publisher is the part of the store content is published through.
type Publisher interface {
	Publish(ctx context.Context, class string, items []Item, at time.Time) (int64, error)
}

// PublishUnits publishes member units, each marshalled to JSON under its key.
func PublishUnits[T any](ctx context.Context, p Publisher, units map[string]T, at time.Time) (int64, error) {
	return PublishJSON(ctx, p, ClassUnits, units, at)
}

// PublishGrid publishes grid data (communities, buildings, units, rooms).
func PublishGrid[T any](ctx context.Context, p Publisher, grid map[string]T, at time.Time) (int64, error) {
	return PublishJSON(ctx, p, ClassGrid, grid, at)
}

// PublishConfig publishes kiosk configuration entries.
func PublishConfig[T any](ctx context.Context, p Publisher, config map[string]T, at time.Time) (int64, error) {
	return PublishJSON(ctx, p, ClassConfig, config, at)
}

// PublishBills publishes amounts due, keyed by biller and account.
func PublishBills[T any](ctx context.Context, p Publisher, bills map[string]T, at time.Time) (int64, error) {
	return PublishJSON(ctx, p, ClassBills, bills, at)
}

// PublishTicketStatuses publishes ticket and application statuses, keyed by
// ticket or application number.
func PublishTicketStatuses[T any](ctx context.Context, p Publisher, statuses map[string]T, at time.Time) (int64, error) {
	return PublishJSON(ctx, p, ClassTickets, statuses, at)
}

// PublishJSON marshals each value and publishes them under their keys, in key
// order, in one transaction. It returns the feed's new end.
func PublishJSON[T any](ctx context.Context, p Publisher, class string, values map[string]T, at time.Time) (int64, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	items := make([]Item, 0, len(keys))
	for _, k := range keys {
		data, err := json.Marshal(values[k])
		if err != nil {
			return 0, bianmin.Errorf(bianmin.EINVALID, "feed: %s %q: %v", class, k, err)
		}
		items = append(items, Item{Key: k, Data: data})
	}
	return p.Publish(ctx, class, items, at)
}

// Unpublish deletes keys of class from every kiosk.
func Unpublish(ctx context.Context, p Publisher, class string, keys []string, at time.Time) (int64, error) {
	items := make([]Item, len(keys))
	for i, k := range keys {
		items[i] = Item{Key: k}
	}
	return p.Publish(ctx, class, items, at)
}
