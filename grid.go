package bianmin

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ReportCategories are the categories of a problem report (扫码点单, SPEC §2.4),
// in display order. Tickets name one of them; member units list the ones they
// handle, which is how a report finds the unit it is dispatched to.
var ReportCategories = []string{"供水", "排水", "供热", "环境卫生", "楼道照明", "安全隐患", "邻里纠纷", "其他"}

// UnitKinds are the accepted values of Unit.Kind: the kinds of member units of
// a street office's 吹哨报到 network.
var UnitKinds = []string{"区直部门", "街道科室", "社区", "公用事业单位", "驻区单位", "物业企业"}

// Unit is a member unit (成员单位): a department, utility, police station or
// property company that the street office dispatches reports to (吹哨派单), with
// its responsibility list (职责清单).
type Unit struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Kind             string   `json:"kind"` // one of UnitKinds
	Phone            string   `json:"phone"`
	Address          string   `json:"address"`
	Responsibilities []string `json:"responsibilities"` // 职责清单, one duty per entry
	// Categories are the ReportCategories the unit handles; empty for a unit
	// that takes no reports (its duties are guides or coordination).
	Categories []string `json:"categories"`
}

// Handles reports whether the unit takes reports of category.
func (u *Unit) Handles(category string) bool { return oneOf(category, u.Categories) }

// Community is one residential community (社区) of the street office with its
// grid: the people responsible for it and the buildings a report can be
// located in (community → building → unit → room).
type Community struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Address     string      `json:"address"`
	GridWorkers GridWorkers `json:"grid_workers"`
	Buildings   []Building  `json:"buildings"`
}

// GridWorkers are a community's grid workers. The named type exists so that
// logging the list masks the phones too (slog's JSON handler would otherwise
// marshal each worker with its phone).
type GridWorkers []GridWorker

// LogValue implements slog.LogValuer: the workers as their masked Strings.
func (ws GridWorkers) LogValue() slog.Value {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	return slog.AnyValue(out)
}

// GridWorker is a grid worker (网格员) of a community.
//
// Phone is a staff member's personal mobile: it is shown to residents as
// published, but never logged. String and LogValue mask it, so printing or
// logging a worker or a community does not leak it by accident.
type GridWorker struct {
	Name  string `json:"name"`
	Phone string `json:"phone"` // 11-digit mobile number
	Grid  string `json:"grid"`  // the grid (网格) the worker covers, e.g. "第一网格"
}

// String shows the worker with the phone masked (138****0001).
func (w GridWorker) String() string {
	return fmt.Sprintf("%s (%s) %s", w.Name, w.Grid, MaskPhone(w.Phone))
}

// LogValue implements slog.LogValuer with the phone masked.
func (w GridWorker) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", w.Name), slog.String("grid", w.Grid), slog.String("phone", MaskPhone(w.Phone)))
}

// LogValue implements slog.LogValuer: a community logs as its id, name and
// sizes, never its grid workers' phones.
func (c Community) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("name", c.Name),
		slog.Int("buildings", len(c.Buildings)), slog.Int("grid_workers", len(c.GridWorkers)))
}

// Building is one residential building. Every 单元 (stairwell) has the same
// floors and rooms per floor, so rooms need not be listed one by one.
type Building struct {
	ID            string   `json:"id"`   // unique within its community; tickets carry it
	Name          string   `json:"name"` // as residents say it, e.g. "3号楼"
	Units         []string `json:"units"`
	Floors        int      `json:"floors"`
	RoomsPerFloor int      `json:"rooms_per_floor"`
}

// Limits of grid data: beyond them the kiosk's pickers stop being usable, and
// data beyond them is a typo rather than a building.
const (
	MaxFloors        = 60
	MaxRoomsPerFloor = 20
	MaxBuildingUnits = 20
)

// Rooms returns the room numbers of each 单元 in picker order, the way
// residents write them: floor then two-digit room, 101 … 602.
func (b *Building) Rooms() []string {
	out := make([]string, 0, b.Floors*b.RoomsPerFloor)
	for f := 1; f <= b.Floors; f++ {
		for r := 1; r <= b.RoomsPerFloor; r++ {
			out = append(out, fmt.Sprintf("%d%02d", f, r))
		}
	}
	return out
}

