package escpos

import (
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// gbEncoder and gbDecoder are the x/text GB18030 transformers. They are
// stateless (NopResetter), so sharing them between goroutines is safe and
// calling Transform directly avoids an allocation per character.
var (
	gbEncoder transform.Transformer = simplifiedchinese.GB18030.NewEncoder()
	gbDecoder transform.Transformer = simplifiedchinese.GB18030.NewDecoder()
)

// encodeGB writes the GB18030 encoding of r to dst and returns its length
// (1, 2 or 4), or 0 if r cannot be encoded.
func encodeGB(r rune, dst *[4]byte) int {
	var src [utf8.UTFMax]byte
	n := utf8.EncodeRune(src[:], r)
	nDst, nSrc, err := gbEncoder.Transform(dst[:], src[:n], true)
	if err != nil || nSrc != n {
		return 0
	}
	return nDst
}

// TwoByteOnly reports whether every character of s encodes in one or two
// GB18030 bytes, i.e. whether a printer with only the 2-byte GB font can print
// s as text. Invalid UTF-8 gives false.
func TwoByteOnly(s string) bool {
	var gb [4]byte
	for i, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		if r == utf8.RuneError && !isRuneError(s[i:]) {
			return false
		}
		if n := encodeGB(r, &gb); n != 1 && n != 2 {
			return false
		}
	}
	return true
}

// isTextByte reports whether b prints rather than controls: everything from
// 0x20 up except DEL. GB18030 lead and trail bytes all fall in this set, so a
// control byte always ends a text run.
func isTextByte(b byte) bool { return b >= 0x20 && b != 0x7F }

// gbCharLen returns the length of the GB18030 character at the start of b,
// which holds text bytes only, following the x/text decoder's rules: 4 for
// lead, 0x30-0x3F, 0x81-0xFE, 0x30-0x39; 2 for a lead and a valid trail byte;
// otherwise 1 (a byte the decoder replaces). It returns 0 when b ends before
// the length is known and more may follow.
func gbCharLen(b []byte, final bool) int {
	c0 := b[0]
	if c0 < 0x81 || c0 == 0xFF {
		return 1
	}
	if len(b) < 2 {
		return short(final)
	}
	c1 := b[1]
	switch {
	case 0x40 <= c1 && c1 <= 0xFE && c1 != 0x7F:
		return 2
	case 0x30 <= c1 && c1 <= 0x3F: // the decoder tries 4 bytes for 0x3A-0x3F too
		if len(b) < 3 {
			return short(final)
		}
		if c2 := b[2]; c2 < 0x81 || c2 == 0xFF {
			return 1
		}
		if len(b) < 4 {
			return short(final)
		}
		if c3 := b[3]; c3 < 0x30 || c3 > 0x39 {
			return 1
		}
		return 4
	}
	return 1
}

func short(final bool) int {
	if final {
		return 1
	}
	return 0
}

// decodeGB decodes a text run received in Chinese mode; bytes that do not
// form a character become U+FFFD.
func decodeGB(b []byte) string {
	out := make([]byte, 0, len(b)*3/2+4)
	buf := make([]byte, 256)
	for len(b) > 0 {
		nDst, nSrc, err := gbDecoder.Transform(buf, b, true)
		out = append(out, buf[:nDst]...)
		b = b[nSrc:]
		if err != nil && err != transform.ErrShortDst {
			// The decoder reports no other error at EOF; guard against a
			// loop anyway.
			out = append(out, "\uFFFD"...)
			b = b[min(1, len(b)):]
		}
	}
	return string(out)
}

// decodeLatin1 maps each byte to the code point of the same value.
func decodeLatin1(b []byte) string {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}
