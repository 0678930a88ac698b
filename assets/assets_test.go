package assets

import (
	"strings"
	"testing"

	"bianmin"
)

// The shipped member units are complete enough for dispatch: every report
// category has a unit, ids are unique, every unit has a real duty list.
func TestUnits(t *testing.T) {
	units, err := Units()
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < 12 || len(units) > 20 {
		t.Errorf("%d units shipped, want 12–20", len(units))
	}
	ids := map[string]bool{}
	handled := map[string]int{}
	for _, u := range units {
		if ids[u.ID] {
			t.Errorf("unit id %q twice", u.ID)
		}
		ids[u.ID] = true
		if n := len(u.Responsibilities); n < 3 || n > 6 {
			t.Errorf("%s has %d responsibilities, want 3–6", u.ID, n)
		}
		if len(u.Categories) == 0 {
			t.Errorf("%s handles no report category", u.ID)
		}
		for _, c := range u.Categories {
			handled[c]++
		}
		if !strings.Contains(u.Address, "南岗区") {
			t.Errorf("%s: address %q is not in 南岗区", u.ID, u.Address)
		}
	}
	for _, c := range bianmin.ReportCategories {
		if handled[c] == 0 {
			t.Errorf("no shipped unit handles %s", c)
		}
	}
	if len(handled) != len(bianmin.ReportCategories) {
		t.Errorf("units handle categories %v, want exactly %v", handled, bianmin.ReportCategories)
	}
}

// The shipped grid has the shape the kiosk's pickers are designed for, and
// its grid workers' phones are obviously fictional.
func TestGrid(t *testing.T) {
	grid, err := Grid()
	if err != nil {
		t.Fatal(err)
	}
	if len(grid) < 4 || len(grid) > 6 {
		t.Errorf("%d communities shipped, want 4–6", len(grid))
	}
	ids := map[string]bool{}
	for _, c := range grid {
		if ids[c.ID] {
			t.Errorf("community id %q twice", c.ID)
		}
		ids[c.ID] = true
		if n := len(c.Buildings); n < 3 || n > 8 {
			t.Errorf("%s has %d buildings, want 3–8", c.ID, n)
		}
		if n := len(c.GridWorkers); n < 1 || n > 3 {
			t.Errorf("%s has %d grid workers, want 1–3", c.ID, n)
		}
		for i, w := range c.GridWorkers {
			if !strings.HasPrefix(w.Phone, "1380000") {
				t.Errorf("%s grid_workers[%d]: phone is not an obviously fictional 1380000xxxx number", c.ID, i)
			}
		}
		names, buildings := map[string]bool{}, map[string]bool{}
		for _, b := range c.Buildings {
			if buildings[b.ID] || names[b.Name] {
				t.Errorf("%s: building %s (%s) twice", c.ID, b.ID, b.Name)
			}
			buildings[b.ID], names[b.Name] = true, true
			if b.Floors < 5 || b.Floors > 9 || b.RoomsPerFloor < 2 || b.RoomsPerFloor > 4 || len(b.Units) < 2 || len(b.Units) > 6 {
				t.Errorf("%s/%s: %d units × %d floors × %d rooms is not a plausible 花园街道 walk-up", c.ID, b.ID, len(b.Units), b.Floors, b.RoomsPerFloor)
			}
		}
	}
}
