package store

import (
	"context"
	"fmt"

	"bianmin"
	"bianmin/guidesql"
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
	c, err := guidesql.ColumnsOf(g)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO guides
		(id, title, category, doc, title_key, category_key, dept_key, materials_key, source, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, category = excluded.category,
			doc = excluded.doc, title_key = excluded.title_key, category_key = excluded.category_key,
			dept_key = excluded.dept_key, materials_key = excluded.materials_key,
			source = excluded.source, updated = excluded.updated`,
		g.ID, g.Title, g.Category, c.Doc, c.TitleKey, c.CategoryKey, c.DeptKey, c.MaterialsKey, source, g.Updated)
	if err != nil {
		return fmt.Errorf("store: guide %s: %w", g.ID, err)
	}
	return nil
}

// Guide implements bianmin.GuideService.
func (d *DB) Guide(ctx context.Context, id string) (bianmin.Guide, error) {
	return guidesql.Guide(ctx, d.db, id)
}

// Categories implements bianmin.GuideService (guidesql.Categories).
func (d *DB) Categories(ctx context.Context) ([]string, error) {
	return guidesql.Categories(ctx, d.db)
}

// FindGuides implements bianmin.GuideService (guidesql.Find).
func (d *DB) FindGuides(ctx context.Context, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	return guidesql.Find(ctx, d.db, f)
}
