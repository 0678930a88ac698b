package officetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// UnitFixtures returns valid member units covering every report category.
func UnitFixtures() []bianmin.Unit {
	u := func(id, name, kind, phone string, categories ...string) bianmin.Unit {
		return bianmin.Unit{ID: id, Name: name, Kind: kind, Phone: phone, Address: "南岗区花园街218号",
			Responsibilities: []string{"受理居民诉求", "限时办结并反馈"}, Categories: categories}
	}
	return []bianmin.Unit{
		u("water", "哈尔滨供水集团南岗分公司", "公用事业单位", "0451-82681301", "供水"),
		u("drainage", "哈尔滨排水集团南岗排水管理所", "公用事业单位", "0451-82681302", "排水"),
		u("heating", "哈尔滨花园供热有限公司", "公用事业单位", "0451-82681303", "供热"),
		u("street", "花园街道社区服务科", "街道科室", "0451-82681102", "环境卫生", "楼道照明", "其他"),
		u("safety", "花园街道平安建设办公室", "街道科室", "12345", "安全隐患", "邻里纠纷"),
	}
}

// GridFixtures returns valid communities; their grid workers' phones are
// fictional.
func GridFixtures() []bianmin.Community {
	b := func(id string, units, floors, rooms int) bianmin.Building {
		out := bianmin.Building{ID: id, Name: id + "号楼", Floors: floors, RoomsPerFloor: rooms}
		for i := 1; i <= units; i++ {
			out.Units = append(out.Units, string(rune('0'+i))+"单元")
		}
		return out
	}
	return []bianmin.Community{
		{ID: "huayuan", Name: "花园社区", Address: "南岗区花园街188号",
			GridWorkers: []bianmin.GridWorker{{Name: "王丽华", Phone: "13800000101", Grid: "第一网格"}},
			Buildings:   []bianmin.Building{b("1", 4, 6, 2), b("3", 6, 7, 2)}},
		{ID: "haicheng", Name: "海城社区", Address: "南岗区海城街56号",
			GridWorkers: []bianmin.GridWorker{{Name: "孙立伟", Phone: "13800000301", Grid: "第一网格"}},
			Buildings:   []bianmin.Building{b("1", 2, 8, 4)}},
	}
}

func mustItems(t *testing.T) (units, grid []office.Item) {
	t.Helper()
	units, err := office.UnitItems(UnitFixtures())
	if err != nil {
		t.Fatal(err)
	}
	grid, err = office.GridItems(GridFixtures())
	if err != nil {
		t.Fatal(err)
	}
	return units, grid
}

func testContentSeed(t *testing.T, s office.Store) {
	ctx := context.Background()
	units, grid := mustItems(t)
	if n, err := s.SeedContent(ctx, office.ClassUnits, units, T0); err != nil || n != len(units) {
		t.Fatalf("SeedContent(units) = %d, %v; want %d", n, err, len(units))
	}
	// Each class is seeded on its own: units being seeded does not stop grid.
	if n, err := s.SeedContent(ctx, office.ClassGrid, grid, T0); err != nil || n != len(grid) {
		t.Fatalf("SeedContent(grid) = %d, %v; want %d", n, err, len(grid))
	}
	feed, _ := pullAll(t, s, 0, office.ClassUnits, 100)
	if len(feed) != len(units) {
		t.Fatalf("%d units on the feed, want %d", len(feed), len(units))
	}
	for _, c := range feed {
		u, err := bianmin.ParseUnit(c.Data) // what the kiosk does with it
		if err != nil || u.ID != c.Key || c.Op != "put" {
			t.Errorf("feed entry units/%s: %v", c.Key, err)
		}
	}
	gfeed, _ := pullAll(t, s, 0, office.ClassGrid, 100)
	for _, c := range gfeed {
		if cm, err := bianmin.ParseCommunity(c.Data); err != nil || cm.ID != c.Key {
			t.Errorf("feed entry grid/%s: %v", c.Key, err)
		}
	}
	if len(gfeed) != len(grid) {
		t.Errorf("%d communities on the feed, want %d", len(gfeed), len(grid))
	}

	// Staff edit one unit and delete another; a restart seeds again.
	edited := UnitFixtures()[0]
	edited.Phone = "0451-82681399"
	if _, err := office.PublishUnits(ctx, s, map[string]bianmin.Unit{edited.ID: edited}, T0); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Unpublish(ctx, s, office.ClassUnits, []string{"safety"}, T0); err != nil {
		t.Fatal(err)
	}
	before, beforeFeed := counts(t, s), feedState(t, s)
	for _, class := range []string{office.ClassUnits, office.ClassGrid} {
		items := units
		if class == office.ClassGrid {
			items = grid
		}
		if n, err := s.SeedContent(ctx, class, items, T0.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("second SeedContent(%s) = %d, %v; want 0", class, n, err)
		}
	}
	if after := counts(t, s); after != before {
		t.Errorf("second seed changed counts %+v → %+v", before, after)
	}
	if after := feedState(t, s); !slices.Equal(after, beforeFeed) {
		t.Errorf("second seed changed the feed:\n%v\n→\n%v", beforeFeed, after)
	}
	var got bianmin.Unit
	for _, c := range pullAllClass(t, s, office.ClassUnits) {
		switch c.Key {
		case "water":
			if err := json.Unmarshal(c.Data, &got); err != nil || got.Phone != "0451-82681399" {
				t.Errorf("edited unit after a second seed: %s", c.Data)
			}
		case "safety":
			if c.Op != "delete" {
				t.Errorf("deleted unit back after a second seed: %s %s", c.Op, c.Data)
			}
		}
	}
}

