package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// Publish implements office.FeedService.
func (s *Store) Publish(ctx context.Context, class string, items []office.Item, at time.Time) (int64, error) {
	return s.putChanges(ctx, class, items, at, false)
}

// ReplaceClass implements office.FeedService.
func (s *Store) ReplaceClass(ctx context.Context, class string, items []office.Item, at time.Time) (int64, error) {
	return s.putChanges(ctx, class, items, at, true)
}

// putChanges validates items and puts them on the feed in one transaction,
// after resetting class when replace, and returns the feed's end.
func (s *Store) putChanges(ctx context.Context, class string, items []office.Item, at time.Time, replace bool) (int64, error) {
	if err := office.ValidateItems(class, items); err != nil {
		return 0, err
	}
	var end int64
	err := s.update(ctx, func(tx *sql.Tx) error {
		if replace {
			if err := resetClass(ctx, tx, class); err != nil {
				return err
			}
		}
		for _, it := range items {
			if err := putChange(ctx, tx, class, it, at); err != nil {
				return err
			}
		}
		var err error
		end, err = feedEnd(ctx, tx)
		return err
	})
	return end, err
}

// putChange makes it the newest entry of its key. A delete of a key the feed
// does not hold (or holds deleted) writes nothing: no kiosk can have it.
func putChange(ctx context.Context, tx *sql.Tx, class string, it office.Item, at time.Time) error {
	if it.Data == nil {
		var op string
		err := tx.QueryRowContext(ctx, "SELECT op FROM changes WHERE class = ? AND key = ?", class, it.Key).Scan(&op)
		if errors.Is(err, sql.ErrNoRows) || op == "delete" {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE class = ? AND key = ?", class, it.Key); err != nil {
		return err
	}
	op, data := "put", sql.NullString{String: string(it.Data), Valid: it.Data != nil}
	if it.Data == nil {
		op = "delete"
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO changes (class, key, op, data, published_at) VALUES (?, ?, ?, ?, ?)",
		class, it.Key, op, data, formatTime(at))
	return err
}

// resetClass drops every entry of class and records a reset at a sequence
// number of its own, above every cursor a kiosk can hold now. Entries
// published afterwards all lie above the reset, so a kiosk refetching the
// class from 0 is never told to refetch it again.
func resetClass(ctx context.Context, tx *sql.Tx, class string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE class = ?", class); err != nil {
		return err
	}
	// AUTOINCREMENT keeps the largest sequence number ever used in
	// sqlite_sequence and continues above it; bumping it reserves one number.
	res, err := tx.ExecContext(ctx, "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'changes'")
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO sqlite_sequence (name, seq) VALUES ('changes', 1)"); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO class_resets (class, seq)
		VALUES (?1, (SELECT seq FROM sqlite_sequence WHERE name = 'changes'))
		ON CONFLICT (class) DO UPDATE SET seq = excluded.seq`, class)
	return err
}

// feedEnd is the largest sequence number the feed has used: entries and resets.
func feedEnd(ctx context.Context, tx *sql.Tx) (int64, error) {
	var end int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)").Scan(&end)
	return end, err
}

// Changes implements office.FeedService, with the must-refetch rules
// documented there, in one read transaction so the page, the feed's end and
// the resets agree.
func (s *Store) Changes(ctx context.Context, q office.ChangesQuery) (wire.Changes, error) {
	if q.Cursor < 0 {
		return wire.Changes{}, bianmin.Errorf(bianmin.EINVALID, "cursor must not be negative")
	}
	if q.Class != "" && !office.ValidClass(q.Class) {
		return wire.Changes{}, bianmin.Errorf(bianmin.EINVALID, "unknown class %q", q.Class)
	}
	if q.Limit < 1 || q.Limit > office.MaxPage {
		return wire.Changes{}, bianmin.Errorf(bianmin.EINVALID, "limit must be 1–%d", office.MaxPage)
	}
	maxBytes := q.MaxBytes
	if maxBytes <= 0 {
		maxBytes = office.DefaultPageBytes
	}
	out := wire.Changes{Changes: []wire.Change{}}
	err := s.view(ctx, func(tx *sql.Tx) error {
		end, err := feedEnd(ctx, tx)
		if err != nil {
			return err
		}
		if q.Cursor > end {
			out.Cursor, out.MustRefetch = end, refetchAll(q.Class)
			return nil
		}
		if q.Cursor > 0 {
			refetch, upTo, err := mustRefetch(ctx, tx, q.Cursor, q.Class)
			if err != nil || len(refetch) > 0 {
				out.Cursor, out.MustRefetch = upTo, refetch
				return err
			}
		}
		query, args := "SELECT seq, class, key, op, data FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2", []any{q.Cursor, q.Limit + 1}
		if q.Class != "" {
			query = "SELECT seq, class, key, op, data FROM changes WHERE class = ?3 AND seq > ?1 ORDER BY seq LIMIT ?2"
			args = append(args, q.Class)
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		size := 0
		for rows.Next() {
			if len(out.Changes) == q.Limit || (len(out.Changes) > 0 && size >= maxBytes) {
				out.More = true
				break
			}
			var c wire.Change
			var data sql.NullString
			if err := rows.Scan(&c.Seq, &c.Class, &c.Key, &c.Op, &data); err != nil {
				return err
			}
			if data.Valid {
				c.Data = []byte(data.String)
			}
			size += len(c.Data)
			out.Changes = append(out.Changes, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out.More {
			out.Cursor = out.Changes[len(out.Changes)-1].Seq
		} else {
			out.Cursor = end
		}
		return nil
	})
	if err != nil {
		return wire.Changes{}, err
	}
	return out, nil
}

func refetchAll(class string) []string {
	if class != "" {
		return []string{class}
	}
	return slices.Clone(wire.Classes)
}

// mustRefetch applies the reset rule of office.FeedService: the classes reset
// after cursor, plus every class with entries between cursor and the newest
// of those resets, and that reset as the cursor to continue from.
func mustRefetch(ctx context.Context, tx *sql.Tx, cursor int64, class string) ([]string, int64, error) {
	var upTo sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT max(seq) FROM class_resets WHERE seq > ?1 AND (?2 = '' OR class = ?2)",
		cursor, class).Scan(&upTo)
	if err != nil || !upTo.Valid {
		return nil, 0, err
	}
	if class != "" {
		return []string{class}, upTo.Int64, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT class FROM class_resets WHERE seq > ?1
		UNION SELECT DISTINCT class FROM changes WHERE seq > ?1 AND seq <= ?2`, cursor, upTo.Int64)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, 0, err
		}
		found[c] = true
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var out []string
	for _, c := range wire.Classes { // the protocol's order, for stable answers
		if found[c] {
			out = append(out, c)
		}
	}
	return out, upTo.Int64, nil
}
