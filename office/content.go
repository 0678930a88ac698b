package office

import (
	"encoding/json"

	"bianmin"
)

// UnitItems validates member units and returns them as feed items of class
// ClassUnits, keyed by unit id, in the given order. The data is the JSON a
// kiosk reads back with bianmin.ParseUnit. An invalid unit or a repeated id
// is an EINVALID error and no items are returned: officed never publishes a
// unit the kiosk would refuse.
func UnitItems(units []bianmin.Unit) ([]Item, error) {
	items := make([]Item, 0, len(units))
	seen := make(map[string]bool, len(units))
	for i := range units {
		u := &units[i]
		if err := u.Validate(); err != nil {
			return nil, err
		}
		if seen[u.ID] {
			return nil, bianmin.Errorf(bianmin.EINVALID, "unit %q: given twice", u.ID)
		}
		seen[u.ID] = true
		data, err := json.Marshal(u)
		if err != nil {
			return nil, err
		}
		items = append(items, Item{Key: u.ID, Data: data})
	}
	return items, nil
}

// GridItems validates communities and returns them as feed items of class
// ClassGrid, keyed by community id, in the given order; the data is the JSON
// of bianmin.ParseCommunity. Refusals as UnitItems.
func GridItems(grid []bianmin.Community) ([]Item, error) {
	items := make([]Item, 0, len(grid))
	seen := make(map[string]bool, len(grid))
	for i := range grid {
		c := &grid[i]
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if seen[c.ID] {
			return nil, bianmin.Errorf(bianmin.EINVALID, "community %q: given twice", c.ID)
		}
		seen[c.ID] = true
		data, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		items = append(items, Item{Key: c.ID, Data: data})
	}
	return items, nil
}

// ValidateSeedItems checks items for SeedContent: what ValidateItems checks,
// and every item carries data (a seed has nothing to delete). Stores call it
// before writing, so every store refuses the same seeds.
func ValidateSeedItems(class string, items []Item) error {
	if err := ValidateItems(class, items); err != nil {
		return err
	}
	for _, it := range items {
		if it.Data == nil {
			return bianmin.Errorf(bianmin.EINVALID, "feed: seed of %s key %q has no data", class, it.Key)
		}
	}
	return nil
}
