package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bianmin"
	"bianmin/assets"
	"bianmin/sync/wire"
)

func shipped(t *testing.T) ([]bianmin.Unit, []bianmin.Community) {
	t.Helper()
	units, err := assets.Units()
	if err != nil {
		t.Fatal(err)
	}
	grid, err := assets.Grid()
	if err != nil {
		t.Fatal(err)
	}
	return units, grid
}

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seed seeds the shipped units and grid and returns how many of each it stored.
func seed(t *testing.T, db *DB) (int, int) {
	t.Helper()
	units, grid := shipped(t)
	nu, err := db.SeedUnits(context.Background(), units)
	if err != nil {
		t.Fatal(err)
	}
	ng, err := db.SeedGrid(context.Background(), grid)
	if err != nil {
		t.Fatal(err)
	}
	return nu, ng
}

// A kiosk that has never synced reads the shipped units and grid, exactly.
func TestSeedContentReadsBack(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"))
	units, grid := shipped(t)
	if nu, ng := seed(t, db); nu != len(units) || ng != len(grid) {
		t.Fatalf("seeded %d units and %d communities, want %d and %d", nu, ng, len(units), len(grid))
	}
	// A restart before the first sync finds the seed and keeps it.
	if nu, ng := seed(t, db); nu != 0 || ng != 0 {
		t.Errorf("second seed stored %d units and %d communities", nu, ng)
	}
	gotUnits, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(units, func(a, b bianmin.Unit) int { return strings.Compare(a.ID, b.ID) })
	if !reflect.DeepEqual(gotUnits, units) {
		t.Errorf("Units() differs from the shipped set:\n%+v\nwant\n%+v", gotUnits, units)
	}
	gotGrid, err := db.Communities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(grid, func(a, b bianmin.Community) int { return strings.Compare(a.ID, b.ID) })
	if !reflect.DeepEqual(gotGrid, grid) {
		t.Errorf("Communities() differs from the shipped set")
	}
}

// A later feed put replaces a seeded unit and a delete removes one; a restart
// does not seed again, so neither comes back.
func TestFeedReplacesSeededContent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db := openAt(t, path)
	seed(t, db)
	units, _ := shipped(t)
	edited := units[0]
	edited.Phone = "0451-82681399"
	edited.Responsibilities = append(edited.Responsibilities, "冬季管道防冻巡查")
	data, _ := json.Marshal(edited)
	err := db.ApplyChanges(ctx, []wire.Change{
		{Seq: 40, Class: ClassUnits, Key: edited.ID, Op: "put", Data: data},
		{Seq: 41, Class: ClassUnits, Key: units[1].ID, Op: "delete"},
	}, 41)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openAt(t, path) // a restart
	if nu, ng := seed(t, db); nu != 0 || ng != 0 {
		t.Errorf("restart seeded %d units and %d communities again", nu, ng)
	}
	got, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(units)-1 {
		t.Errorf("%d units, want %d (one deleted by the feed)", len(got), len(units)-1)
	}
	for _, u := range got {
		if u.ID == units[1].ID {
			t.Errorf("unit %s deleted by the feed is back", u.ID)
		}
		if u.ID == edited.ID && !reflect.DeepEqual(u, edited) {
			t.Errorf("unit %s = %+v, want the feed's version %+v", u.ID, u, edited)
		}
	}
}

