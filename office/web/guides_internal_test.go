package web

import (
	"strings"
	"testing"

	"bianmin"
)

// validGuideID must accept exactly the ids bianmin.Guide.Validate accepts:
// rejecting a valid id would hide a published guide behind a 404.
func TestValidGuideIDMatchesDomainRule(t *testing.T) {
	g := bianmin.Guide{
		Title: "t", Category: "c", Department: "d", Conditions: []string{"c"},
		Materials: []bianmin.Material{{Name: "m", Form: "原件", Count: 1}},
		Steps:     []string{"s"}, TimeLimit: "t", Fee: "f", Place: "p", Hours: "h",
		Phone: "1", LegalBasis: []string{"l"}, Version: "1", Updated: "2026-01-01",
	}
	for _, id := range []string{
		"dibao-apply", "ab", "a1", "0a", "a-", "a--b", strings.Repeat("a", 63),
		"", "a", "-a", "A", "Ab", strings.Repeat("a", 64), "a_b", "a.b", "../a", "a/b",
		"a b", "a\x00", "低保", "ａｂ", "a\n",
	} {
		g.ID = id
		if got, want := validGuideID(id), g.Validate() == nil; got != want {
			t.Errorf("validGuideID(%q) = %v, Validate accepts it: %v", id, got, want)
		}
	}
}

func TestTelURL(t *testing.T) {
	for _, tc := range []struct{ phone, want string }{
		{"0451-82681102", "tel:0451-82681102"},
		{" 12345 转 2", "tel:12345"},
		{"+86-451-82681102", "tel:+86-451-82681102"},
		{"12345-", "tel:12345"},
		{"110", "tel:110"},
		{"12", ""},
		{"-123", ""},
		{"javascript:alert(1)", ""},
		{"咨询 12345", ""},
	} {
		if got := string(telURL(tc.phone)); got != tc.want {
			t.Errorf("telURL(%q) = %q, want %q", tc.phone, got, tc.want)
		}
	}
}
