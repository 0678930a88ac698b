package office

import (
	"context"
	"fmt"

	"bianmin"
)

// LoadUnits returns the member units as published to kiosks (ClassUnits),
// in feed order: the back office edits what kiosks and dispatch see. An
// entry that does not parse is an error, since officed never publishes one
// (UnitItems).
func LoadUnits(ctx context.Context, feed Changer) ([]bianmin.Unit, error) {
	var out []bianmin.Unit
	cursor := int64(0)
	for range 1 << 20 {
		ch, err := feed.Changes(ctx, ChangesQuery{Cursor: cursor, Class: ClassUnits, Limit: MaxPage})
		if err != nil {
			return nil, err
		}
		// A class query from cursor 0 never needs a refetch.
		for _, c := range ch.Changes {
			if c.Op != "put" {
				continue
			}
			u, err := bianmin.ParseUnit(c.Data)
			if err != nil {
				return nil, fmt.Errorf("published unit %q: %w", c.Key, err)
			}
			out = append(out, u)
		}
		if !ch.More {
			return out, nil
		}
		cursor = ch.Cursor
	}
	return nil, fmt.Errorf("units feed does not end")
}
