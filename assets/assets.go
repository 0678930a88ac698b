// Package assets embeds the data the kiosk and officed ship with: the default
// service guides, the translation files for Fyne's lang package and the bundled
// CJK font. The shipped guides are the default until a kiosk first syncs.
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

//go:embed guides/*.json lang/*.json fonts/DroidSansFallbackFull.ttf
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
