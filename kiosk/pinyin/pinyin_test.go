package pinyin

import (
	"strings"
	"testing"
)

func TestShippedCandidates(t *testing.T) {
	tab, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typed string
		first []string // the first candidates, in order
		has   string   // also offered somewhere
	}{
		{"wang", []string{"网", "王"}, "汪"},
		{"zhang", []string{"张"}, "章"},
		{"li", []string{"里", "李"}, "黎"},
		{"lv", []string{"率", "绿", "吕"}, "旅"},
		{"xiu", nil, "秀"},
		{"ying", nil, "英"},
		{"zh", nil, "张"}, // a partial syllable offers the likely characters
	} {
		t.Run(tc.typed, func(t *testing.T) {
			got := tab.Candidates(tc.typed)
			if len(got) < len(tc.first) {
				t.Fatalf("candidates %v", got)
			}
			for i, w := range tc.first {
				if got[i] != w {
					t.Errorf("candidate %d is %q, want %q (first ten %v)", i, got[i], w, got[:min(10, len(got))])
				}
			}
			if !strings.Contains(strings.Join(got, ""), tc.has) {
				t.Errorf("%q not offered for %q", tc.has, tc.typed)
			}
			seen := map[string]bool{}
			for _, c := range got {
				if seen[c] {
					t.Errorf("%q offered twice", c)
				}
				seen[c] = true
			}
		})
	}
	// "zh" puts the top character of several syllables near the front.
	if zh := tab.Candidates("zh"); strings.Index(strings.Join(zh[:40], ""), "张") < 0 {
		t.Errorf("张 is not among the first 40 candidates of zh: %v", zh[:40])
	}
	if tab.Candidates("q") == nil || tab.Candidates("v") != nil || tab.Candidates("") != nil {
		t.Error("candidates of q, v or nothing wrong")
	}
}

func TestNextLetters(t *testing.T) {
	tab, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	next := tab.Next("zh")
	for _, c := range "aeiou" {
		if !next[byte(c)] {
			t.Errorf("zh%c is not offered", c)
		}
	}
	if next['b'] || next['v'] {
		t.Errorf("zh can be followed by b or v: %v", next)
	}
	if n := tab.Next(""); len(n) < 20 || n['v'] || n['i'] || n['u'] {
		t.Errorf("first letters %v: every initial but i, u, v", n)
	}
	if len(tab.Next("zhuang")) != 0 {
		t.Error("zhuang continues")
	}
	if !tab.Syllable("lv") || tab.Syllable("zh") {
		t.Error("Syllable wrong")
	}
}

func TestParseRejectsBadTables(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "# only a comment\n",
		"no tab":        "wang 王\n",
		"upper case":    "Wang\t王\n",
		"not han":       "wang\tW\n",
		"no characters": "wang\t\n",
		"twice":         "wang\t王\nwang\t汪\n",
		"too long":      "zhuangg\t王\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(data)); err == nil {
				t.Errorf("accepted %q", data)
			}
		})
	}
	tab, err := Parse([]byte("# c\nwang\t王汪\nwan\t万\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tab.Candidates("wan"), ""); got != "万王汪" {
		t.Errorf("wan → %q, want 万 then the wang characters", got)
	}
}