// A store that had a class published before seeding existed keeps it: the
// first seed marks the class seeded and publishes nothing.
func testContentSeedAfterPublish(t *testing.T, s office.Store) {
	ctx := context.Background()
	units, grid := mustItems(t)
	if _, err := s.Publish(ctx, office.ClassUnits, []office.Item{units[0]}, T0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceClass(ctx, office.ClassGrid, nil, T0); err != nil {
		t.Fatal(err)
	}
	before := feedState(t, s)
	if n, err := s.SeedContent(ctx, office.ClassUnits, units, T0); err != nil || n != 0 {
		t.Errorf("SeedContent(units) over published units = %d, %v; want 0", n, err)
	}
	if n, err := s.SeedContent(ctx, office.ClassGrid, grid, T0); err != nil || n != 0 {
		t.Errorf("SeedContent(grid) after a reset = %d, %v; want 0", n, err)
	}
	if after := feedState(t, s); !slices.Equal(after, before) {
		t.Errorf("seed changed published content:\n%v\n→\n%v", before, after)
	}
	// Config was never published: it is still seeded.
	if n, err := s.SeedContent(ctx, office.ClassConfig, []office.Item{item("print.footer", `"便民服务热线 12345"`)}, T0); err != nil || n != 1 {
		t.Errorf("SeedContent(config) = %d, %v; want 1", n, err)
	}
	// An empty seed is the first call too: the class counts as seeded.
	if n, err := s.SeedContent(ctx, office.ClassBills, nil, T0); err != nil || n != 0 {
		t.Errorf("empty SeedContent(bills) = %d, %v", n, err)
	}
	if n, err := s.SeedContent(ctx, office.ClassBills, []office.Item{item("heat/1001", `245000`)}, T0); err != nil || n != 0 {
		t.Errorf("SeedContent(bills) after an empty seed = %d, %v; want 0", n, err)
	}
}

func testContentSeedRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	units, _ := mustItems(t)
	for _, tc := range []struct {
		name, class string
		items       []office.Item
	}{
		{"guides", office.ClassGuides, []office.Item{item("g1", `{}`)}},
		{"unknown class", "parking", units},
		{"not JSON", office.ClassUnits, append(slices.Clone(units), item("broken", `{"name":`))},
		{"delete", office.ClassUnits, append(slices.Clone(units), item("gone", ""))},
		{"key twice", office.ClassUnits, append(slices.Clone(units), units[0])},
		{"empty key", office.ClassUnits, append(slices.Clone(units), item("", `{}`))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := counts(t, s)
			n, err := s.SeedContent(ctx, tc.class, tc.items, T0)
			if bianmin.ErrorCode(err) != bianmin.EINVALID || n != 0 {
				t.Errorf("SeedContent = %d, %v; want an EINVALID error", n, err)
			}
			if after := counts(t, s); after != before {
				t.Errorf("refused seed changed counts %+v → %+v", before, after)
			}
		})
	}
	// A refused seed does not count as seeded: the next valid one publishes.
	if n, err := s.SeedContent(ctx, office.ClassUnits, units, T0); err != nil || n != len(units) {
		t.Errorf("SeedContent after refusals = %d, %v; want %d", n, err, len(units))
	}
	// Invalid domain data never becomes items.
	bad := UnitFixtures()
	bad[1].Categories = []string{"停车"}
	if items, err := office.UnitItems(bad); bianmin.ErrorCode(err) != bianmin.EINVALID || items != nil {
		t.Errorf("UnitItems of an invalid unit = %d items, %v", len(items), err)
	}
	dup := append(GridFixtures(), GridFixtures()[0])
	if items, err := office.GridItems(dup); bianmin.ErrorCode(err) != bianmin.EINVALID || items != nil {
		t.Errorf("GridItems with a repeated id = %d items, %v", len(items), err)
	}
}

// feedState is the whole feed from 0 as comparable strings.
func feedState(t *testing.T, s office.Store) []string {
	t.Helper()
	all, end := pullAll(t, s, 0, "", office.MaxPage)
	return append(keys(all), fmt.Sprint("end=", end))
}

func pullAllClass(t *testing.T, s office.Store, class string) []wire.Change {
	t.Helper()
	all, _ := pullAll(t, s, 0, class, office.MaxPage)
	return all
}
