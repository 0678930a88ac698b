// Package pinyin turns typed pinyin into candidate Chinese characters for the
// kiosk's on-screen name keyboard. The kiosk has no physical keyboard and a
// resident's name is not a preset phrase, so the name is spelt syllable by
// syllable and each character picked from its candidates. The table ships in
// assets (assets.PinyinTable, from Debian's rime-data-pinyin-simp).
package pinyin

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"bianmin/assets"
)

// MaxSyllable is the longest syllable (zhuang, chuang, shuang).
const MaxSyllable = 6

// Table maps syllables (ü written v: lv, nv) to their characters, most
// frequent first. It is read-only after Parse and safe for concurrent use.
type Table struct {
	chars     map[string][]string
	syllables []string // sorted
}

// Parse reads a table in the assets.PinyinTable format.
func Parse(data []byte) (*Table, error) {
	t := &Table{chars: map[string][]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		syl, chars, ok := strings.Cut(line, "\t")
		if !ok || syl == "" || len(syl) > MaxSyllable || strings.Trim(syl, "abcdefghijklmnopqrstuvwxyz") != "" {
			return nil, fmt.Errorf("pinyin: line %d: want a lower-case syllable, a tab and characters", n)
		}
		if _, dup := t.chars[syl]; dup {
			return nil, fmt.Errorf("pinyin: line %d: syllable %q twice", n, syl)
		}
		var list []string
		for _, r := range chars {
			if r == utf8.RuneError || !unicode.Is(unicode.Han, r) {
				return nil, fmt.Errorf("pinyin: line %d: %q is not a Han character", n, r)
			}
			list = append(list, string(r))
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("pinyin: line %d: syllable %q has no characters", n, syl)
		}
		t.chars[syl] = list
		t.syllables = append(t.syllables, syl)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pinyin: %w", err)
	}
	if len(t.chars) == 0 {
		return nil, fmt.Errorf("pinyin: the table is empty")
	}
	sort.Strings(t.syllables)
	return t, nil
}

// Shipped returns the table bundled in assets, parsed once.
var Shipped = sync.OnceValues(func() (*Table, error) { return Parse(assets.PinyinTable()) })

// withPrefix returns the syllables starting with p, in order.
func (t *Table) withPrefix(p string) []string {
	i := sort.SearchStrings(t.syllables, p)
	j := i
	for j < len(t.syllables) && strings.HasPrefix(t.syllables[j], p) {
		j++
	}
	return t.syllables[i:j]
}

// Candidates returns the characters for typed letters p: those of the
// syllable p itself first (a resident who spelt "zhang" wants 张 before 长
// of "zhang"… and before anything of "zhan"), then those of the longer
// syllables starting with p taken in turns, each syllable's most frequent
// first, so that a partly typed syllable still offers the likely characters.
// A character appears once. Nil when no syllable starts with p.
func (t *Table) Candidates(p string) []string {
	if p == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range t.chars[p] {
		add(c)
	}
	var rest [][]string
	for _, s := range t.withPrefix(p) {
		if s != p {
			rest = append(rest, t.chars[s])
		}
	}
	for i := 0; len(rest) > 0; i++ {
		keep := rest[:0]
		for _, list := range rest {
			if i < len(list) {
				add(list[i])
				keep = append(keep, list)
			}
		}
		rest = keep
	}
	return out
}

// Next reports which letters can follow p in some syllable: the keys the
// keyboard leaves enabled, so a resident cannot spell what has no character.
func (t *Table) Next(p string) map[byte]bool {
	next := map[byte]bool{}
	for _, s := range t.withPrefix(p) {
		if len(s) > len(p) {
			next[s[len(p)]] = true
		}
	}
	return next
}

// Syllable reports whether p is a whole syllable of the table.
func (t *Table) Syllable(p string) bool {
	_, ok := t.chars[p]
	return ok
}
