package escpos

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// describe renders a command compactly for table comparisons.
func describe(c Cmd) string {
	switch c.Kind {
	case KindText:
		return fmt.Sprintf("Text %q", c.Text)
	case KindLF, KindInit, KindChineseOn, KindChineseOff, KindQRPrint:
		return c.Kind.String()
	case KindCut:
		if c.N == 0x41 || c.N == 0x42 {
			return fmt.Sprintf("Cut %#x %d", c.N, c.N2)
		}
		return fmt.Sprintf("Cut %#x", c.N)
	case KindQRStore:
		return fmt.Sprintf("QRStore % x", c.Data)
	case KindRaster:
		return fmt.Sprintf("Raster m=%d %dx%d % x", c.N, c.W, c.H, c.Data)
	case KindUnknown:
		return fmt.Sprintf("Unknown % x", c.Raw)
	}
	return fmt.Sprintf("%v %#x", c.Kind, c.N)
}

func describeAll(cmds []Cmd) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = describe(c)
	}
	return out
}

func gb(s string) string {
	var out []byte
	var buf [4]byte
	for _, r := range s {
		n := encodeGB(r, &buf)
		out = append(out, buf[:n]...)
	}
	return string(out)
}

func TestParserCommands(t *testing.T) {
	n := MaxQRData + 1 + 3
	qrTooBig := string([]byte{0x1d, '(', 'k', byte(n), byte(n >> 8)}) + "1P0" + strings.Repeat("x", MaxQRData+1)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"latin-1 text", "abc\xe9\n", []string{`Text "abcé"`, "LF"}},
		{"text ends the stream", "abc", []string{`Text "abc"`}},
		{"chinese text", "\x1c&" + gb("中文") + "\n\x1c.", []string{"ChineseOn", `Text "中文"`, "LF", "ChineseOff"}},
		{"4-byte GB18030 decodes", "\x1c&" + gb("𠀀") + "\n", []string{"ChineseOn", `Text "𠀀"`, "LF"}},
		{"init leaves chinese mode", "\x1c&\x1b@" + gb("中") + "\n", []string{"ChineseOn", "Init", `Text "ÖÐ"`, "LF"}},
		{"lead byte before LF", "\x1c&\x81\n", []string{"ChineseOn", "Text \"\uFFFD\"", "LF"}},
		{"lead byte at the end", "\x1c&\x81", []string{"ChineseOn", "Text \"\uFFFD\""}},
		{"settings", "\x1ba\x01\x1bE\x01\x1d!\x11\x1bd\x03\x1bt\x10",
			[]string{"Align 0x1", "Bold 0x1", "Size 0x11", "Feed 0x3", "CodePage 0x10"}},
		{"cuts", "\x1dV\x00\x1dV\x01\x1dV0\x1dVA\x03\x1dVB\x00",
			[]string{"Cut 0x0", "Cut 0x1", "Cut 0x30", "Cut 0x41 3", "Cut 0x42 0"}},
		{"qr", "\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1\x1d(k\x05\x001P0ab\x1d(k\x03\x001Q0",
			[]string{"QRModel 0x32", "QRSize 0x6", "QRError 0x31", "QRStore 61 62", "QRPrint"}},
		{"status requests", "\x10\x04\x01\x10\x04\x04", []string{"StatusRequest 0x1", "StatusRequest 0x4"}},
		{"automatic status back", "\x1da\xff", []string{"ASB 0xff"}},
		{"DLE EOT inside raster data", "\x1dv0\x00\x01\x00\x03\x00\x10\x04\x01\x10\x04\x02",
			[]string{"Raster m=0 1x3 10 04 01", "StatusRequest 0x2"}},
		{"DLE EOT inside QR data", "\x1d(k\x06\x001P0\x10\x04\x04\x10\x04\x01",
			[]string{"QRStore 10 04 04", "StatusRequest 0x1"}},
		{"DLE EOT inside barcode data", "\x1dkI\x03\x10\x04\x01", []string{"Unknown 1d 6b 49 03 10 04 01"}},
		{"DLE EOT inside ESC * image", "\x1b*\x00\x03\x00\x10\x04\x01", []string{"Unknown 1b 2a 00 03 00 10 04 01"}},
		{"DLE EOT inside GS 8 L graphics", "\x1d8L\x03\x00\x00\x00\x10\x04\x01", []string{"Unknown 1d 38 4c 03 00 00 00 10 04 01"}},
		{"empty raster", "\x1dv0\x00\x00\x00\x05\x00", []string{"Raster m=0 0x5 "}},
		{"raster over 1 MB is refused", "\x1dv0\x00\xff\xff\xff\xffA", []string{"Unknown 1d 76 30 00 ff ff ff ff", `Text "A"`}},
		{"GS 8 L over 1 MB is refused", "\x1d8L\xff\xff\xff\xffA", []string{"Unknown 1d 38 4c ff ff ff ff", `Text "A"`}},
		{"QR store over the QR maximum", qrTooBig, []string{"Unknown " + fmt.Sprintf("% x", qrTooBig)}},
		{"QR function with a wrong length", "\x1d(k\x05\x001C\x06\x00\x00", []string{"Unknown 1d 28 6b 05 00 31 43 06 00 00"}},
		{"PDF417 is not QR", "\x1d(k\x03\x000A\x02", []string{"Unknown 1d 28 6b 03 00 30 41 02"}},
		{"unknown ESC", "\x1b\xffA", []string{"Unknown 1b ff", `Text "A"`}},
		{"drawer kick", "\x1bp\x00\x19\xfaA", []string{"Unknown 1b 70 00 19 fa", `Text "A"`}},
		{"ESC D tab stops", "\x1bD\x08\x10\x00A", []string{"Unknown 1b 44 08 10 00", `Text "A"`}},
		{"ESC D without NUL", "\x1bD" + strings.Repeat("\x01", 300), append([]string{"Unknown 1b 44"}, repeat("Unknown 01", 300)...)},
		{"unknown GS", "\x1d\xfe\n", []string{"Unknown 1d fe", "LF"}},
		{"GS v other than 0", "\x1dv1\n", []string{"Unknown 1d 76", `Text "1"`, "LF"}},
		{"unknown FS", "\x1c\x01\n", []string{"Unknown 1c 01", "LF"}},
		{"lone DLE", "\x10A", []string{"Unknown 10", `Text "A"`}},
		{"DLE ENQ", "\x10\x05\x02", []string{"Unknown 10 05 02"}},
		{"other control bytes", "\t\r\x00\x7f", []string{"Unknown 09", "Unknown 0d", "Unknown 00", "Unknown 7f"}},
		{"long text is cut at 4 KB", strings.Repeat("a", 5000), []string{
			fmt.Sprintf("Text %q", strings.Repeat("a", 4096)), fmt.Sprintf("Text %q", strings.Repeat("a", 904))}},
		{"4 KB cut does not split a character", "\x1c&" + strings.Repeat("a", 4095) + gb("中文"), []string{
			"ChineseOn", fmt.Sprintf("Text %q", strings.Repeat("a", 4095)+"中"), `Text "文"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, err := Decode([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got := describeAll(cmds)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			checkIncremental(t, []byte(tc.in))
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestDecodeTruncated(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // the commands before the incomplete one
	}{
		{"lone ESC", "A\n\x1b", []string{`Text "A"`, "LF"}},
		{"ESC a without argument", "\x1ba", nil},
		{"raster missing data", "\x1b@\x1dv0\x00\x01\x00\x02\x00\xff", []string{"Init"}},
		{"raster header cut", "\x1dv0\x00\x01", nil},
		{"QR store cut", "\x1d(k\x05\x001P0a", nil},
		{"DLE EOT without n", "\x10\x04", nil},
		{"feed cut without n", "\x1dVA", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, err := Decode([]byte(tc.in))
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("err = %v, want ErrTruncated", err)
			}
			if got := describeAll(cmds); !reflect.DeepEqual(got, append([]string{}, tc.want...)) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// feedChunks feeds b in chunks chosen by next and returns the commands, with
// Flush at the end, and the bytes still pending.
func feedChunks(t testing.TB, b []byte, next func(left int) int) []Cmd {
	t.Helper()
	var p Parser
	var cmds []Cmd
	fed := 0
	for fed < len(b) {
		n := min(max(next(len(b)-fed), 1), len(b)-fed)
		cmds = append(cmds, p.Feed(b[fed:fed+n])...)
		fed += n
		if p.Pending() > fed || p.Pending() > MaxPending {
			t.Fatalf("Pending() = %d after %d bytes", p.Pending(), fed)
		}
	}
	cmds = append(cmds, p.Flush()...)
	var raw []byte
	for _, c := range cmds {
		raw = append(raw, c.Raw...)
	}
	if p.Pending() != len(b)-len(raw) || !bytes.Equal(raw, b[:len(raw)]) {
		t.Fatalf("Raw of the commands plus %d pending bytes is not the input", p.Pending())
	}
	return cmds
}

// checkIncremental requires byte-by-byte and random-chunk feeding to give
// exactly the commands Decode gives.
func checkIncremental(t testing.TB, b []byte) {
	t.Helper()
	whole, _ := Decode(b)
	if len(whole) == 0 {
		whole = nil
	}
	one := feedChunks(t, b, func(int) int { return 1 })
	if !reflect.DeepEqual(one, whole) {
		t.Fatalf("byte by byte:\n%q\nwhole:\n%q", describeAll(one), describeAll(whole))
	}
	r := rand.New(rand.NewPCG(uint64(len(b)), 2))
	some := feedChunks(t, b, func(left int) int { return 1 + r.IntN(min(left, 300)) })
	if !reflect.DeepEqual(some, whole) {
		t.Fatalf("random chunks:\n%q\nwhole:\n%q", describeAll(some), describeAll(whole))
	}
}

func TestParserIncremental(t *testing.T) {
	receipt := must(New().Init().ChineseMode(true).Align(AlignCenter).Line("请到3号窗口").
		Raster(randomBitmap(384, 300, 9), 128).QR(payload(700), 4, ECQ).
		Text(strings.Repeat("长文本", 1000)).Line("").FeedCut(2, false))
	tests := []struct {
		name string
		in   []byte
	}{
		{"receipt", receipt},
		{"receipt with status polls", bytes.ReplaceAll(receipt, []byte("\n"), []byte("\n\x10\x04\x01"))},
		{"truncated receipt", receipt[:len(receipt)-300]},
		{"garbage", randomBytes(5000, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkIncremental(t, tc.in) })
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// TestParserNoStall sends every two-byte ESC, GS, FS and DLE prefix followed
// by NUL bytes: whatever the parser makes of the prefix, it must let go of
// the stream within a bounded number of bytes.
func TestParserNoStall(t *testing.T) {
	for _, prefix := range []byte{0x1B, 0x1D, 0x1C, 0x10} {
		t.Run(fmt.Sprintf("%02x", prefix), func(t *testing.T) {
			for f := range 256 {
				var p Parser
				p.Feed([]byte{prefix, byte(f)})
				p.Feed(make([]byte, 300))
				if p.Pending() != 0 {
					t.Errorf("% x then 300 NULs: %d bytes still pending", []byte{prefix, byte(f)}, p.Pending())
				}
			}
		})
	}
	t.Run("announced raster is waited for, then released", func(t *testing.T) {
		var p Parser
		p.Feed([]byte("\x1dv0\x00\x00\x04\x00\x04")) // 1024 x 1024 = 1 MB
		p.Feed(make([]byte, MaxRaster-1))
		if p.Pending() != MaxPending-1 {
			t.Fatalf("Pending() = %d, want %d", p.Pending(), MaxPending-1)
		}
		cmds := p.Feed([]byte{0xAA})
		if len(cmds) != 1 || cmds[0].Kind != KindRaster || len(cmds[0].Data) != MaxRaster || p.Pending() != 0 {
			t.Fatalf("got %d commands, pending %d", len(cmds), p.Pending())
		}
	})
}

// Raw and Data must not alias the caller's buffer, which serial readers reuse.
func TestParserCopiesInput(t *testing.T) {
	in := []byte("\x1d(k\x05\x001P0ab\x1dv0\x00\x01\x00\x01\x00\xff")
	var p Parser
	cmds := p.Feed(in)
	for i := range in {
		in[i] = 0
	}
	if got := describeAll(cmds); !reflect.DeepEqual(got, []string{"QRStore 61 62", "Raster m=0 1x1 ff"}) {
		t.Errorf("after overwriting the input: %q", got)
	}
	cmds[0].Raw = append(cmds[0].Raw, 0xEE) // must not write into cmds[1]
	if cmds[1].Raw[0] != 0x1D {
		t.Error("appending to one Raw overwrote the next")
	}
}

func TestParserState(t *testing.T) {
	var p Parser
	p.Feed([]byte("\x1c&\x1bd"))
	if !p.Chinese() || p.Pending() != 2 {
		t.Fatalf("Chinese() = %v, Pending() = %d; want true, 2", p.Chinese(), p.Pending())
	}
	p.Reset()
	if p.Chinese() || p.Pending() != 0 {
		t.Fatalf("after Reset: Chinese() = %v, Pending() = %d", p.Chinese(), p.Pending())
	}
	// Text is reported once a control byte ends it, not before.
	if cmds := p.Feed([]byte("abc")); len(cmds) != 0 || p.Pending() != 3 {
		t.Fatalf("unterminated text: %q, pending %d", describeAll(cmds), p.Pending())
	}
	if got := describeAll(p.Feed([]byte("d\n"))); !reflect.DeepEqual(got, []string{`Text "abcd"`, "LF"}) {
		t.Fatalf("got %q", got)
	}
	p.Feed([]byte("xy"))
	if got := describeAll(p.Flush()); !reflect.DeepEqual(got, []string{`Text "xy"`}) || p.Pending() != 0 {
		t.Fatalf("Flush: %q, pending %d", got, p.Pending())
	}
}

func TestCmdBitmap(t *testing.T) {
	img := randomBitmap(16, 3, 5)
	cmds, err := Decode(must(New().Raster(img, 0)))
	if err != nil {
		t.Fatal(err)
	}
	got := cmds[0].Bitmap()
	if got == nil || got.W != 16 || got.H != 3 || !bytes.Equal(got.Pix, img.Pix) {
		t.Errorf("Bitmap() = %+v, want %+v", got, img)
	}
	if (Cmd{Kind: KindText}).Bitmap() != nil {
		t.Error("Bitmap() of a text command is not nil")
	}
}

func TestPlainText(t *testing.T) {
	cmds := []Cmd{{Kind: KindText, Text: "a"}, {Kind: KindBold, N: 1}, {Kind: KindLF}, {Kind: KindFeed, N: 3}, {Kind: KindText, Text: "中"}}
	if got := PlainText(cmds); got != "a\n中" {
		t.Errorf("PlainText = %q", got)
	}
}

func TestKindString(t *testing.T) {
	for k := KindText; k <= KindUnknown; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "Kind(") {
			t.Errorf("Kind %d has no name", int(k))
		}
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", s)
	}
}

// Feeding a large image in serial-sized pieces must stay linear.
func BenchmarkFeedRasterSmallChunks(b *testing.B) {
	stream := must(New().Raster(randomBitmap(576, 2000, 1), 2000))
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		var p Parser
		for i := 0; i < len(stream); i += 16 {
			p.Feed(stream[i:min(i+16, len(stream))])
		}
		if p.Pending() != 0 {
			b.Fatal("raster not complete")
		}
	}
}
