package store

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"bianmin"
	"bianmin/assets"
)

func openSeeded(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	guides, err := assets.Guides()
	if err != nil {
		t.Fatal(err)
	}
	if len(guides) < 12 {
		t.Fatalf("only %d shipped guides, SPEC §2.3 asks for at least 12", len(guides))
	}
	n, err := db.SeedGuides(ctx, guides)
	if err != nil || n != len(guides) {
		t.Fatalf("seeded %d of %d: %v", n, len(guides), err)
	}
	return db
}

func ids(gs []bianmin.Guide) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func TestDurabilityPragmas(t *testing.T) {
	db := openSeeded(t)
	for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "5000"} {
		got, err := db.Pragma(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
}

func TestSearch(t *testing.T) {
	db := openSeeded(t)
	for _, tc := range []struct {
		name, query string
		want        []string // must be among the results
		first       string   // must rank first, if set
		none        bool
	}{
		{name: "低保 (2 characters)", query: "低保", want: []string{"dibao-apply"}, first: "dibao-apply"},
		{name: "医保 (2 characters)", query: "医保", want: []string{"resident-medical-insurance"}, first: "resident-medical-insurance"},
		{name: "党 (1 character)", query: "党", want: []string{"party-membership-transfer"}},
		{name: "身份证 in titles and materials", query: "身份证", want: []string{"temporary-id-card", "dibao-apply", "residence-permit"}, first: "temporary-id-card"},
		{name: "department name", query: "派出所", want: []string{"temporary-id-card", "residence-permit"}},
		{name: "material name", query: "居民户口簿", want: []string{"dibao-apply"}},
		{name: "full-width and half-width fold", query: "(低保)", want: []string{"dibao-apply"}},
		{name: "no match", query: "火星移民", none: true},
		{name: "percent is text", query: "%", none: true},
		{name: "underscore is text", query: "_", none: true},
		{name: "quote is text", query: "'", none: true},
		{name: "double quote is text", query: `"`, none: true},
		{name: "injection attempt is text", query: "' OR 1=1 --", none: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.FindGuides(context.Background(), bianmin.GuideFilter{Query: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("query %q found %v, want nothing", tc.query, ids(got))
				}
				return
			}
			have := map[string]bool{}
			for _, id := range ids(got) {
				have[id] = true
			}
			for _, w := range tc.want {
				if !have[w] {
					t.Errorf("query %q: %s missing from %v", tc.query, w, ids(got))
				}
			}
			if tc.first != "" && (len(got) == 0 || got[0].ID != tc.first) {
				t.Errorf("query %q: first result %v, want %s", tc.query, ids(got), tc.first)
			}
		})
	}
}

func TestSearchDoesNotMatchUnsearchedFields(t *testing.T) {
	// Steps and legal basis are not searched: 国务院令 appears only in legal bases.
	db := openSeeded(t)
	got, err := db.FindGuides(context.Background(), bianmin.GuideFilter{Query: "国务院令"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("legal-basis text matched: %v", ids(got))
	}
}

func TestCategoriesAndFilter(t *testing.T) {
	db := openSeeded(t)
	ctx := context.Background()
	cats, err := db.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.FindGuides(ctx, bianmin.GuideFilter{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range cats {
		in, err := db.FindGuides(ctx, bianmin.GuideFilter{Category: c})
		if err != nil {
			t.Fatal(err)
		}
		if len(in) == 0 {
			t.Errorf("category %s lists nothing", c)
		}
		for _, g := range in {
			if g.Category != c {
				t.Errorf("category %s lists %s of %s", c, g.ID, g.Category)
			}
		}
		total += len(in)
	}
	if total != len(all) {
		t.Errorf("categories hold %d guides, all lists %d", total, len(all))
	}
	titles := []string{}
	for _, g := range all {
		titles = append(titles, g.Title)
	}
	if !sort.StringsAreSorted(titles) {
		t.Error("an empty query does not list guides by title")
	}
}

func TestGuideRoundTripAndNotFound(t *testing.T) {
	db := openSeeded(t)
	ctx := context.Background()
	shipped, _ := assets.Guides()
	for _, want := range shipped {
		got, err := db.Guide(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != want.Title || len(got.Materials) != len(want.Materials) || got.Materials[0] != want.Materials[0] {
			t.Errorf("guide %s changed on the way through the store", want.ID)
		}
	}
	_, err := db.Guide(ctx, "no-such-guide")
	if bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("unknown id: %v, want not_found", err)
	}
}

func TestSeedOnlyOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	guides, _ := assets.Guides()
	if _, err := db.SeedGuides(ctx, guides); err != nil {
		t.Fatal(err)
	}
	// Content published centrally replaces a shipped guide …
	changed := guides[0]
	changed.Title = "新标题（中心发布）"
	if err := db.PutGuides(ctx, "office", []bianmin.Guide{changed}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// … and a restart must not put the shipped version back.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.SeedGuides(ctx, guides); err != nil || n != 0 {
		t.Fatalf("second seed stored %d: %v", n, err)
	}
	g, err := db.Guide(ctx, changed.ID)
	if err != nil || g.Title != changed.Title {
		t.Errorf("after restart: %q, %v", g.Title, err)
	}
}

func TestInvalidGuideChangesNothing(t *testing.T) {
	db := openSeeded(t)
	ctx := context.Background()
	guides, _ := assets.Guides()
	good := guides[0]
	good.Title = "改过的标题"
	bad := guides[1]
	bad.Materials = nil
	err := db.PutGuides(ctx, "office", []bianmin.Guide{good, bad})
	if bianmin.ErrorCode(err) != bianmin.EINVALID || !strings.Contains(err.Error(), "materials") {
		t.Fatalf("invalid guide: %v", err)
	}
	g, _ := db.Guide(ctx, good.ID)
	if g.Title == "改过的标题" {
		t.Error("a batch with an invalid guide stored part of itself")
	}
}

func TestSettings(t *testing.T) {
	db := openSeeded(t)
	ctx := context.Background()
	var v struct{ Port string }
	if ok, err := db.Setting(ctx, "x", &v); ok || err != nil {
		t.Fatalf("missing setting: %v %v", ok, err)
	}
	if err := db.PutSetting(ctx, "x", struct{ Port string }{"/dev/ttyS1"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Setting(ctx, "x", &v); !ok || err != nil || v.Port != "/dev/ttyS1" {
		t.Fatalf("setting round trip: %v %v %+v", ok, err, v)
	}
}

func bianminFilter(q string) bianmin.GuideFilter { return bianmin.GuideFilter{Query: q} }
