package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bianmin"
	"bianmin/guidesql"
	"bianmin/office"
)

// Guide implements bianmin.GuideService.
func (s *Store) Guide(ctx context.Context, id string) (bianmin.Guide, error) {
	return guidesql.Guide(ctx, s.ro, id)
}

// Categories implements bianmin.GuideService (guidesql.Categories, as on the
// kiosk).
func (s *Store) Categories(ctx context.Context) ([]string, error) {
	return guidesql.Categories(ctx, s.ro)
}

// FindGuides implements bianmin.GuideService (guidesql.Find, as on the kiosk).
func (s *Store) FindGuides(ctx context.Context, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	return guidesql.Find(ctx, s.ro, f)
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
		c, err := guidesql.ColumnsOf(g)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO guides
			(id, title, category, doc, title_key, category_key, dept_key, materials_key, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, category = excluded.category,
				doc = excluded.doc, title_key = excluded.title_key, category_key = excluded.category_key,
				dept_key = excluded.dept_key, materials_key = excluded.materials_key, updated = excluded.updated`,
			g.ID, g.Title, g.Category, c.Doc, c.TitleKey, c.CategoryKey, c.DeptKey, c.MaterialsKey, g.Updated)
		if err != nil {
			return fmt.Errorf("guide %s: %w", g.ID, err)
		}
		if err := putChange(ctx, tx, office.ClassGuides, office.Item{Key: g.ID, Data: []byte(c.Doc)}, at); err != nil {
			return err
		}
	}
	return nil
}
