package escpos

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"
)

func TestDocErrors(t *testing.T) {
	badPix := &Bitmap{W: 8, H: 2, Pix: []byte{0xFF}}
	tests := []struct {
		name    string
		doc     *Doc
		want    error  // errors.Is target
		mention string // the message must contain this
	}{
		{"size width 0", New().Size(0, 1), ErrInvalid, "Size(0, 1)"},
		{"size width 9", New().Size(9, 1), ErrInvalid, "Size(9, 1)"},
		{"size height 0", New().Size(1, 0), ErrInvalid, "Size(1, 0)"},
		{"size height 9", New().Size(1, 9), ErrInvalid, "Size(1, 9)"},
		{"feed -1", New().Feed(-1), ErrInvalid, "Feed(-1)"},
		{"feed 256", New().Feed(256), ErrInvalid, "Feed(256)"},
		{"feedcut 256", New().FeedCut(256, false), ErrInvalid, "FeedCut(256)"},
		{"feedcut -1", New().FeedCut(-1, true), ErrInvalid, "FeedCut(-1)"},
		{"align 3", New().Align(3), ErrInvalid, "Align(3)"},
		{"codepage 256", New().CodePage(256), ErrInvalid, "CodePage(256)"},
		{"qr empty", New().QR(nil, 4, ECM), ErrInvalid, "0 bytes"},
		{"qr too long", New().QR(make([]byte, MaxQRData+1), 4, ECM), ErrInvalid, "7090 bytes"},
		{"qr module 0", New().QR([]byte("x"), 0, ECM), ErrInvalid, "module 0"},
		{"qr module 17", New().QR([]byte("x"), 17, ECM), ErrInvalid, "module 17"},
		{"qr ec 0x34", New().QR([]byte("x"), 4, 0x34), ErrInvalid, "0x34"},
		{"qr ec 1", New().QR([]byte("x"), 4, 1), ErrInvalid, "0x1"},
		{"qr raster ec", New().QRRaster("x", 4, 0x34), ErrInvalid, "0x34"},
		{"qr raster module", New().QRRaster("x", 0, ECM), ErrInvalid, "module 0"},
		{"qr raster empty", New().QRRaster("", 4, ECM), ErrInvalid, "empty"},
		{"qr raster too long", New().QRRaster(strings.Repeat("x", 3000), 1, ECL), ErrInvalid, "QRRaster"},
		{"raster nil", New().Raster(nil, 0), ErrInvalid, "empty bitmap"},
		{"raster empty", New().Raster(NewBitmap(0, 5), 0), ErrInvalid, "empty bitmap"},
		{"raster short pix", New().Raster(badPix, 0), ErrInvalid, "1 bytes of pixels"},
		{"raster band", New().Raster(NewBitmap(8, 1), 65536), ErrInvalid, "band 65536"},
		{"raster too wide", New().Raster(NewBitmap(0xFFFF*8+1, 1), 0), ErrInvalid, "width"},
		{"4-byte character", New().ChineseMode(true).Text("张𠀀"), ErrNeedsRaster, "𠀀"},
		{"4-byte character U+3400", New().ChineseMode(true).Text("㐀"), ErrNeedsRaster, "U+3400"},
		{"4-byte latin", New().ChineseMode(true).Text("Mäder"), ErrNeedsRaster, "ä"},
		{"literal replacement character", New().ChineseMode(true).Text("\uFFFD"), ErrNeedsRaster, "U+FFFD"},
		{"4-byte character in line", New().ChineseMode(true).Line("𠀀"), ErrNeedsRaster, "𠀀"},
		{"chinese mode never on", New().Text("中"), ErrChineseModeOff, "中"},
		{"chinese mode off again", New().ChineseMode(true).ChineseMode(false).Text("中"), ErrChineseModeOff, "中"},
		{"init turns chinese mode off", New().ChineseMode(true).Init().Text("中"), ErrChineseModeOff, "中"},
		{"tab", New().Text("a\tb"), ErrInvalid, "U+0009"},
		{"carriage return", New().Text("a\r\n"), ErrInvalid, "U+000D"},
		{"escape", New().Text("\x1b@"), ErrInvalid, "U+001B"},
		{"delete", New().Text("\x7f"), ErrInvalid, "U+007F"},
		{"C1 control", New().ChineseMode(true).Text("\u0085"), ErrInvalid, "U+0085"},
		{"invalid UTF-8", New().ChineseMode(true).Text("中\xff"), ErrInvalid, "invalid UTF-8 at byte 3"},
		{"first error wins", New().Size(0, 0).Feed(300).Text("\t"), ErrInvalid, "Size(0, 0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.doc.Bytes()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("err = %q, want it to mention %q", err, tc.mention)
			}
			if b != nil {
				t.Errorf("Bytes returned % x with the error", b)
			}
			if tc.doc.Err() != err {
				t.Errorf("Err() = %v, Bytes error %v", tc.doc.Err(), err)
			}
		})
	}
}

