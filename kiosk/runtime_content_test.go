package kiosk

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"bianmin/assets"
)

// A kiosk that has never synced offers the shipped units and grid from its
// first start; a restart loads nothing again; no grid worker's phone is
// logged.
func TestOpenSeedsUnitsAndGrid(t *testing.T) {
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
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rt, err := Open(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	gotUnits, err := rt.DB.Units(ctx)
	if err != nil || len(gotUnits) != len(units) {
		t.Errorf("Units() = %d, %v; want %d", len(gotUnits), err, len(units))
	}
	gotGrid, err := rt.DB.Communities(ctx)
	if err != nil || len(gotGrid) != len(grid) {
		t.Errorf("Communities() = %d, %v; want %d", len(gotGrid), err, len(grid))
	}
	if !strings.Contains(logs.String(), "loaded shipped units and grid") {
		t.Errorf("first start logged no seed:\n%s", logs.String())
	}
	rt.Close()

	rt, err = Open(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if n := strings.Count(logs.String(), "loaded shipped units and grid"); n != 1 {
		t.Errorf("seed logged %d times over two starts:\n%s", n, logs.String())
	}
	for _, c := range grid {
		for _, w := range c.GridWorkers {
			if strings.Contains(logs.String(), w.Phone) {
				t.Errorf("grid worker phone in the log:\n%s", logs.String())
			}
		}
	}
}
