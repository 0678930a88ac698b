package sqlite

import (
	"context"
	"database/sql"
	"time"

	"bianmin/office"
)

// SeedContent implements office.FeedService. The "seeded" mark of the class
// is written in the same transaction as its items, so a crash cannot leave
// half a seed that is never completed.
func (s *Store) SeedContent(ctx context.Context, class string, items []office.Item, at time.Time) (int, error) {
	if err := office.ValidateSeedItems(class, items); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", class+"_seeded", formatTime(at))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return err // seeded before
		}
		// Content published before this store knew about seeding is what
		// staff chose; the shipped set must not overwrite or resurrect it.
		var published bool
		err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM changes WHERE class = ?1)
			OR EXISTS (SELECT 1 FROM class_resets WHERE class = ?1)`, class).Scan(&published)
		if err != nil || published {
			return err
		}
		for _, it := range items {
			if err := putChange(ctx, tx, class, it, at); err != nil {
				return err
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
