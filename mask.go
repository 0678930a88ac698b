package bianmin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masks for personal data on screens, slips and in logs (SPEC §2.2). They work
// on characters, not bytes, and never reveal more than their contract says,
// whatever the input: a string too short to keep its ends is all stars.

// MaskIDNumber keeps the first 4 and the last 4 characters of an 18-character
// ID number (2301**********1234). Numbers of other lengths (permits, typing in
// progress) keep 2 and 2; 4 characters or fewer are all stars.
func MaskIDNumber(id string) string {
	id = strings.TrimSpace(id)
	if utf8.RuneCountInString(id) == 18 {
		return keepEnds(id, 4, 4)
	}
	return keepEnds(id, 2, 2)
}

// MaskPhone keeps the first 3 and last 4 digits of an 11-digit mobile number
// (138****5678); other lengths keep 2 and 2.
func MaskPhone(phone string) string {
	phone = strings.TrimSpace(phone)
	if utf8.RuneCountInString(phone) == 11 {
		return keepEnds(phone, 3, 4)
	}
	return keepEnds(phone, 2, 2)
}

// keepEnds keeps head and tail characters of s and stars the rest; a string
// with no character between them is all stars.
func keepEnds(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// compoundSurnames are the common two-character surnames; MaskName shows both
// characters of these.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "上官": true, "诸葛": true, "东方": true, "皇甫": true,
	"尉迟": true, "公孙": true, "慕容": true, "长孙": true, "宇文": true, "司徒": true,
	"夏侯": true, "轩辕": true, "令狐": true, "端木": true, "独孤": true, "南宫": true,
	"西门": true, "百里": true, "呼延": true, "司空": true, "澹台": true, "申屠": true,
	"钟离": true, "闻人": true, "赫连": true, "拓跋": true, "万俟": true, "太史": true,
}

// MaskName shows the surname only: 王* for 王五, 王** for 王小明, 欧阳** for
// 欧阳娜娜 (a star per hidden character). A two-character name that happens to
// be a compound surname shows its first character only, so that no name is
// shown whole. Latin-script names show their first letter and one star (J*).
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	r := []rune(name)
	switch {
	case len(r) == 0:
		return ""
	case unicode.Is(unicode.Latin, r[0]):
		return string(r[0]) + "*"
	case len(r) == 1:
		return "*"
	case len(r) > 2 && compoundSurnames[string(r[:2])]:
		return string(r[:2]) + strings.Repeat("*", len(r)-2)
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// MaskAccount keeps the last 4 characters of a utility account number
// (******5678) and, for accounts of 10 characters or more, the first 2 as
// well (12******5678): enough for a resident to recognise the household,
// not enough to read someone else's number off a screen or a slip.
func MaskAccount(account string) string {
	account = strings.TrimSpace(account)
	switch n := utf8.RuneCountInString(account); {
	case n >= 10:
		return keepEnds(account, 2, 4)
	case n >= 6:
		return keepEnds(account, 0, 4)
	}
	return keepEnds(account, 0, 2)
}
