package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"bianmin/assets"
)

func langFile(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := assets.FS.ReadFile(assets.LangDir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// Every key the screens use exists in both languages, and both files hold the
// same keys: a missing translation shows a raw key to a resident.
func TestTranslationsComplete(t *testing.T) {
	zh, en := langFile(t, "zh-Hans.json"), langFile(t, "en.json")
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q in zh-Hans.json but not in en.json", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q in en.json but not in zh-Hans.json", k)
		}
	}
	used := map[string]bool{}
	literal := regexp.MustCompile(`tr\("([a-z_]+\.[a-z_.]+)"|"((?:reason|state|tile)\.[a-z_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			used[m[1]+m[2]] = true
		}
	}
	// Keys built at run time from data.
	for _, s := range []string{"guides", "tempid", "pay", "report", "progress"} {
		used["tile."+s], used["tile."+s+".sub"] = true, true
	}
	for _, f := range []string{"原件", "复印件", "原件和复印件"} {
		used["form."+f] = true
	}
	var missing []string
	for k := range used {
		if strings.HasSuffix(k, ".") {
			continue // a prefix such as "tile." completed at run time
		}
		if _, ok := zh[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys used by the screens but not translated: %v", missing)
	}
	if len(used) < 50 {
		t.Errorf("found only %d keys in use: the scan is broken", len(used))
	}
}

// Fyne panics on font collections; the bundled font must be a single face.
func TestBundledFontIsSingleFace(t *testing.T) {
	head := assets.Font()[:4]
	if string(head) == "ttcf" {
		t.Fatal("the bundled font is a TTC collection")
	}
	if string(head) != "\x00\x01\x00\x00" && string(head) != "OTTO" {
		t.Fatalf("the bundled font does not start like a TTF/OTF: % x", head)
	}
}
