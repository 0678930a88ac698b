package bianmin

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// SearchKey normalises text for substring search: NFKC folds full-width forms
// (（低保） and (低保), Ａ and A) and lower-casing makes Latin case-insensitive.
// Stored text and queries go through the same function, so a match never depends
// on how the content author typed a character.
func SearchKey(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}
