package escpos

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the encoder's output")

// payload returns n deterministic bytes for QR and raster cases.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + i%26)
	}
	return b
}

// checker returns a w×h bitmap with a checkerboard of 1-dot squares.
func checker(w, h int) *Bitmap {
	img := NewBitmap(w, h)
	for y := range h {
		for x := range w {
			img.Set(x, y, (x+y)%2 == 0)
		}
	}
	return img
}

type goldenCase struct {
	name string // testdata/<name>.golden
	call string // the call, recorded in the golden file for reviewers
	doc  *Doc
}

// goldenCases covers every encoder command. Each golden file has been read
// against shared/protocols/escpos.md; TestSpecBytes repeats the key facts
// from that document literally so that -update cannot hide a regression.
func goldenCases() []goldenCase {
	return []goldenCase{
		{"init", "Init()", New().Init()},
		{"chinese_on", "ChineseMode(true)", New().ChineseMode(true)},
		{"chinese_off", "ChineseMode(false)", New().ChineseMode(false)},
		{"align_left", "Align(AlignLeft)", New().Align(AlignLeft)},
		{"align_center", "Align(AlignCenter)", New().Align(AlignCenter)},
		{"align_right", "Align(AlignRight)", New().Align(AlignRight)},
		{"bold_on", "Bold(true)", New().Bold(true)},
		{"bold_off", "Bold(false)", New().Bold(false)},
		{"size_1x1", "Size(1, 1)", New().Size(1, 1)},
		{"size_2x2", "Size(2, 2)", New().Size(2, 2)},
		{"size_2x1", "Size(2, 1)", New().Size(2, 1)},
		{"size_1x3", "Size(1, 3)", New().Size(1, 3)},
		{"size_8x8", "Size(8, 8)", New().Size(8, 8)},
		{"codepage", "CodePage(16)", New().CodePage(16)},
		{"feed_0", "Feed(0)", New().Feed(0)},
		{"feed_3", "Feed(3)", New().Feed(3)},
		{"feed_255", "Feed(255)", New().Feed(255)},
		{"cut_full", "Cut(false)", New().Cut(false)},
		{"cut_partial", "Cut(true)", New().Cut(true)},
		{"feedcut_full", "FeedCut(3, false)", New().FeedCut(3, false)},
		{"feedcut_partial", "FeedCut(0, true)", New().FeedCut(0, true)},
		{"text_ascii", `Text("Ticket A012")`, New().Text("Ticket A012")},
		{"text_chinese", `ChineseMode(true).Text("办事指南：身份证")`, New().ChineseMode(true).Text("办事指南：身份证")},
		{"line", `ChineseMode(true).Line("第1项")`, New().ChineseMode(true).Line("第1项")},
		{"text_newlines", `Text("a\nb\n")`, New().Text("a\nb\n")},
		{"raw", "Raw(10 04 01)", New().Raw([]byte{0x10, 0x04, 0x01})},
		{"qr_1", "QR(1 byte, 6, ECM)", New().QR(payload(1), 6, ECM)},
		{"qr_255", "QR(255 bytes, 4, ECL)", New().QR(payload(255), 4, ECL)},
		{"qr_256", "QR(256 bytes, 3, ECQ)", New().QR(payload(256), 3, ECQ)},
		{"qr_500", "QR(500 bytes, 16, ECH)", New().QR(payload(500), 16, ECH)},
		{"raster_10x3", "Raster(checker 10x3, 0)", New().Raster(checker(10, 3), 0)},
		{"raster_bands", "Raster(checker 16x5, 2)", New().Raster(checker(16, 5), 2)},
		{"qr_raster", `QRRaster("bianmin", 1, ECL)`, New().QRRaster("bianmin", 1, ECL)},
		{"receipt", "a short ticket receipt", New().Init().ChineseMode(true).
			Align(AlignCenter).Size(2, 2).Bold(true).Line("A012").
			Size(1, 1).Bold(false).Line("请到3号窗口办理").
			Align(AlignLeft).Line("前面还有 4 人").
			QR([]byte("https://example.org/t/A012"), 6, ECM).
			Feed(3).FeedCut(0, true)},
	}
}

// formatGolden writes b as 16 hex bytes a line after a comment naming call.
func formatGolden(call string, b []byte) []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n", call)
	for i := 0; i < len(b); i += 16 {
		line := b[i:min(i+16, len(b))]
		for j, c := range line {
			if j > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "%02x", c)
		}
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

