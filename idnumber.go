package bianmin

import (
	"strings"
	"time"
	"unicode/utf8"
)

// idWeights are the GB 11643 weights of digits 1–17 (ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// provinces are the first two digits a citizen ID number can start with: the
// provinces of GB/T 2260, 71 Taiwan, 81 Hong Kong, 82 Macao and 83 the Taiwan
// residence permit series. The 2023 foreigners' permanent residence card starts
// with 9 followed by the issuing province's code (911…, 931…, 944…).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// NormalizeIDNumber returns id without surrounding blanks and with a lower-case
// check character x made upper-case: the form ValidateIDNumber checks and the
// form to store. It does not validate.
func NormalizeIDNumber(id string) string {
	return strings.ToUpper(strings.TrimSpace(id))
}

// IDCheckChar returns the GB 11643 check character for the first 17 digits of
// an ID number. ok is false unless first17 is exactly 17 ASCII digits.
func IDCheckChar(first17 string) (c byte, ok bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		d := first17[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		sum += int(d-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], true
}

// ValidateIDNumber checks an 18-character resident ID number (GB 11643) after
// NormalizeIDNumber: length, characters (17 digits and a digit or X), the
// province code, a real birth date between 1900-01-01 and today, and the check
// character. The error is an *Error with code EINVALID whose message names the
// rule that failed; it never repeats the number (logs may carry the message).
func ValidateIDNumber(id string) error {
	return validateIDNumber(id, time.Now())
}

func validateIDNumber(id string, now time.Time) error {
	id = NormalizeIDNumber(id)
	if n := utf8.RuneCountInString(id); n != 18 {
		return Errorf(EINVALID, "ID number length: want 18 characters, got %d", n)
	}
	if len(id) != 18 { // 18 runes, some of them multi-byte: not digits
		return Errorf(EINVALID, "ID number characters: only digits and a final X are allowed")
	}
	for i := 0; i < 18; i++ {
		c := id[i]
		if c >= '0' && c <= '9' || i == 17 && c == 'X' {
			continue
		}
		if c == 'X' {
			return Errorf(EINVALID, "ID number characters: X is allowed only as the last character (found at position %d)", i+1)
		}
		return Errorf(EINVALID, "ID number characters: only digits and a final X are allowed (position %d)", i+1)
	}
	if region := id[:2]; id[0] == '9' {
		if p := id[1:3]; !provinces[p] || p >= "71" {
			return Errorf(EINVALID, "ID number region: 9%s is not a foreigners' card province code", p)
		}
	} else if !provinces[region] {
		return Errorf(EINVALID, "ID number region: %s is not a province code", region)
	}
	if err := checkBirth(id[6:14], now); err != nil {
		return err
	}
	if want, _ := IDCheckChar(id[:17]); id[17] != want {
		return Errorf(EINVALID, "ID number check digit: %c does not match the other 17 digits (typing error?)", id[17])
	}
	return nil
}

// checkBirth checks the YYYYMMDD birth date of an ID number against the
// calendar and today's date where the kiosk stands.
func checkBirth(s string, now time.Time) error {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return Errorf(EINVALID, "ID number birth date: %s is not a real date", s)
	}
	if t.Year() < 1900 {
		return Errorf(EINVALID, "ID number birth date: %s is before 1900", s)
	}
	if s > now.Format("20060102") {
		return Errorf(EINVALID, "ID number birth date: %s is in the future", s)
	}
	return nil
}