// After an error the Doc ignores further calls, including ones that would
// change its tracked mode.
func TestDocStopsAtFirstError(t *testing.T) {
	d := New().Feed(-1).ChineseMode(true).Raw([]byte("x"))
	d.err = nil // look at the state the later calls left behind
	if b, _ := d.Bytes(); len(b) != 0 {
		t.Errorf("bytes after error: % x", b)
	}
	if d.chinese {
		t.Error("ChineseMode after an error changed the tracked mode")
	}
}

func TestTextRoundTrip(t *testing.T) {
	tests := []struct {
		name, text string
	}{
		{"ascii", "Ticket A012, window 3"},
		{"chinese", "办事指南"},
		{"id card line", "身份证号：11010119900307777X"},
		{"mixed lines", "请携带：\n1. 户口簿\n2. 身份证原件及复印件\n"},
		{"punctuation", "「」【】《》…—“”‘’、。，；：？！·"},
		{"fullwidth", "ＡＢＣ１２３"},
		{"euro and fullwidth yen", "€ ￥"},
		{"pinyin letters in GBK", "é à ü ǚ"},
		{"rare but 2-byte", "堃喆昇犇"},
		{"empty", ""},
		{"only newlines", "\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !TwoByteOnly(tc.text) {
				t.Fatalf("TwoByteOnly(%q) = false", tc.text)
			}
			b, err := New().Init().ChineseMode(true).Text(tc.text).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := PlainText(cmds); got != tc.text {
				t.Errorf("PlainText = %q, want %q", got, tc.text)
			}
		})
	}
}

// A failed Text adds nothing, so the Doc holds no half line.
func TestTextAtomic(t *testing.T) {
	d := New().ChineseMode(true).Text("中𠀀")
	if len(d.buf) != 2 {
		t.Errorf("buffer after failed Text: % x, want only 1c 26", d.buf)
	}
}

