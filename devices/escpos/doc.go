// Package escpos encodes receipts as ESC/POS bytes and parses ESC/POS streams
// back into commands.
//
// It is a codec only: no ports, timeouts or status polling live here. The
// encoder (Doc) is byte-exact against shared/protocols/escpos.md and is
// checked by golden files under testdata/; the parser (Parser, Decode) is what
// the printer simulator and the tests use to read printed output back.
package escpos

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
)

// ErrNeedsRaster is wrapped by the error Text returns for a character that the
// printer's 2-byte GB font cannot print (it needs the 4-byte GB18030 area);
// such a line has to be printed as a raster image instead.
var ErrNeedsRaster = errors.New("escpos: character outside the printer's 2-byte GB area")

// ErrInvalid is wrapped by every error about an argument out of range or
// text the printer cannot take (control characters, invalid UTF-8).
var ErrInvalid = errors.New("escpos: invalid argument")

// ErrChineseModeOff is wrapped by the error Text returns when it would send a
// byte >= 0x80 while Chinese mode is off: the printer would print it from the
// current code page instead of starting a 2-byte GB code.
var ErrChineseModeOff = errors.New("escpos: non-ASCII text outside Chinese mode")

// Align is the ESC a justification argument.
type Align byte

const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// ECLevel is the native QR error-correction byte, sent as is (GS ( k fn 69).
type ECLevel byte

const (
	ECL ECLevel = 0x30 // about 7 % of codewords restorable
	ECM ECLevel = 0x31 // about 15 %
	ECQ ECLevel = 0x32 // about 25 %
	ECH ECLevel = 0x33 // about 30 %
)

// Limits the encoder enforces; the parser uses the same numbers so that what
// one produces the other accepts.
const (
	// MaxQRData is the largest native QR payload (version 40, numeric, level L).
	MaxQRData = 7089
	// MaxQRModule is the largest module size GS ( k fn 67 accepts, in dots.
	MaxQRModule = 16
	// DefaultBand is the raster band height used when Raster gets band <= 0.
	DefaultBand = 255
)

// Doc accumulates ESC/POS commands for one print job.
//
// Methods return the Doc so calls chain. The first invalid argument stops the
// Doc: later calls are no-ops and Bytes returns that error, so a receipt is
// either complete or not printed at all. Doc never panics on bad input.
//
// Doc tracks Chinese mode (FS &, FS .; ESC @ turns it off) to refuse non-ASCII
// text the printer would misprint. Bytes added with Raw are not inspected and
// do not change the tracked mode.
type Doc struct {
	buf     []byte
	err     error
	chinese bool
}

// New returns an empty Doc with Chinese mode assumed off.
func New() *Doc { return &Doc{} }

// fail records err if it is the first one; it always returns d for chaining.
func (d *Doc) fail(err error) *Doc {
	if d.err == nil {
		d.err = err
	}
	return d
}

func (d *Doc) invalid(format string, args ...any) *Doc {
	return d.fail(fmt.Errorf("escpos: "+format+": %w", append(args, ErrInvalid)...))
}

func (d *Doc) add(b ...byte) *Doc {
	if d.err == nil {
		d.buf = append(d.buf, b...)
	}
	return d
}

// Init sends ESC @. The printer returns to its power-on modes, which we do not
// assume include Chinese mode, so the tracked Chinese mode is turned off: send
// ChineseMode(true) after Init.
func (d *Doc) Init() *Doc {
	if d.err == nil {
		d.chinese = false
	}
	return d.add(0x1B, 0x40)
}

// ChineseMode sends FS & (on) or FS . (off). With it on, bytes >= 0x80 start
// 2-byte GB codes.
func (d *Doc) ChineseMode(on bool) *Doc {
	if d.err != nil {
		return d
	}
	d.chinese = on
	if on {
		return d.add(0x1C, 0x26)
	}
	return d.add(0x1C, 0x2E)
}

// Align sends ESC a n; the printer applies it from the start of the next line.
func (d *Doc) Align(a Align) *Doc {
	if a > AlignRight {
		return d.invalid("Align(%d): want 0, 1 or 2", a)
	}
	return d.add(0x1B, 0x61, byte(a))
}

