package bianmin

import (
	"strings"
	"testing"
)

const validGuide = `{"id":"t-1","title":"标题","category":"类","department":"部门","conditions":["c"],
"materials":[{"name":"居民身份证","form":"原件","count":1}],"steps":["s"],"time_limit":"1日","fee":"免费",
"place":"p","hours":"h","phone":"0451-1","legal_basis":["l"],"version":"1","updated":"2026-01-02"}`

func TestParseGuide(t *testing.T) {
	if _, err := ParseGuide([]byte(validGuide)); err != nil {
		t.Fatalf("valid guide rejected: %v", err)
	}
	for _, tc := range []struct{ name, from, to, wantErr string }{
		{"unknown key", `"fee":"免费"`, `"fee":"免费","feee":1`, "unknown field"},
		{"bad id", `"id":"t-1"`, `"id":"T 1"`, "id"},
		{"empty title", `"title":"标题"`, `"title":" "`, "title"},
		{"bad form", `"form":"原件"`, `"form":"扫描件"`, "form"},
		{"zero count", `"count":1`, `"count":0`, "count"},
		{"no materials", `[{"name":"居民身份证","form":"原件","count":1}]`, `[]`, "materials"},
		{"bad date", `"2026-01-02"`, `"2026/01/02"`, "updated"},
		{"trailing data", `"2026-01-02"}`, `"2026-01-02"} {}`, "trailing"},
		{"not json", `{"id"`, `{id`, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGuide([]byte(strings.Replace(validGuide, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.wantErr)
			}
			if ErrorCode(err) != EINVALID {
				t.Errorf("code %q, want invalid", ErrorCode(err))
			}
		})
	}
}

func TestSearchKey(t *testing.T) {
	for in, want := range map[string]string{"（低保）": "(低保)", "ＡＢＣ": "abc", "  医保 ": "医保"} {
		if got := SearchKey(in); got != want {
			t.Errorf("SearchKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseGuide(f *testing.F) {
	f.Add([]byte(validGuide))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"materials":[{"count":-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGuide(data)
		if err == nil {
			if verr := g.Validate(); verr != nil {
				t.Fatalf("ParseGuide accepted a guide that fails Validate: %v", verr)
			}
		}
	})
}

func TestValidGuideID(t *testing.T) {
	for id, want := range map[string]bool{
		"dibao-apply": true, "ab": true, "0a": true, "a-": true, strings.Repeat("a", 63): true,
		"": false, "a": false, "-a": false, "A": false, strings.Repeat("a", 64): false,
		"a_b": false, "../a": false, "a/b": false, "低保": false, "ａｂ": false, "a\n": false, "ab\x00": false,
	} {
		if got := ValidGuideID(id); got != want {
			t.Errorf("ValidGuideID(%q) = %v, want %v", id, got, want)
		}
	}
}
