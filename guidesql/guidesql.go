// Package guidesql is the guide catalogue as a SQLite table, shared by the
// kiosk's store and officed's: both keep a `guides` table with the columns
// below, and both answer bianmin.GuideService with these queries, so a search
// finds the same guides on the kiosk and on the public page.
//
//	id, title, category, doc (the guide as JSON), updated,
//	title_key, category_key, dept_key, materials_key (bianmin.SearchKey forms)
package guidesql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"bianmin"
)

// Querier is a database or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Columns are the stored forms of a validated guide: its JSON and the
// normalised search keys of the title, category, department and materials
// (names and notes).
type Columns struct {
	Doc                                          string
	TitleKey, CategoryKey, DeptKey, MaterialsKey string
}

// ColumnsOf returns what a store writes for g.
func ColumnsOf(g bianmin.Guide) (Columns, error) {
	doc, err := json.Marshal(g)
	if err != nil {
		return Columns{}, err
	}
	var mats []string
	for _, m := range g.Materials {
		mats = append(mats, m.Name, m.Note)
	}
	return Columns{Doc: string(doc), TitleKey: bianmin.SearchKey(g.Title), CategoryKey: bianmin.SearchKey(g.Category),
		DeptKey: bianmin.SearchKey(g.Department), MaterialsKey: bianmin.SearchKey(strings.Join(mats, "\n"))}, nil
}

// Guide returns the guide with id; ENOTFOUND if there is none.
func Guide(ctx context.Context, q Querier, id string) (bianmin.Guide, error) {
	var doc string
	err := q.QueryRowContext(ctx, "SELECT doc FROM guides WHERE id = ?", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return bianmin.Guide{}, bianmin.Errorf(bianmin.ENOTFOUND, "no guide with id %q", id)
	}
	if err != nil {
		return bianmin.Guide{}, err
	}
	var g bianmin.Guide
	return g, json.Unmarshal([]byte(doc), &g)
}

// Categories returns the categories holding most guides first, then by name.
func Categories(ctx context.Context, q Querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT category FROM guides GROUP BY category ORDER BY count(*) DESC, category")
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

// Find returns the guides matching f: title matches first, then category or
// department, then materials; by title within each.
//
// The query is matched with instr() on the normalised key columns rather than
// FTS5: the trigram tokenizer cannot match the 1- and 2-character queries
// residents type most (低保, 医保, 党), and a street office's few hundred
// guides scan in well under a millisecond. The query is a bound parameter,
// so LIKE wildcards and quotes are plain text.
func Find(ctx context.Context, q Querier, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT doc FROM (
			SELECT doc, title, id,
				CASE WHEN instr(title_key, ?1) > 0 THEN 0
				     WHEN instr(category_key, ?1) > 0 OR instr(dept_key, ?1) > 0 THEN 1
				     WHEN instr(materials_key, ?1) > 0 THEN 2
				     ELSE 3 END AS rank
			FROM guides
			WHERE ?2 = '' OR category = ?2)
		WHERE rank < 3
		ORDER BY rank, title, id`, bianmin.SearchKey(f.Query), f.Category)
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
