package office

import (
	"context"
	"fmt"

	"bianmin"
	"bianmin/sync/wire"
)

// Changer is the part of the store the published content is read from.
type Changer interface {
	Changes(ctx context.Context, q ChangesQuery) (wire.Changes, error)
}

// LoadGrid returns the grid data as published to kiosks (ClassGrid): what
// the mobile report form offers is what the kiosks' pickers offer. Entries
// are in feed order; an entry that does not parse is an error, since
// officed never publishes one (GridItems).
func LoadGrid(ctx context.Context, feed Changer) ([]bianmin.Community, error) {
	var out []bianmin.Community
	cursor := int64(0)
	for range 1 << 20 {
		ch, err := feed.Changes(ctx, ChangesQuery{Cursor: cursor, Class: ClassGrid, Limit: MaxPage})
		if err != nil {
			return nil, err
		}
		// A class query from cursor 0 never needs a refetch.
		for _, c := range ch.Changes {
			if c.Op != "put" {
				continue
			}
			cm, err := bianmin.ParseCommunity(c.Data)
			if err != nil {
				return nil, fmt.Errorf("published grid entry %q: %w", c.Key, err)
			}
			out = append(out, cm)
		}
		if !ch.More {
			return out, nil
		}
		cursor = ch.Cursor
	}
	return nil, fmt.Errorf("grid feed does not end")
}
