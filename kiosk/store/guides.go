package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"bianmin"
)

var _ bianmin.GuideService = (*DB)(nil)

// SeedGuides loads the shipped guides when the kiosk has none yet. Once guides
// exist (shipped or pulled from officed) it does nothing, so a restart never
// replaces centrally published content with the older shipped set.
// It reports how many guides it stored.
func (d *DB) SeedGuides(ctx context.Context, guides []bianmin.Guide) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM guides").Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	return len(guides), d.PutGuides(ctx, "assets", guides)
}

// PutGuides validates and stores guides in one transaction; an invalid guide
// stores nothing.
func (d *DB) PutGuides(ctx context.Context, source string, guides []bianmin.Guide) error {
	for i := range guides {
		if err := guides[i].Validate(); err != nil {
			return err
		}
	}
	return d.Update(ctx, func(tx *Tx) error {
		for _, g := range guides {
			if err := tx.putGuide(ctx, source, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// putGuide stores one validated guide with its search keys.
func (tx *Tx) putGuide(ctx context.Context, source string, g bianmin.Guide) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	var mats []string
	for _, m := range g.Materials {
		mats = append(mats, m.Name, m.Note)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO guides
		(id, title, category, doc, title_key, category_key, dept_key, materials_key, source, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, category = excluded.category,
			doc = excluded.doc, title_key = excluded.title_key, category_key = excluded.category_key,
			dept_key = excluded.dept_key, materials_key = excluded.materials_key,
			source = excluded.source, updated = excluded.updated`,
		g.ID, g.Title, g.Category, string(doc),
		bianmin.SearchKey(g.Title), bianmin.SearchKey(g.Category), bianmin.SearchKey(g.Department),
		bianmin.SearchKey(strings.Join(mats, "\n")), source, g.Updated)
	if err != nil {
		return fmt.Errorf("store: guide %s: %w", g.ID, err)
	}
	return nil
}

// Guide implements bianmin.GuideService.
func (d *DB) Guide(ctx context.Context, id string) (bianmin.Guide, error) {
	var doc string
	err := d.db.QueryRowContext(ctx, "SELECT doc FROM guides WHERE id = ?", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return bianmin.Guide{}, bianmin.Errorf(bianmin.ENOTFOUND, "no guide with id %q", id)
	}
	if err != nil {
		return bianmin.Guide{}, err
	}
	var g bianmin.Guide
	return g, json.Unmarshal([]byte(doc), &g)
}

// Categories implements bianmin.GuideService: categories ordered by how many
// guides they hold (most used first), then by name.
func (d *DB) Categories(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx,
		"SELECT category FROM guides GROUP BY category ORDER BY count(*) DESC, category")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
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
// The query is matched with instr() on normalised columns rather than FTS5: the
// trigram tokenizer cannot match the 1- and 2-character queries residents type
// most (低保, 医保, 党), and a street office's few hundred guides scan in well
// under a millisecond. instr() takes the query as a bound parameter, so LIKE
// wildcards and quotes are ordinary characters.
func (d *DB) FindGuides(ctx context.Context, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	q := bianmin.SearchKey(f.Query)
	rows, err := d.db.QueryContext(ctx, `
		SELECT doc FROM (
			SELECT doc, title,
				CASE WHEN instr(title_key, ?1) > 0 THEN 0
				     WHEN instr(category_key, ?1) > 0 OR instr(dept_key, ?1) > 0 THEN 1
				     WHEN instr(materials_key, ?1) > 0 THEN 2
				     ELSE 3 END AS rank
			FROM guides
			WHERE ?2 = '' OR category = ?2)
		WHERE rank < 3
		ORDER BY rank, title`, q, f.Category)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bianmin.Guide
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
