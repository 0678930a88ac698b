package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"bianmin"
)

// The feed classes of member units and grid data (office.ClassUnits,
// office.ClassGrid), as the content table keys them.
const (
	ClassUnits = "units"
	ClassGrid  = "grid"
)

// SeedContent stores the shipped items of class (key → JSON) when the kiosk has
// never synced and holds nothing of the class yet, in one transaction; it
// reports how many it stored. Once the kiosk has pulled from officed, or holds
// any entry of the class, it does nothing, so a restart never replaces
// centrally published content with the older shipped set. Guides are seeded
// with SeedGuides.
func (d *DB) SeedContent(ctx context.Context, class string, items map[string]json.RawMessage) (int, error) {
	if class == "guides" || !knownClass(class) {
		return 0, fmt.Errorf("store: cannot seed class %q", class)
	}
	for k, v := range items {
		if k == "" || !json.Valid(v) {
			return 0, fmt.Errorf("store: seed of %s key %q: data must be JSON", class, k)
		}
	}
	n := 0
	err := d.Update(ctx, func(tx *Tx) error {
		// Read inside the immediate transaction, so a sync applying a page at
		// the same moment cannot slip between the check and the seed.
		var cursor int64
		var raw string
		switch err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", cursorKey).Scan(&raw); {
		case err == nil:
			if err := json.Unmarshal([]byte(raw), &cursor); err != nil {
				return fmt.Errorf("store: setting %q: %w", cursorKey, err)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var held int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM content WHERE class = ?", class).Scan(&held); err != nil {
			return err
		}
		if cursor > 0 || held > 0 {
			return nil
		}
		for _, k := range slices.Sorted(maps.Keys(items)) {
			if _, err := tx.ExecContext(ctx, "INSERT INTO content (class, key, data) VALUES (?, ?, ?)", class, k, string(items[k])); err != nil {
				return fmt.Errorf("store: seed %s/%s: %w", class, k, err)
			}
		}
		n = len(items)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// SeedUnits validates the shipped member units and seeds them (SeedContent)
// keyed by id. An invalid unit or a repeated id stores nothing.
func (d *DB) SeedUnits(ctx context.Context, units []bianmin.Unit) (int, error) {
	items := make(map[string]json.RawMessage, len(units))
	for i := range units {
		if err := units[i].Validate(); err != nil {
			return 0, err
		}
		if err := addItem(items, ClassUnits, units[i].ID, &units[i]); err != nil {
			return 0, err
		}
	}
	return d.SeedContent(ctx, ClassUnits, items)
}

// SeedGrid validates the shipped communities and seeds them (SeedContent)
// keyed by id. An invalid community or a repeated id stores nothing.
func (d *DB) SeedGrid(ctx context.Context, grid []bianmin.Community) (int, error) {
	items := make(map[string]json.RawMessage, len(grid))
	for i := range grid {
		if err := grid[i].Validate(); err != nil {
			return 0, err
		}
		if err := addItem(items, ClassGrid, grid[i].ID, &grid[i]); err != nil {
			return 0, err
		}
	}
	return d.SeedContent(ctx, ClassGrid, items)
}

func addItem(items map[string]json.RawMessage, class, key string, v any) error {
	if _, dup := items[key]; dup {
		return bianmin.Errorf(bianmin.EINVALID, "%s %q: given twice", class, key)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	items[key] = data
	return nil
}

// Units returns the member units the kiosk holds (shipped or pulled), by id.
// A row that does not parse as a valid unit, or whose id differs from its
// key, is an error naming the key: the report flow must not silently lose the
// unit a category is dispatched to.
func (d *DB) Units(ctx context.Context) ([]bianmin.Unit, error) {
	var out []bianmin.Unit
	err := d.eachContent(ctx, ClassUnits, func(key string, data []byte) error {
		u, err := bianmin.ParseUnit(data)
		if err != nil {
			return err
		}
		if u.ID != key {
			return fmt.Errorf("id %q differs from the key", u.ID)
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// Communities returns the grid data the kiosk holds (shipped or pulled), by
// id, for the report flow's community → building → unit → room pickers.
// Errors as Units.
func (d *DB) Communities(ctx context.Context) ([]bianmin.Community, error) {
	var out []bianmin.Community
	err := d.eachContent(ctx, ClassGrid, func(key string, data []byte) error {
		c, err := bianmin.ParseCommunity(data)
		if err != nil {
			return err
		}
		if c.ID != key {
			return fmt.Errorf("id %q differs from the key", c.ID)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// eachContent calls fn for every row of class in key order and wraps its
// error with the class and key.
func (d *DB) eachContent(ctx context.Context, class string, fn func(key string, data []byte) error) error {
	rows, err := d.db.QueryContext(ctx, "SELECT key, data FROM content WHERE class = ? ORDER BY key", class)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, data string
		if err := rows.Scan(&key, &data); err != nil {
			return err
		}
		if err := fn(key, []byte(data)); err != nil {
			return fmt.Errorf("store: %s/%s: %w", class, key, err)
		}
	}
	return rows.Err()
}