func TestTwoByteOnly(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"ascii", "abc 123", true},
		{"empty", "", true},
		{"common hanzi", "中华人民共和国", true},
		{"fullwidth punctuation", "：（）", true},
		{"extension B", "𠀀", false},
		{"extension A", "㐀", false},
		{"latin not in GBK", "ä", false},
		{"emoji", "🙂", false},
		{"halfwidth yen", "¥", false},
		{"replacement character", "\uFFFD", false},
		{"invalid UTF-8", "\xff", false},
		{"control characters are one byte", "\t\r", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TwoByteOnly(tc.s); got != tc.want {
				t.Errorf("TwoByteOnly(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func randomBitmap(w, h int, seed uint64) *Bitmap {
	r := rand.New(rand.NewPCG(seed, 1))
	img := NewBitmap(w, h)
	for y := range h {
		for x := range w {
			img.Set(x, y, r.IntN(2) == 1)
		}
	}
	return img
}

func rasters(t *testing.T, b []byte) []Cmd {
	t.Helper()
	cmds, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var out []Cmd
	for _, c := range cmds {
		if c.Kind != KindRaster {
			t.Fatalf("unexpected %v command % x", c.Kind, c.Raw[:min(len(c.Raw), 16)])
		}
		out = append(out, c)
	}
	return out
}

func TestRasterBands(t *testing.T) {
	tests := []struct {
		name    string
		w, h    int
		band    int
		heights []int
		header  string // the first band's GS v 0 header
	}{
		{"384x600 band 255", 384, 600, 255, []int{255, 255, 90}, "1d 76 30 00 30 00 ff 00"},
		{"default band", 384, 600, 0, []int{255, 255, 90}, "1d 76 30 00 30 00 ff 00"},
		{"one band", 384, 600, 1000, []int{600}, "1d 76 30 00 30 00 58 02"},
		{"576 wide exact bands", 576, 200, 100, []int{100, 100}, "1d 76 30 00 48 00 64 00"},
		{"width not a multiple of 8", 13, 3, 2, []int{2, 1}, "1d 76 30 00 02 00 02 00"},
		{"one dot", 1, 1, 0, []int{1}, "1d 76 30 00 01 00 01 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := randomBitmap(tc.w, tc.h, uint64(tc.w*tc.h))
			b, err := New().Raster(img, tc.band).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if h := mustHex(t, tc.header); !bytes.HasPrefix(b, h) {
				t.Errorf("starts % x, want % x", b[:8], h)
			}
			var heights []int
			var pix []byte
			for _, c := range rasters(t, b) {
				if c.W != img.Stride() || c.N != 0 {
					t.Errorf("band W=%d m=%d, want W=%d m=0", c.W, c.N, img.Stride())
				}
				heights = append(heights, c.H)
				pix = append(pix, c.Data...)
			}
			if !equalInts(heights, tc.heights) {
				t.Errorf("band heights %v, want %v", heights, tc.heights)
			}
			if !bytes.Equal(pix, img.Pix) {
				t.Error("reassembled bands differ from the bitmap")
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQRRaster(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		module int
		ec     ECLevel
		level  qrcode.RecoveryLevel
	}{
		{"short L module 1", "bianmin", 1, ECL, qrcode.Low},
		{"url M module 4", "https://example.org/t/A012", 4, ECM, qrcode.Medium},
		{"chinese Q module 3", "办事指南 第3号窗口", 3, ECQ, qrcode.High},
		{"long H module 2", strings.Repeat("0123456789", 30), 2, ECH, qrcode.Highest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := qrcode.New(tc.data, tc.level)
			if err != nil {
				t.Fatal(err)
			}
			bits := q.Bitmap()
			side := len(bits) * tc.module

			b, err := New().QRRaster(tc.data, tc.module, tc.ec).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			var img Bitmap
			for _, c := range rasters(t, b) {
				img.W = c.W * 8
				img.H += c.H
				img.Pix = append(img.Pix, c.Data...)
			}
			if img.W != (side+7)/8*8 || img.H != side {
				t.Fatalf("raster %dx%d dots, want %dx%d (rows padded to %d)", img.W, img.H, side, side, (side+7)/8*8)
			}
			for y := range img.H {
				for x := range img.W {
					want := x < side && bits[y/tc.module][x/tc.module]
					if img.At(x, y) != want {
						t.Fatalf("dot (%d,%d) black=%v, want %v", x, y, !want, want)
					}
				}
			}
		})
	}
}

func TestBitmap(t *testing.T) {
	t.Run("set and clear", func(t *testing.T) {
		b := NewBitmap(10, 2)
		b.Set(0, 0, true)
		b.Set(9, 1, true)
		b.Set(10, 0, true) // outside: ignored
		b.Set(-1, 0, true)
		if want := []byte{0x80, 0x00, 0x00, 0x40}; !bytes.Equal(b.Pix, want) {
			t.Errorf("Pix % x, want % x", b.Pix, want)
		}
		b.Set(0, 0, false)
		if b.At(0, 0) || !b.At(9, 1) || b.At(10, 1) {
			t.Error("At disagrees with Set")
		}
	})
	t.Run("negative size", func(t *testing.T) {
		if b := NewBitmap(-3, 4); b.W != 0 || len(b.Pix) != 0 {
			t.Errorf("NewBitmap(-3, 4) = %+v", b)
		}
	})
	t.Run("from image", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(5, 5, 8, 6)) // origin is not 0,0
		img.Set(5, 5, color.Black)
		img.Set(6, 5, color.NRGBA{0x80, 0x80, 0x80, 0xFF})
		img.Set(7, 5, color.NRGBA{0, 0, 0, 0}) // transparent black is paper
		b := FromImage(img, 128)
		if b.W != 3 || b.H != 1 {
			t.Fatalf("size %dx%d, want 3x1", b.W, b.H)
		}
		if !b.At(0, 0) || b.At(1, 0) || b.At(2, 0) {
			t.Errorf("dots %v %v %v, want true false false", b.At(0, 0), b.At(1, 0), b.At(2, 0))
		}
		if b = FromImage(img, 200); !b.At(1, 0) {
			t.Error("grey 0x80 not black below threshold 200")
		}
	})
}
