// Package assets embeds the data the kiosk and officed ship with: the default
// service guides, member units and grid data, the translation files for Fyne's
// lang package and the bundled CJK font. The shipped content is the default
// until a kiosk first syncs; officed publishes it to the change feed on its
// first start.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"bianmin"
)

//go:embed guides/*.json units.json grid.json lang/*.json fonts/DroidSansFallbackFull.ttf
var FS embed.FS

// LangDir is the folder of FS holding the translation files (zh.json, en.json).
const LangDir = "lang"

// FontFile is the single-face CJK font (a TTF: Fyne cannot load TTC collections).
const FontFile = "fonts/DroidSansFallbackFull.ttf"

// Font returns the bundled font's bytes.
func Font() []byte {
	b, err := FS.ReadFile(FontFile)
	if err != nil {
		panic("assets: font missing from the embedded files: " + err.Error()) // a build defect, not a runtime condition
	}
	return b
}

// Guides parses and validates every shipped guide, sorted by id. An invalid file
// is an error naming the file: shipped content must be complete.
func Guides() ([]bianmin.Guide, error) {
	entries, err := fs.ReadDir(FS, "guides")
	if err != nil {
		return nil, err
	}
	var out []bianmin.Guide
	seen := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := FS.ReadFile(path.Join("guides", e.Name()))
		if err != nil {
			return nil, err
		}
		g, err := bianmin.ParseGuide(data)
		if err != nil {
			return nil, fmt.Errorf("assets: guides/%s: %w", e.Name(), err)
		}
		if g.ID+".json" != e.Name() {
			return nil, fmt.Errorf("assets: guides/%s: id %q does not match the file name", e.Name(), g.ID)
		}
		if other, dup := seen[g.ID]; dup {
			return nil, fmt.Errorf("assets: guides/%s: id %q already used by %s", e.Name(), g.ID, other)
		}
		seen[g.ID] = e.Name()
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// The files of the shipped member units and grid data.
const (
	UnitsFile = "units.json"
	GridFile  = "grid.json"
)

// Units parses and validates the shipped member units (成员单位), in file order.
// Every report category must be handled by at least one unit: a shipped set
// that leaves a category with nobody to dispatch to is a content defect.
func Units() ([]bianmin.Unit, error) {
	data, err := FS.ReadFile(UnitsFile)
	if err != nil {
		return nil, err
	}
	units, err := bianmin.ParseUnits(data)
	if err != nil {
		return nil, fmt.Errorf("assets: %s: %w", UnitsFile, err)
	}
	if missing := bianmin.UncoveredCategories(units); len(missing) > 0 {
		return nil, fmt.Errorf("assets: %s: no unit handles %s", UnitsFile, strings.Join(missing, ", "))
	}
	return units, nil
}

// Grid parses and validates the shipped grid data: the street office's
// communities with their grid workers and buildings, in file order.
func Grid() ([]bianmin.Community, error) {
	data, err := FS.ReadFile(GridFile)
	if err != nil {
		return nil, err
	}
	grid, err := bianmin.ParseGrid(data)
	if err != nil {
		return nil, fmt.Errorf("assets: %s: %w", GridFile, err)
	}
	if len(grid) == 0 {
		return nil, fmt.Errorf("assets: %s: no communities", GridFile)
	}
	return grid, nil
}