// Seeding needs a kiosk that has never synced and holds nothing of the class:
// what officed published (even nothing at all) wins over the shipped set.
func TestSeedContentOnlyBeforeFirstSync(t *testing.T) {
	ctx := context.Background()
	synced := openAt(t, filepath.Join(t.TempDir(), "synced.db"))
	if err := synced.ApplyChanges(ctx, nil, 7); err != nil { // pulled a feed without units or grid
		t.Fatal(err)
	}
	if nu, ng := seed(t, synced); nu != 0 || ng != 0 {
		t.Errorf("a synced kiosk was seeded: %d units, %d communities", nu, ng)
	}
	if us, err := synced.Units(ctx); err != nil || len(us) != 0 {
		t.Errorf("Units() = %d, %v", len(us), err)
	}

	// Units refetched after a must-refetch answer (the cursor untouched) are
	// not topped up by the shipped set, while grid, still empty, is seeded.
	partial := openAt(t, filepath.Join(t.TempDir(), "partial.db"))
	units, grid := shipped(t)
	data, _ := json.Marshal(units[2])
	if err := partial.ReplaceClass(ctx, ClassUnits, []wire.Change{{Seq: 3, Class: ClassUnits, Key: units[2].ID, Op: "put", Data: data}}); err != nil {
		t.Fatal(err)
	}
	if nu, ng := seed(t, partial); nu != 0 || ng != len(grid) {
		t.Errorf("seeded %d units (want 0) and %d communities (want %d)", nu, ng, len(grid))
	}
	if us, err := partial.Units(ctx); err != nil || len(us) != 1 || us[0].ID != units[2].ID {
		t.Errorf("Units() = %+v, %v", us, err)
	}
}

func TestSeedContentRefusalsStoreNothing(t *testing.T) {
	ctx := context.Background()
	db := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"))
	for _, tc := range []struct {
		name, class string
		items       map[string]json.RawMessage
	}{
		{"guides", "guides", map[string]json.RawMessage{"g": json.RawMessage(`{}`)}},
		{"unknown class", "parking", map[string]json.RawMessage{"p": json.RawMessage(`{}`)}},
		{"not JSON", ClassUnits, map[string]json.RawMessage{"a": json.RawMessage(`{}`), "b": json.RawMessage(`{"name":`)}},
		{"empty key", ClassUnits, map[string]json.RawMessage{"": json.RawMessage(`{}`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, err := db.SeedContent(ctx, tc.class, tc.items); err == nil || n != 0 {
				t.Errorf("SeedContent = %d, %v; want an error", n, err)
			}
		})
	}
	units, grid := shipped(t)
	bad := slices.Clone(units)
	bad[3].Categories = []string{"停车"}
	if _, err := db.SeedUnits(ctx, bad); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("SeedUnits with an invalid unit: %v", err)
	}
	if _, err := db.SeedGrid(ctx, append(slices.Clone(grid), grid[0])); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("SeedGrid with a repeated id: %v", err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM content").Scan(&n); err != nil || n != 0 {
		t.Errorf("refused seeds left %d rows (%v)", n, err)
	}
	// Nothing was marked: the valid set still seeds.
	if nu, ng := seed(t, db); nu != len(units) || ng != len(grid) {
		t.Errorf("after refusals seeded %d and %d", nu, ng)
	}
}

// A row the report flow cannot use is an error naming it, never skipped.
func TestContentReadersRefuseBadRows(t *testing.T) {
	ctx := context.Background()
	units, grid := shipped(t)
	unitData, _ := json.Marshal(units[0])
	gridData, _ := json.Marshal(grid[0])
	for _, tc := range []struct {
		name    string
		change  wire.Change
		wantErr string
	}{
		{"partial unit", wire.Change{Class: ClassUnits, Key: "u1", Data: json.RawMessage(`{"name":"区民政局"}`)}, "units/u1"},
		{"unit under another key", wire.Change{Class: ClassUnits, Key: "other", Data: unitData}, "units/other: id"},
		{"unknown key in a unit", wire.Change{Class: ClassUnits, Key: units[0].ID,
			Data: json.RawMessage(strings.Replace(string(unitData), `{"id"`, `{"wechat":"x","id"`, 1))}, "unknown field"},
		{"community without buildings", wire.Change{Class: ClassGrid, Key: grid[0].ID,
			Data: json.RawMessage(strings.Replace(string(gridData), `"buildings":[`, `"buildings":[],"x":[`, 1))}, "grid/" + grid[0].ID},
		{"community under another key", wire.Change{Class: ClassGrid, Key: "zz", Data: gridData}, "grid/zz: id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"))
			seed(t, db)
			c := tc.change
			c.Seq, c.Op = 9, "put"
			if err := db.ApplyChanges(ctx, []wire.Change{c}, 9); err != nil {
				t.Fatal(err)
			}
			var err error
			if c.Class == ClassUnits {
				_, err = db.Units(ctx)
			} else {
				_, err = db.Communities(ctx)
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}