// HasRoom reports whether unit and room name a home in the building.
func (b *Building) HasRoom(unit, room string) bool {
	return oneOf(unit, b.Units) && oneOf(room, b.Rooms())
}

// Building returns the building with id, if the community has it.
func (c *Community) Building(id string) (Building, bool) {
	for _, b := range c.Buildings {
		if b.ID == id {
			return b, true
		}
	}
	return Building{}, false
}

var (
	// Building ids are short (tickets carry them): "3", "b12", "3-east".
	buildingIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	// Office phones: a landline with its area code and an optional extension
	// (0451-86321000, 0451-86321000-8012), a 5-digit service hotline
	// (95598, 96633, 12345), a 400 number (400-618-9090) or a mobile.
	officePhonePattern = regexp.MustCompile(`^(0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(-[0-9]{1,6})?|(95|96|12)[0-9]{3}|400-[0-9]{3}-[0-9]{4}|1[3-9][0-9]{9})$`)
)

// ValidOfficePhone reports whether p is a phone number a unit can publish:
// landline with area code (and optional extension), 5-digit hotline, 400
// number or mobile.
func ValidOfficePhone(p string) bool { return officePhonePattern.MatchString(p) }

// Validate reports the first missing or malformed field. A unit that fails it
// is never seeded or published, so dispatch and the kiosk can rely on it.
func (u *Unit) Validate() error {
	bad := func(field, why string) error {
		return Errorf(EINVALID, "unit %q: %s %s", u.ID, field, why)
	}
	if !ValidGuideID(u.ID) {
		return bad("id", "must be 2–63 lowercase letters, digits or '-'")
	}
	if err := checkText(bad, "name", u.Name, 60); err != nil {
		return err
	}
	if !oneOf(u.Kind, UnitKinds) {
		return bad("kind", "must be one of "+strings.Join(UnitKinds, ", "))
	}
	if !ValidOfficePhone(u.Phone) {
		return bad("phone", "must be a landline like 0451-86321000, a 5-digit hotline, a 400 number or a mobile")
	}
	if err := checkText(bad, "address", u.Address, 100); err != nil {
		return err
	}
	if len(u.Responsibilities) == 0 || len(u.Responsibilities) > 30 {
		return bad("responsibilities", "must list 1–30 duties")
	}
	for i, r := range u.Responsibilities {
		if err := checkText(bad, fmt.Sprintf("responsibilities[%d]", i), r, 200); err != nil {
			return err
		}
	}
	for i, c := range u.Categories {
		field := fmt.Sprintf("categories[%d]", i)
		if !oneOf(c, ReportCategories) {
			return bad(field, fmt.Sprintf("%q is not a report category (%s)", c, strings.Join(ReportCategories, ", ")))
		}
		if oneOf(c, u.Categories[:i]) {
			return bad(field, fmt.Sprintf("%q is listed twice", c))
		}
	}
	return nil
}

