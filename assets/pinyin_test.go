package assets

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var updatePinyin = flag.Bool("update-pinyin", false, "regenerate "+PinyinFile+" from the rime-data-pinyin-simp dictionary")

// pinyinSource is the dictionary of Debian's rime-data-pinyin-simp package
// (installed by scripts/setup.sh): lines "字<TAB>pinyin<TAB>weight".
const pinyinSource = "/usr/share/rime-data/pinyin_simp.dict.yaml"

const pinyinHeader = `# Pinyin → Chinese characters, for the kiosk's on-screen name keyboard.
# Generated from pinyin_simp.dict.yaml of Debian's rime-data-pinyin-simp package
# (Apache-2.0, derived from the Android Pinyin IME; see LICENSE beside this file):
# its single-character entries, grouped by syllable, by descending weight.
# Regenerate: go test ./assets -run TestPinyinTable -update-pinyin
# Format: one line per syllable (ü written v): syllable, TAB, characters.
`

// genPinyinTable turns the rime dictionary into the bundled table.
func genPinyinTable(dict []byte) ([]byte, error) {
	type entry struct {
		r      rune
		weight int
	}
	bySyllable := map[string][]entry{}
	seen := map[string]bool{}
	body := false
	sc := bufio.NewScanner(bytes.NewReader(dict))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !body {
			body = line == "..."
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 tab-separated fields", n)
		}
		if utf8.RuneCountInString(f[0]) != 1 {
			continue // words; the keyboard picks characters one by one
		}
		r, _ := utf8.DecodeRuneInString(f[0])
		if !unicode.Is(unicode.Han, r) || strings.Trim(f[1], "abcdefghijklmnopqrstuvwxyz") != "" {
			return nil, fmt.Errorf("line %d: %q is not a Han character with a pinyin syllable", n, line)
		}
		w, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: weight: %v", n, err)
		}
		key := f[1] + f[0]
		if seen[key] {
			continue
		}
		seen[key] = true
		bySyllable[f[1]] = append(bySyllable[f[1]], entry{r, w})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !body {
		return nil, fmt.Errorf("no '...' line: not a rime dictionary")
	}
	syllables := make([]string, 0, len(bySyllable))
	for s := range bySyllable {
		syllables = append(syllables, s)
	}
	sort.Strings(syllables)
	var out bytes.Buffer
	out.WriteString(pinyinHeader)
	for _, s := range syllables {
		es := bySyllable[s]
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].weight != es[j].weight {
				return es[i].weight > es[j].weight
			}
			return es[i].r < es[j].r
		})
		out.WriteString(s + "\t")
		for _, e := range es {
			out.WriteRune(e.r)
		}
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}

// TestPinyinTableMatchesSource: the bundled table is exactly what its
// documented source and generator produce, so its licence statement holds.
// scripts/setup.sh installs the source package; without it this test fails.
func TestPinyinTableMatchesSource(t *testing.T) {
	dict, err := os.ReadFile(pinyinSource)
	if err != nil {
		t.Fatalf("%v: run scripts/setup.sh (it installs rime-data-pinyin-simp)", err)
	}
	got, err := genPinyinTable(dict)
	if err != nil {
		t.Fatal(err)
	}
	if *updatePinyin {
		if err := os.WriteFile(PinyinFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, PinyinTable()) {
		t.Errorf("%s differs from what %s generates (go test ./assets -run TestPinyinTable -update-pinyin)", PinyinFile, pinyinSource)
	}
}

func TestPinyinTableLicenceShipped(t *testing.T) {
	lic, err := FS.ReadFile("pinyin/LICENSE")
	if err != nil {
		lic, err = os.ReadFile("pinyin/LICENSE")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(lic, []byte("Apache License")) || !bytes.Contains(lic, []byte("rime-data-pinyin-simp")) {
		t.Error("pinyin/LICENSE must name the source package and its licence")
	}
}