// parseGolden reads hex bytes, ignoring whitespace and lines starting with #.
func parseGolden(text []byte) ([]byte, error) {
	var digits strings.Builder
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	return hex.DecodeString(digits.String())
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.doc.Bytes()
			if err != nil {
				t.Fatalf("%s: %v", tc.call, err)
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, formatGolden(tc.call, got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			want, err := parseGolden(text)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Errorf("%s: differs from %s at byte %d\ngot:\n%swant:\n%s",
					tc.call, path, i, formatGolden(tc.call, got), formatGolden(tc.call, want))
			}
		})
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpecBytes checks the encoder against byte sequences copied by hand from
// shared/protocols/escpos.md, independently of the golden files.
func TestSpecBytes(t *testing.T) {
	store := func(n int) []byte {
		b, err := New().QR(payload(n), 6, ECM).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		got    []byte
		prefix string // hex the output must start with
		suffix string // and end with
	}{
		{"init", must(New().Init()), "1b 40", ""},
		{"chinese on", must(New().ChineseMode(true)), "1c 26", ""},
		{"chinese off", must(New().ChineseMode(false)), "1c 2e", ""},
		{"align centre", must(New().Align(AlignCenter)), "1b 61 01", ""},
		{"bold on", must(New().Bold(true)), "1b 45 01", ""},
		{"double both", must(New().Size(2, 2)), "1d 21 11", ""},
		{"size 8x8", must(New().Size(8, 8)), "1d 21 77", ""},
		{"feed 3", must(New().Feed(3)), "1b 64 03", ""},
		{"full cut", must(New().Cut(false)), "1d 56 00", ""},
		{"partial cut", must(New().Cut(true)), "1d 56 01", ""},
		{"feed cut full", must(New().FeedCut(5, false)), "1d 56 41 05", ""},
		{"feed cut partial", must(New().FeedCut(5, true)), "1d 56 42 05", ""},
		{"code page", must(New().CodePage(0)), "1b 74 00", ""},
		{"qr model 2, size, ecc", store(1),
			"1d 28 6b 04 00 31 41 32 00  1d 28 6b 03 00 31 43 06  1d 28 6b 03 00 31 45 31",
			"1d 28 6b 03 00 31 51 30"},
		{"qr store 1 byte", store(1)[25:], "1d 28 6b 04 00 31 50 30 41", ""},
		{"qr store 255 bytes", store(255)[25:], "1d 28 6b 02 01 31 50 30", ""},
		{"qr store 256 bytes", store(256)[25:], "1d 28 6b 03 01 31 50 30", ""},
		{"qr store 500 bytes", store(500)[25:], "1d 28 6b f7 01 31 50 30", ""},
		{"raster 10 dots wide", must(New().Raster(checker(10, 3), 0)), "1d 76 30 00 02 00 03 00 aa 80 55 40 aa 80", ""},
		// 中 is D6 D0 and 文 is CE C4 in GB2312.
		{"gb text", must(New().ChineseMode(true).Line("中文")), "1c 26 d6 d0 ce c4 0a", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if p := mustHex(t, tc.prefix); !bytes.HasPrefix(tc.got, p) {
				t.Errorf("got % x\nwant prefix % x", tc.got, p)
			}
			if s := mustHex(t, tc.suffix); !bytes.HasSuffix(tc.got, s) {
				t.Errorf("got % x\nwant suffix % x", tc.got, s)
			}
		})
	}
	if got := must(New().QR([]byte("x"), 1, ECH)); got[24] != 0x33 {
		t.Errorf("QR ECH: error byte %#x, want 0x33", got[24])
	}
	if got := store(500); len(got) != 9+8+8+8+500+8 {
		t.Errorf("QR 500 bytes: %d bytes in all, want %d", len(got), 9+8+8+8+500+8)
	}
}

func must(d *Doc) []byte {
	b, err := d.Bytes()
	if err != nil {
		panic(err)
	}
	return b
}

// TestGoldenDecode reads every golden back with the parser: no unknown
// commands, Raw reassembles the input, and byte-by-byte feeding agrees.
func TestGoldenDecode(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := must(tc.doc)
			cmds, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			var raw []byte
			for _, c := range cmds {
				if c.Kind == KindUnknown {
					t.Errorf("unknown command % x", c.Raw)
				}
				raw = append(raw, c.Raw...)
			}
			if !bytes.Equal(raw, b) {
				t.Errorf("Raw does not reassemble the input")
			}
			checkIncremental(t, b)
		})
	}
}