// Bold sends ESC E n.
func (d *Doc) Bold(on bool) *Doc {
	return d.add(0x1B, 0x45, boolByte(on))
}

// Size sends GS ! n with n = (w-1)*16 + (h-1): w and h multiply character
// width and height and must be in 1..8.
func (d *Doc) Size(w, h int) *Doc {
	if w < 1 || w > 8 || h < 1 || h > 8 {
		return d.invalid("Size(%d, %d): width and height must be in 1..8", w, h)
	}
	return d.add(0x1D, 0x21, byte((w-1)<<4|(h-1)))
}

// CodePage sends ESC t n. There is no Chinese code page; use ChineseMode.
func (d *Doc) CodePage(n int) *Doc {
	if n < 0 || n > 255 {
		return d.invalid("CodePage(%d): want 0..255", n)
	}
	return d.add(0x1B, 0x74, byte(n))
}

// Text sends s encoded as GB18030, with "\n" as LF.
//
// Every character must encode in one or two GB18030 bytes: one that needs the
// 4-byte area gives an error wrapping ErrNeedsRaster that names it. Non-ASCII
// text needs Chinese mode on (ErrChineseModeOff). Control characters other
// than "\n" and invalid UTF-8 are refused (ErrInvalid). On error nothing of s
// is added.
func (d *Doc) Text(s string) *Doc {
	if d.err != nil {
		return d
	}
	start := len(d.buf)
	var gb [4]byte
	for i, r := range s {
		switch {
		case r == '\n':
			d.buf = append(d.buf, 0x0A)
		case r == utf8.RuneError && !isRuneError(s[i:]):
			d.buf = d.buf[:start]
			return d.invalid("Text: invalid UTF-8 at byte %d", i)
		case unicode.IsControl(r):
			d.buf = d.buf[:start]
			return d.invalid("Text: control character %U at byte %d", r, i)
		case r < utf8.RuneSelf:
			d.buf = append(d.buf, byte(r))
		default:
			n := encodeGB(r, &gb)
			if n != 2 {
				d.buf = d.buf[:start]
				return d.fail(fmt.Errorf("escpos: Text: %q (%U) at byte %d: %w", r, r, i, ErrNeedsRaster))
			}
			if !d.chinese {
				d.buf = d.buf[:start]
				return d.fail(fmt.Errorf("escpos: Text: %q (%U) at byte %d: %w", r, r, i, ErrChineseModeOff))
			}
			d.buf = append(d.buf, gb[:2]...)
		}
	}
	return d
}

// isRuneError reports whether s starts with a literal U+FFFD rather than a
// byte that failed to decode (both range as utf8.RuneError).
func isRuneError(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size == 3
}

// Line is Text(s) followed by LF, which prints the line.
func (d *Doc) Line(s string) *Doc {
	d.Text(s)
	return d.add(0x0A)
}

// Feed sends ESC d n: print the buffer and feed n lines, n in 0..255.
func (d *Doc) Feed(n int) *Doc {
	if n < 0 || n > 255 {
		return d.invalid("Feed(%d): want 0..255", n)
	}
	return d.add(0x1B, 0x64, byte(n))
}

// Cut sends GS V 0 (full) or GS V 1 (partial).
func (d *Doc) Cut(partial bool) *Doc {
	return d.add(0x1D, 0x56, boolByte(partial))
}

// FeedCut sends GS V 65 n (full) or GS V 66 n (partial): feed to the cutter
// plus n units, then cut. n in 0..255.
func (d *Doc) FeedCut(n int, partial bool) *Doc {
	if n < 0 || n > 255 {
		return d.invalid("FeedCut(%d): want 0..255", n)
	}
	m := byte(0x41)
	if partial {
		m = 0x42
	}
	return d.add(0x1D, 0x56, m, byte(n))
}

