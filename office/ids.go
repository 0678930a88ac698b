package office

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"bianmin"
)

// EnrollCodeTTL is how long a one-time code stays valid (SPEC §4).
const EnrollCodeTTL = time.Hour

// crockford is Crockford's base-32 alphabet: no I, L, O or U, so a code read
// off a screen and typed on a kiosk keypad cannot be mistyped into another.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// enrollCodeChars is the length of a code without its dashes: 60 random bits,
// far beyond what anyone can guess online within the code's hour.
const enrollCodeChars = 12

// NewEnrollCode returns a fresh one-time code as shown to the admin, in groups
// of four: "7KQ4-M2XD-9RTB".
func NewEnrollCode() string {
	var b [enrollCodeChars]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(crockford[c&31])
	}
	return sb.String()
}

// HashEnrollCode returns the SHA-256 stored for a code, of its normal form:
// case, spaces and dashes do not matter, and O, I and L are read as 0, 1 and 1
// as in Crockford's alphabet. ok is false when code cannot be a code at all.
func HashEnrollCode(code string) (sum [32]byte, ok bool) {
	var norm []byte
	for _, r := range strings.ToUpper(code) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > unicode.MaxASCII || strings.IndexRune(crockford, r) < 0 {
			return sum, false
		}
		norm = append(norm, byte(r))
	}
	if len(norm) != enrollCodeChars {
		return sum, false
	}
	return sha256.Sum256(norm), true
}

// NewKioskID returns a kiosk id: "K" and a ULID (48 bits of milliseconds, 80
// random bits, Crockford base 32), so ids sort by enrollment time and are safe
// in the Authorization header.
func NewKioskID(t time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	// 128 bits as 26 characters of 5 bits, most significant first (the first
	// character carries the top 3 bits).
	out := make([]byte, 1, 27)
	out[0] = 'K'
	var acc uint32
	bits := 2 // 130 bits of output for 128 of input: two leading zero bits
	for _, x := range b {
		acc = acc<<8 | uint32(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, crockford[(acc>>bits)&31])
		}
	}
	return string(out)
}

// ValidKioskName checks a kiosk's name as an admin gives it: 1–64 characters
// of printable text, so listings and logs stay one line per kiosk.
func ValidKioskName(name string) error {
	if strings.TrimSpace(name) == "" {
		return bianmin.Errorf(bianmin.EINVALID, "kiosk name is empty")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 64 {
		return bianmin.Errorf(bianmin.EINVALID, "kiosk name must be at most 64 characters of UTF-8 text")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) && r != ' ' {
			return bianmin.Errorf(bianmin.EINVALID, "kiosk name contains a control character")
		}
	}
	return nil
}
