package cli_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/assets"
	"bianmin/office"
	"bianmin/office/cli"
	"bianmin/office/sqlite"
	"bianmin/sync/wire"
)

// feedOf opens the stopped officed's database and returns the feed of class
// from 0 and the store's counts.
func feedOf(t *testing.T, dir, class string) ([]wire.Change, office.Counts) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ch, err := s.Changes(ctx, office.ChangesQuery{Class: class, Limit: office.MaxPage})
	if err != nil || ch.More {
		t.Fatalf("Changes(%s) = %+v, %v", class, ch, err)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ch.Changes, c
}

// The first start publishes the shipped member units and grid data; staff
// edits survive a restart, which publishes nothing again.
func TestServeSeedsUnitsAndGridOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	units, err := assets.Units()
	if err != nil {
		t.Fatal(err)
	}
	grid, err := assets.Grid()
	if err != nil {
		t.Fatal(err)
	}
	_, stop, logs := startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	if code := stop(); code != cli.ExitOK {
		t.Fatalf("serve exit %d:\n%s", code, logs)
	}
	for _, want := range []string{`msg="seeded member units" count=` + strconv.Itoa(len(units)), `msg="seeded grid data" count=` + strconv.Itoa(len(grid))} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("first start did not log %q:\n%s", want, logs)
		}
	}
	for _, c := range grid {
		for _, w := range c.GridWorkers {
			if strings.Contains(logs.String(), w.Phone) {
				t.Errorf("a grid worker's phone reached the log:\n%s", logs)
			}
		}
	}

	feed, _ := feedOf(t, dir, office.ClassUnits)
	var keys []string
	for _, c := range feed {
		u, err := bianmin.ParseUnit(c.Data) // as the kiosk reads it
		if err != nil || u.ID != c.Key {
			t.Errorf("units/%s: %v", c.Key, err)
		}
		keys = append(keys, c.Key)
	}
	var want []string
	for _, u := range units {
		want = append(want, u.ID)
	}
	if !slices.Equal(keys, want) {
		t.Errorf("units on the feed %v, want %v", keys, want)
	}
	gfeed, _ := feedOf(t, dir, office.ClassGrid)
	if len(gfeed) != len(grid) {
		t.Errorf("%d communities on the feed, want %d", len(gfeed), len(grid))
	}

	// Staff change a unit's phone and retire another.
	s, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	edited := units[0]
	edited.Phone = "0451-82681399"
	if _, err := office.PublishUnits(ctx, s, map[string]bianmin.Unit{edited.ID: edited}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Unpublish(ctx, s, office.ClassUnits, []string{units[1].ID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, countsBefore := feedOf(t, dir, "")

	_, stop, logs = startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	if code := stop(); code != cli.ExitOK {
		t.Fatalf("second serve exit %d:\n%s", code, logs)
	}
	if strings.Contains(logs.String(), "seeded") {
		t.Errorf("second start seeded again:\n%s", logs)
	}
	after, countsAfter := feedOf(t, dir, "")
	if countsAfter.Changes != countsBefore.Changes || len(after) != len(before) || after[len(after)-1].Seq != before[len(before)-1].Seq {
		t.Errorf("restart changed the feed: %d rows (end %d) → %d rows (end %d)",
			countsBefore.Changes, before[len(before)-1].Seq, countsAfter.Changes, after[len(after)-1].Seq)
	}
	for _, c := range after {
		switch {
		case c.Class == office.ClassUnits && c.Key == edited.ID && !strings.Contains(string(c.Data), "0451-82681399"):
			t.Errorf("edited unit reverted: %s", c.Data)
		case c.Class == office.ClassUnits && c.Key == units[1].ID && c.Op != "delete":
			t.Errorf("retired unit back: %s %s", c.Op, c.Data)
		}
	}
}