// QR prints data as a native model 2 QR code with GS ( k: model, module size
// (1..16 dots), error correction, store, print. data must be 1..7089 bytes.
func (d *Doc) QR(data []byte, module int, ec ECLevel) *Doc {
	switch {
	case len(data) < 1 || len(data) > MaxQRData:
		return d.invalid("QR: %d bytes of data, want 1..%d", len(data), MaxQRData)
	case module < 1 || module > MaxQRModule:
		return d.invalid("QR: module %d, want 1..%d", module, MaxQRModule)
	case ec < ECL || ec > ECH:
		return d.invalid("QR: error correction %#x, want 0x30..0x33", byte(ec))
	}
	n := len(data) + 3
	d.add(0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00)
	d.add(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, byte(module))
	d.add(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, byte(ec))
	d.add(0x1D, 0x28, 0x6B, byte(n), byte(n>>8), 0x31, 0x50, 0x30)
	d.add(data...)
	return d.add(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30)
}

// QRRaster is the fallback for printers without native QR: it renders data
// with go-qrcode, quiet zone included, each module as module×module dots
// (1..16), and sends it with Raster in DefaultBand bands.
func (d *Doc) QRRaster(data string, module int, ec ECLevel) *Doc {
	if d.err != nil {
		return d
	}
	img, err := qrBitmap(data, module, ec)
	if err != nil {
		return d.fail(err)
	}
	return d.Raster(img, 0)
}

func qrBitmap(data string, module int, ec ECLevel) (*Bitmap, error) {
	var level qrcode.RecoveryLevel
	switch ec {
	case ECL:
		level = qrcode.Low
	case ECM:
		level = qrcode.Medium
	case ECQ:
		level = qrcode.High
	case ECH:
		level = qrcode.Highest
	default:
		return nil, fmt.Errorf("escpos: QRRaster: error correction %#x, want 0x30..0x33: %w", byte(ec), ErrInvalid)
	}
	if module < 1 || module > MaxQRModule {
		return nil, fmt.Errorf("escpos: QRRaster: module %d, want 1..%d: %w", module, MaxQRModule, ErrInvalid)
	}
	if data == "" {
		return nil, fmt.Errorf("escpos: QRRaster: empty data: %w", ErrInvalid)
	}
	q, err := qrcode.New(data, level)
	if err != nil {
		return nil, fmt.Errorf("escpos: QRRaster: %w: %w", ErrInvalid, err)
	}
	bits := q.Bitmap()
	img := NewBitmap(len(bits)*module, len(bits)*module)
	for y, row := range bits {
		for x, black := range row {
			if !black {
				continue
			}
			for dy := range module {
				for dx := range module {
					img.Set(x*module+dx, y*module+dy, true)
				}
			}
		}
	}
	return img, nil
}

// Raster sends img with GS v 0 (m = 0) in bands of at most band rows, because
// some printers cap the height of one image; band <= 0 means DefaultBand and
// band must not exceed 65535. img must be non-empty with Pix of
// H * ceil(W/8) bytes.
func (d *Doc) Raster(img *Bitmap, band int) *Doc {
	if d.err != nil {
		return d
	}
	if band <= 0 {
		band = DefaultBand
	}
	switch {
	case img == nil || img.W <= 0 || img.H <= 0:
		return d.invalid("Raster: empty bitmap")
	case band > 0xFFFF:
		return d.invalid("Raster: band %d, want at most 65535", band)
	case img.Stride() > 0xFFFF:
		return d.invalid("Raster: width %d dots, want at most %d", img.W, 0xFFFF*8)
	case len(img.Pix) != img.Stride()*img.H:
		return d.invalid("Raster: %d bytes of pixels for %dx%d, want %d", len(img.Pix), img.W, img.H, img.Stride()*img.H)
	}
	x := img.Stride()
	for y := 0; y < img.H; y += band {
		h := min(band, img.H-y)
		d.add(0x1D, 0x76, 0x30, 0x00, byte(x), byte(x>>8), byte(h), byte(h>>8))
		d.add(img.Pix[y*x : (y+h)*x]...)
	}
	return d
}

// Raw appends b unchanged. It is not checked and does not change the tracked
// Chinese mode.
func (d *Doc) Raw(b []byte) *Doc { return d.add(b...) }

// Err returns the first error recorded, if any.
func (d *Doc) Err() error { return d.err }

// Bytes returns a copy of the encoded job, or nil and the first error.
func (d *Doc) Bytes() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	return append([]byte(nil), d.buf...), nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