// Validate reports the first missing or malformed field, naming the building
// or grid worker it is in. Grid workers' phones are not quoted in messages.
func (c *Community) Validate() error {
	bad := func(field, why string) error {
		return Errorf(EINVALID, "community %q: %s %s", c.ID, field, why)
	}
	if !ValidGuideID(c.ID) || len(c.ID) > 40 {
		return bad("id", "must be 2–40 lowercase letters, digits or '-'")
	}
	if err := checkText(bad, "name", c.Name, 40); err != nil {
		return err
	}
	if err := checkText(bad, "address", c.Address, 100); err != nil {
		return err
	}
	if len(c.GridWorkers) == 0 || len(c.GridWorkers) > 50 {
		return bad("grid_workers", "must list 1–50 workers")
	}
	for i, w := range c.GridWorkers {
		field := fmt.Sprintf("grid_workers[%d]", i)
		if err := checkText(bad, field+".name", w.Name, 20); err != nil {
			return err
		}
		if ValidatePhone(w.Phone) != nil {
			return bad(field+".phone", "must be an 11-digit mobile number starting 13–19")
		}
		if err := checkText(bad, field+".grid", w.Grid, 40); err != nil {
			return err
		}
	}
	if len(c.Buildings) == 0 || len(c.Buildings) > 500 {
		return bad("buildings", "must list 1–500 buildings")
	}
	ids := make(map[string]bool, len(c.Buildings))
	for i, b := range c.Buildings {
		field := fmt.Sprintf("buildings[%d]", i)
		if !buildingIDPattern.MatchString(b.ID) {
			return bad(field+".id", "must be 1–40 lowercase letters, digits or '-'")
		}
		if ids[b.ID] {
			return bad(field+".id", fmt.Sprintf("%q is used by another building", b.ID))
		}
		ids[b.ID] = true
		if err := checkText(bad, field+".name", b.Name, 40); err != nil {
			return err
		}
		if len(b.Units) == 0 || len(b.Units) > MaxBuildingUnits {
			return bad(field+".units", fmt.Sprintf("must list 1–%d units", MaxBuildingUnits))
		}
		for j, u := range b.Units {
			uf := fmt.Sprintf("%s.units[%d]", field, j)
			if err := checkText(bad, uf, u, 20); err != nil {
				return err
			}
			if oneOf(u, b.Units[:j]) {
				return bad(uf, fmt.Sprintf("%q is listed twice", u))
			}
		}
		if b.Floors < 1 || b.Floors > MaxFloors {
			return bad(field+".floors", fmt.Sprintf("must be 1–%d", MaxFloors))
		}
		if b.RoomsPerFloor < 1 || b.RoomsPerFloor > MaxRoomsPerFloor {
			return bad(field+".rooms_per_floor", fmt.Sprintf("must be 1–%d", MaxRoomsPerFloor))
		}
	}
	return nil
}

// checkText refuses blank text, text over max characters and control
// characters that would break a slip or a screen line.
func checkText(bad func(field, why string) error, field, s string, max int) error {
	switch {
	case strings.TrimSpace(s) == "":
		return bad(field, "is empty")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad(field, "contains control characters or invalid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return bad(field, fmt.Sprintf("is longer than %d characters", max))
	}
	return nil
}

// ParseUnit decodes one unit strictly (unknown keys are errors, so a typo in
// content never silently drops a field) and validates it.
func ParseUnit(data []byte) (Unit, error) {
	var u Unit
	if err := decodeStrict("unit", data, &u); err != nil {
		return Unit{}, err
	}
	return u, u.Validate()
}

// ParseCommunity decodes one community strictly and validates it.
func ParseCommunity(data []byte) (Community, error) {
	var c Community
	if err := decodeStrict("community", data, &c); err != nil {
		return Community{}, err
	}
	return c, c.Validate()
}

// ParseUnits decodes a JSON array of units strictly and validates each; a
// repeated id is an error. An invalid entry fails the whole list.
func ParseUnits(data []byte) ([]Unit, error) {
	var units []Unit
	if err := decodeStrict("units", data, &units); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(units))
	for i := range units {
		if err := units[i].Validate(); err != nil {
			return nil, Errorf(EINVALID, "units[%d]: %v", i, err)
		}
		if seen[units[i].ID] {
			return nil, Errorf(EINVALID, "units[%d]: id %q already used", i, units[i].ID)
		}
		seen[units[i].ID] = true
	}
	return units, nil
}

// ParseGrid decodes a JSON array of communities strictly and validates each;
// a repeated id is an error. An invalid entry fails the whole list.
func ParseGrid(data []byte) ([]Community, error) {
	var grid []Community
	if err := decodeStrict("grid", data, &grid); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(grid))
	for i := range grid {
		if err := grid[i].Validate(); err != nil {
			return nil, Errorf(EINVALID, "grid[%d]: %v", i, err)
		}
		if seen[grid[i].ID] {
			return nil, Errorf(EINVALID, "grid[%d]: id %q already used", i, grid[i].ID)
		}
		seen[grid[i].ID] = true
	}
	return grid, nil
}

// UncoveredCategories returns the ReportCategories no unit handles, in display
// order: reports of those categories would have nobody to go to.
func UncoveredCategories(units []Unit) []string {
	var out []string
	for _, c := range ReportCategories {
		covered := false
		for i := range units {
			covered = covered || units[i].Handles(c)
		}
		if !covered {
			out = append(out, c)
		}
	}
	return out
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown keys
// and trailing data.
func decodeStrict(what string, data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "%s: %v", what, err)
	}
	if dec.More() {
		return Errorf(EINVALID, "%s: trailing data after the document", what)
	}
	return nil
}
