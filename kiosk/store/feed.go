package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

const cursorKey = "sync.cursor"

// Cursor is the position in officed's change feed the kiosk has applied.
func (d *DB) Cursor(ctx context.Context) (int64, error) {
	var c int64
	_, err := d.Setting(ctx, cursorKey, &c)
	return c, err
}

// ApplyChanges applies one page of the feed and moves the cursor to cursor in
// the same transaction: after a crash the kiosk either has the page and the
// new cursor or neither, so nothing is skipped or applied twice.
func (d *DB) ApplyChanges(ctx context.Context, changes []wire.Change, cursor int64) error {
	return d.Update(ctx, func(tx *Tx) error {
		for _, c := range changes {
			if err := tx.apply(ctx, c); err != nil {
				return err
			}
		}
		if err := tx.putSetting(ctx, lastSyncKey, time.Now().UTC()); err != nil {
			return err
		}
		return tx.putSetting(ctx, cursorKey, cursor)
	})
}

// ReplaceClass drops the kiosk's copy of class and stores changes instead, in
// one transaction (a must-refetch answer). The shipped guides are dropped too:
// after a refetch the kiosk holds exactly what officed publishes.
func (d *DB) ReplaceClass(ctx context.Context, class string, changes []wire.Change) error {
	return d.Update(ctx, func(tx *Tx) error {
		var err error
		if class == "guides" {
			_, err = tx.ExecContext(ctx, "DELETE FROM guides")
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM content WHERE class = ?", class)
		}
		if err != nil {
			return err
		}
		for _, c := range changes {
			if c.Class != class {
				return fmt.Errorf("store: refetch of %s got a %s change", class, c.Class)
			}
			if err := tx.apply(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (tx *Tx) apply(ctx context.Context, c wire.Change) error {
	switch {
	case c.Op != "put" && c.Op != "delete":
		return fmt.Errorf("store: change %d: unknown op %q", c.Seq, c.Op)
	case c.Class == "guides" && c.Op == "put":
		g, err := bianmin.ParseGuide(c.Data)
		if err != nil {
			return fmt.Errorf("store: change %d: %w", c.Seq, err)
		}
		if g.ID != c.Key {
			return fmt.Errorf("store: change %d: guide %q under key %q", c.Seq, g.ID, c.Key)
		}
		return tx.putGuide(ctx, "office", g)
	case c.Class == "guides":
		_, err := tx.ExecContext(ctx, "DELETE FROM guides WHERE id = ?", c.Key)
		return err
	case !knownClass(c.Class):
		return fmt.Errorf("store: change %d: unknown class %q", c.Seq, c.Class)
	case c.Op == "put":
		if !json.Valid(c.Data) {
			return fmt.Errorf("store: change %d: data is not JSON", c.Seq)
		}
		_, err := tx.ExecContext(ctx,
			"INSERT INTO content (class, key, data) VALUES (?, ?, ?) ON CONFLICT (class, key) DO UPDATE SET data = excluded.data",
			c.Class, c.Key, string(c.Data))
		return err
	default:
		_, err := tx.ExecContext(ctx, "DELETE FROM content WHERE class = ? AND key = ?", c.Class, c.Key)
		return err
	}
}

func knownClass(c string) bool {
	for _, k := range wire.Classes {
		if k == c {
			return true
		}
	}
	return false
}

// Content returns the data of key in class, and whether it exists.
func (d *DB) Content(ctx context.Context, class, key string) (json.RawMessage, bool, error) {
	var s string
	err := d.db.QueryRowContext(ctx, "SELECT data FROM content WHERE class = ? AND key = ?", class, key).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return json.RawMessage(s), true, nil
}

func (tx *Tx) putSetting(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, string(raw))
	return err
}
