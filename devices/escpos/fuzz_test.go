package escpos

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParser feeds arbitrary bytes whole, byte by byte and in chunks sized by
// seed: no panic, Pending bounded, Raw conserving the input, and the same
// commands every way.
func FuzzParser(f *testing.F) {
	for _, tc := range goldenCases() {
		f.Add(must(tc.doc), uint64(len(tc.name)))
	}
	f.Add([]byte("\x1dv0\x00\x01\x00\x03\x00\x10\x04\x01\x10\x04\x02"), uint64(1))
	f.Add([]byte("\x1c&\x81\x30\x81\x30\x95\x32\x82\x36\n\x1b@\xd6\xd0"), uint64(2))
	f.Add([]byte("\x1bD\x01\x02\x1dk\x04AB\x00\x1dkI\x02\x10\x04\x1d8L\x01\x00\x00\x00\x10"), uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		whole, err := Decode(data)
		if err != nil && !errors.Is(err, ErrTruncated) {
			t.Fatalf("Decode: %v", err)
		}
		if len(whole) == 0 {
			whole = nil
		}
		for _, c := range whole {
			if c.Kind == KindText && c.Text == "" {
				t.Fatalf("empty text command % x", c.Raw)
			}
			if len(c.Raw) == 0 {
				t.Fatalf("%v command of no bytes", c.Kind)
			}
		}
		one := feedChunks(t, data, func(int) int { return 1 })
		if !reflect.DeepEqual(one, whole) {
			t.Fatalf("byte by byte:\n%q\nwhole:\n%q", describeAll(one), describeAll(whole))
		}
		r := rand.New(rand.NewPCG(seed, seed>>32))
		some := feedChunks(t, data, func(left int) int { return 1 + r.IntN(left) })
		if !reflect.DeepEqual(some, whole) {
			t.Fatalf("chunks:\n%q\nwhole:\n%q", describeAll(some), describeAll(whole))
		}
	})
}

// FuzzDocText encodes arbitrary strings: Text must either refuse them with a
// documented error or produce bytes that decode back to the same string.
func FuzzDocText(f *testing.F) {
	for _, s := range []string{"", "abc\n", "办事指南", "𠀀", "Mäder", "\t", "\xff", "€", "\uFFFD", "身份证号：\n11010119900307777X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		printable := utf8.ValidString(s) && TwoByteOnly(s) &&
			strings.IndexFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) < 0
		b, err := New().Init().ChineseMode(true).Text(s).Bytes()
		if printable != (err == nil) {
			t.Fatalf("Text(%q): err = %v, but printable = %v", s, err, printable)
		}
		if err != nil {
			if !errors.Is(err, ErrNeedsRaster) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Text(%q): undocumented error %v", s, err)
			}
			return
		}
		cmds, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := PlainText(cmds); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		for _, c := range cmds[2:] {
			if c.Kind != KindText && c.Kind != KindLF {
				t.Fatalf("text %q produced a %v command % x", s, c.Kind, c.Raw)
			}
		}

		// Outside Chinese mode only ASCII may pass, and it encodes the same.
		ascii := strings.IndexFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) < 0
		plain, err := New().Text(s).Bytes()
		switch {
		case ascii && err != nil:
			t.Fatalf("ASCII %q refused outside Chinese mode: %v", s, err)
		case ascii && !bytes.Equal(plain, b[4:]):
			t.Fatalf("ASCII %q encodes differently outside Chinese mode", s)
		case !ascii && !errors.Is(err, ErrChineseModeOff):
			t.Fatalf("non-ASCII %q outside Chinese mode: err = %v", s, err)
		}
	})
}
