package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// Guide implements bianmin.GuideService.
func (s *Store) Guide(ctx context.Context, id string) (bianmin.Guide, error) {
	var doc string
	err := s.ro.QueryRowContext(ctx, "SELECT doc FROM guides WHERE id = ?", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return bianmin.Guide{}, notFound("no guide with id %q", id)
	}
	if err != nil {
		return bianmin.Guide{}, err
	}
	var g bianmin.Guide
	return g, json.Unmarshal([]byte(doc), &g)
}

// Categories implements bianmin.GuideService: the categories holding most
// guides first, then by name (as on the kiosk).
func (s *Store) Categories(ctx context.Context) ([]string, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT category FROM guides GROUP BY category ORDER BY count(*) DESC, category")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindGuides implements bianmin.GuideService.
//
// The query is matched with instr() on SearchKey-normalised columns, as on the
// kiosk (kiosk/store), rather than FTS5: the trigram tokenizer cannot match
// the 1- and 2-character queries residents type most (低保, 医保, 党), and a
// street office's few hundred guides scan in well under a millisecond. The
// query is a bound parameter, so LIKE wildcards and quotes are plain text.
func (s *Store) FindGuides(ctx context.Context, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	q := bianmin.SearchKey(f.Query)
	rows, err := s.ro.QueryContext(ctx, `
		SELECT doc FROM (
			SELECT doc, title, id,
				CASE WHEN instr(title_key, ?1) > 0 THEN 0
				     WHEN instr(category_key, ?1) > 0 OR instr(dept_key, ?1) > 0 THEN 1
				     WHEN instr(materials_key, ?1) > 0 THEN 2
				     ELSE 3 END AS rank
			FROM guides
			WHERE ?2 = '' OR category = ?2)
		WHERE rank < 3
		ORDER BY rank, title, id`, q, f.Category)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bianmin.Guide{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var g bianmin.Guide
		if err := json.Unmarshal([]byte(doc), &g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// PublishGuides implements office.GuideStore.
func (s *Store) PublishGuides(ctx context.Context, guides []bianmin.Guide, at time.Time) error {
	if err := validateGuides(guides); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error { return publishGuides(ctx, tx, guides, at) })
}

// SeedGuides implements office.GuideStore. The "seeded" mark is written in the
// same transaction as the guides, so a crash cannot leave half a seed that is
// never completed.
func (s *Store) SeedGuides(ctx context.Context, guides []bianmin.Guide, at time.Time) (int, error) {
	if err := validateGuides(guides); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('guides_seeded', ?) ON CONFLICT DO NOTHING", formatTime(at))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return err // seeded before
		}
		n = len(guides)
		return publishGuides(ctx, tx, guides, at)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteGuide implements office.GuideStore.
func (s *Store) DeleteGuide(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM guides WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("no guide with id %q", id))
		}
		return putChange(ctx, tx, office.ClassGuides, office.Item{Key: id}, at)
	})
}

// validateGuides refuses the whole set for one invalid guide or a repeated id.
func validateGuides(guides []bianmin.Guide) error {
	seen := map[string]bool{}
	for i := range guides {
		if err := guides[i].Validate(); err != nil {
			return err
		}
		if seen[guides[i].ID] {
			return bianmin.Errorf(bianmin.EINVALID, "guide %q: given twice", guides[i].ID)
		}
		seen[guides[i].ID] = true
	}
	return nil
}

// publishGuides stores validated guides with their search keys and puts each
// on the feed, as the JSON a kiosk parses with bianmin.ParseGuide.
func publishGuides(ctx context.Context, tx *sql.Tx, guides []bianmin.Guide, at time.Time) error {
	for _, g := range guides {
		doc, err := json.Marshal(g)
		if err != nil {
			return err
		}
		var mats []string
		for _, m := range g.Materials {
			mats = append(mats, m.Name, m.Note)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO guides
			(id, title, category, doc, title_key, category_key, dept_key, materials_key, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, category = excluded.category,
				doc = excluded.doc, title_key = excluded.title_key, category_key = excluded.category_key,
				dept_key = excluded.dept_key, materials_key = excluded.materials_key, updated = excluded.updated`,
			g.ID, g.Title, g.Category, string(doc),
			bianmin.SearchKey(g.Title), bianmin.SearchKey(g.Category), bianmin.SearchKey(g.Department),
			bianmin.SearchKey(strings.Join(mats, "\n")), g.Updated)
		if err != nil {
			return fmt.Errorf("guide %s: %w", g.ID, err)
		}
		if err := putChange(ctx, tx, office.ClassGuides, office.Item{Key: g.ID, Data: doc}, at); err != nil {
			return err
		}
	}
	return nil
}
