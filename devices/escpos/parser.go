package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what a parsed command is.
type Kind int

const (
	KindText          Kind = iota // a run of printable bytes
	KindLF                        // LF: print the line
	KindInit                      // ESC @
	KindAlign                     // ESC a n
	KindBold                      // ESC E n
	KindSize                      // GS ! n
	KindFeed                      // ESC d n
	KindCut                       // GS V m [n]
	KindChineseOn                 // FS &
	KindChineseOff                // FS .
	KindCodePage                  // ESC t n
	KindQRModel                   // GS ( k cn=49 fn=65
	KindQRSize                    // GS ( k cn=49 fn=67
	KindQRError                   // GS ( k cn=49 fn=69
	KindQRStore                   // GS ( k cn=49 fn=80 m=48
	KindQRPrint                   // GS ( k cn=49 fn=81 m=48
	KindRaster                    // GS v 0
	KindStatusRequest             // DLE EOT n
	KindASB                       // GS a n
	KindUnknown                   // any other byte or sequence, skipped whole when its length is known
)

var kindNames = [...]string{
	KindText:          "Text",
	KindLF:            "LF",
	KindInit:          "Init",
	KindAlign:         "Align",
	KindBold:          "Bold",
	KindSize:          "Size",
	KindFeed:          "Feed",
	KindCut:           "Cut",
	KindChineseOn:     "ChineseOn",
	KindChineseOff:    "ChineseOff",
	KindCodePage:      "CodePage",
	KindQRModel:       "QRModel",
	KindQRSize:        "QRSize",
	KindQRError:       "QRError",
	KindQRStore:       "QRStore",
	KindQRPrint:       "QRPrint",
	KindRaster:        "Raster",
	KindStatusRequest: "StatusRequest",
	KindASB:           "ASB",
	KindUnknown:       "Unknown",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Cmd is one parsed command.
type Cmd struct {
	Kind Kind
	// N is the command's argument byte as sent: n of ESC a, ESC E, GS !,
	// ESC d, ESC t, DLE EOT, GS a; m of GS V (0, 1, 48, 49, 65 or 66) and of
	// GS v 0; n1 of the QR model (0x32 = model 2); the QR module size; the QR
	// error-correction byte (0x30..0x33).
	N int
	// N2 is the second argument: n of GS V 65/66 n (feed before cutting).
	N2 int
	// Text is the decoded KindText: GB18030 in Chinese mode, else each byte
	// as the code point of the same value (Latin-1). Invalid GB sequences
	// decode as U+FFFD.
	Text string
	// Data is the QR store payload or the raster data. It is a suffix of Raw.
	Data []byte
	// W and H are a raster's width in bytes and height in dots.
	W, H int
	// Raw is exactly the bytes the command was parsed from. Concatenating Raw
	// over all commands gives back the input.
	Raw []byte
}

// Bitmap returns a KindRaster command's image (W*8 dots wide), or nil for
// other kinds.
func (c Cmd) Bitmap() *Bitmap {
	if c.Kind != KindRaster {
		return nil
	}
	return &Bitmap{W: c.W * 8, H: c.H, Pix: append([]byte(nil), c.Data...)}
}

// Parser limits. An announced length above them is not waited for: the
// header alone becomes KindUnknown, so a corrupt length cannot make the
// parser hold or allocate more than this.
const (
	// MaxRaster is the largest image data block (GS v 0, GS 8 L) the parser
	// accepts, in bytes.
	MaxRaster = 1 << 20
	// MaxPending bounds Pending: the longest command the parser waits for.
	MaxPending = 8 + MaxRaster
	// maxText is the text run length after which a run is reported even
	// without a control byte ending it, at the next character boundary.
	maxText = 4096
	// maxNULData bounds NUL-terminated arguments (ESC D, GS k m<=6).
	maxNULData = 255
)

// ErrTruncated is wrapped by Decode's error when the stream ends inside a
// command.
var ErrTruncated = errors.New("escpos: stream ends inside a command")

// Parser splits an ESC/POS byte stream into commands. Bytes may arrive in any
// chunks: Feed returns the commands they complete and keeps the incomplete
// tail (Pending), so feeding a stream byte by byte and then calling Flush
// gives the same commands as Decode.
//
// A text run is reported when a control byte ends it (or it reaches 4 KB), as
// a printer only prints a line at LF; Flush reports a run still waiting.
// Lengths announced by images and QR data are honoured, so bytes inside them
// (such as 10 04 n) are never taken for commands.
//
// Parser tracks Chinese mode (FS &, FS ., ESC @ turns it off) to decode text.
// The zero value is ready to use, with Chinese mode off.
type Parser struct {
	buf     []byte
	chinese bool
	// textScan is how far the text run at the start of buf has been
	// walked, so feeding text byte by byte does not rescan it each time.
	textScan int
}

// Chinese reports whether the parser is in Chinese mode.
func (p *Parser) Chinese() bool { return p.chinese }

// Pending returns the number of bytes held waiting for the rest of a command
// or the end of a text run. It never exceeds MaxPending.
func (p *Parser) Pending() int { return len(p.buf) }

// Reset drops pending bytes and turns Chinese mode off, as at power-on.
func (p *Parser) Reset() { *p = Parser{} }

// Feed parses b after whatever was pending and returns the commands it
// completes.
func (p *Parser) Feed(b []byte) []Cmd { return p.feed(b, false) }

// Flush reports a pending text run as complete (the stream has paused or
// ended). An incomplete command stays pending.
func (p *Parser) Flush() []Cmd { return p.feed(nil, true) }

func (p *Parser) feed(b []byte, final bool) []Cmd {
	src := b
	if len(p.buf) > 0 {
		p.buf = append(p.buf, b...)
		src = p.buf
	}
	var cmds []Cmd
	used := 0
	for used < len(src) {
		c, n := p.next(src[used:], final)
		if n == 0 {
			break
		}
		c.Raw = src[used : used+n]
		cmds = append(cmds, c)
		used += n
	}
	if used > 0 {
		// One copy for all commands, so Raw and Data do not alias the
		// caller's b or our buffer. Three-index slices keep an append to
		// one Raw from overwriting the next.
		slab := append([]byte(nil), src[:used]...)
		off := 0
		for i := range cmds {
			n := len(cmds[i].Raw)
			raw := slab[off : off+n : off+n]
			if d := len(cmds[i].Data); cmds[i].Data != nil {
				cmds[i].Data = raw[n-d:]
			}
			cmds[i].Raw = raw
			off += n
		}
	}
	rest := src[used:]
	switch {
	case len(rest) == 0 && cap(p.buf) > 64<<10:
		p.buf = nil // do not keep a large image's buffer around
	case used == 0 && len(p.buf) > 0:
		// src is p.buf and all of it is still pending: copying it again
		// would make feeding a large image in small pieces quadratic.
	default:
		// rest may alias p.buf; append moves overlapping bytes correctly.
		p.buf = append(p.buf[:0], rest...)
	}
	return cmds
}

// next parses the command at the start of src (non-empty) and returns it with
// its length, or length 0 when src ends before the command does.
func (p *Parser) next(src []byte, final bool) (Cmd, int) {
	switch b := src[0]; {
	case isTextByte(b):
		return p.text(src, final)
	case b == 0x0A:
		return Cmd{Kind: KindLF}, 1
	case b == 0x1B:
		return p.esc(src)
	case b == 0x1D:
		return p.gs(src)
	case b == 0x1C:
		return p.fs(src)
	case b == 0x10:
		return dle(src)
	}
	return unknown(1)
}

func unknown(n int) (Cmd, int) { return Cmd{Kind: KindUnknown}, n }

func incomplete() (Cmd, int) { return Cmd{}, 0 }

func le16(b []byte) int { return int(b[0]) | int(b[1])<<8 }

// sized returns a KindUnknown of n bytes, or waits for them.
func sized(src []byte, n int) (Cmd, int) {
	if len(src) < n {
		return incomplete()
	}
	return unknown(n)
}

// text reads a run of printable bytes. In Chinese mode the run is walked
// character by character so that the 4 KB cut never splits a character.
func (p *Parser) text(src []byte, final bool) (Cmd, int) {
	n, more := p.textScan, false
	for n < maxText {
		if n == len(src) {
			more = !final
			break
		}
		if !isTextByte(src[n]) {
			break
		}
		w := 1
		if p.chinese {
			if w = gbCharLen(src[n:], final); w == 0 {
				more = true
				break
			}
		}
		n += w
	}
	if more {
		p.textScan = n
		return incomplete()
	}
	p.textScan = 0
	c := Cmd{Kind: KindText}
	if p.chinese {
		c.Text = decodeGB(src[:n])
	} else {
		c.Text = decodeLatin1(src[:n])
	}
	return c, n
}

// escArgs is the number of argument bytes of the fixed-length ESC commands
// the parser skips as KindUnknown; ESC with any other byte is 2 bytes long.
var escArgs = [256]int8{
	0x20: 1, // ESC SP n: character spacing
	0x21: 1, // ESC ! n: print mode
	0x24: 2, // ESC $ nL nH: absolute position
	0x25: 1, // ESC % n: user-defined characters
	0x2D: 1, // ESC - n: underline
	0x33: 1, // ESC 3 n: line spacing
	0x3D: 1, // ESC = n: peripheral device
	0x3F: 1, // ESC ? n: cancel user-defined character
	0x47: 1, // ESC G n: double strike
	0x4A: 1, // ESC J n: print and feed
	0x4D: 1, // ESC M n: font
	0x52: 1, // ESC R n: international character set
	0x54: 1, // ESC T n: page mode direction
	0x56: 1, // ESC V n: rotation
	0x57: 8, // ESC W: page mode area
	0x5C: 2, // ESC \ nL nH: relative position
	0x63: 2, // ESC c 3/4/5 n: paper sensors, panel buttons
	0x65: 1, // ESC e n: reverse feed
	0x70: 3, // ESC p m t1 t2: drawer kick
	0x72: 1, // ESC r n: colour
	0x75: 1, // ESC u n: peripheral status
	0x7B: 1, // ESC { n: upside down
}

func (p *Parser) esc(src []byte) (Cmd, int) {
	if len(src) < 2 {
		return incomplete()
	}
	var kind Kind
	switch f := src[1]; f {
	case 0x40:
		p.chinese = false
		return Cmd{Kind: KindInit}, 2
	case 0x61:
		kind = KindAlign
	case 0x45:
		kind = KindBold
	case 0x64:
		kind = KindFeed
	case 0x74:
		kind = KindCodePage
	case 0x2A: // ESC * m nL nH d1..dk: bit image, k columns of 1 or 3 bytes
		if len(src) < 5 {
			return incomplete()
		}
		k := le16(src[3:])
		switch src[2] {
		case 0, 1:
		case 32, 33:
			k *= 3
		default:
			return unknown(2)
		}
		return sized(src, 5+k)
	case 0x44: // ESC D n1..nk NUL: tab stops
		return nulTerminated(src, 2)
	default:
		return sized(src, 2+int(escArgs[f]))
	}
	if len(src) < 3 {
		return incomplete()
	}
	return Cmd{Kind: kind, N: int(src[2])}, 3
}

// nulTerminated skips a command whose argument list, starting at src[start],
// ends with NUL. Without a NUL within maxNULData bytes only the first start
// bytes are skipped, so a missing NUL cannot stall the parser.
func nulTerminated(src []byte, start int) (Cmd, int) {
	for i := start; i < len(src) && i <= start+maxNULData; i++ {
		if src[i] == 0 {
			return unknown(i + 1)
		}
	}
	if len(src) > start+maxNULData {
		return unknown(start)
	}
	return incomplete()
}

// gsArgs is like escArgs for GS.
var gsArgs = [256]int8{
	0x24: 2, // GS $ nL nH: absolute vertical position
	0x2F: 1, // GS / m: print downloaded bit image
	0x42: 1, // GS B n: reverse
	0x48: 1, // GS H n: HRI position
	0x49: 1, // GS I n: transmit printer ID
	0x4C: 2, // GS L nL nH: left margin
	0x50: 2, // GS P x y: motion units
	0x54: 1, // GS T n: beginning of line
	0x57: 2, // GS W nL nH: print area width
	0x5C: 2, // GS \ nL nH: relative vertical position
	0x5E: 3, // GS ^ r t m: execute macro
	0x62: 1, // GS b n: smoothing
	0x66: 1, // GS f n: HRI font
	0x67: 4, // GS g 0/2 m nL nH: maintenance counter
	0x68: 1, // GS h n: barcode height
	0x72: 1, // GS r n: transmit status
	0x77: 1, // GS w n: barcode width
}

func (p *Parser) gs(src []byte) (Cmd, int) {
	if len(src) < 2 {
		return incomplete()
	}
	switch f := src[1]; f {
	case 0x21, 0x61:
		if len(src) < 3 {
			return incomplete()
		}
		kind := KindSize
		if f == 0x61 {
			kind = KindASB
		}
		return Cmd{Kind: kind, N: int(src[2])}, 3
	case 0x56: // GS V m [n]: cut
		if len(src) < 3 {
			return incomplete()
		}
		switch m := src[2]; m {
		case 0x00, 0x01, 0x30, 0x31:
			return Cmd{Kind: KindCut, N: int(m)}, 3
		case 0x41, 0x42:
			if len(src) < 4 {
				return incomplete()
			}
			return Cmd{Kind: KindCut, N: int(m), N2: int(src[3])}, 4
		case 0x61, 0x62, 0x67, 0x68: // cut functions C and D
			return sized(src, 4)
		}
		return unknown(3)
	case 0x76: // GS v 0 m xL xH yL yH d1..dk
		if len(src) < 3 {
			return incomplete()
		}
		if src[2] != 0x30 {
			return unknown(2)
		}
		if len(src) < 8 {
			return incomplete()
		}
		w, h := le16(src[4:]), le16(src[6:])
		if w*h > MaxRaster {
			return unknown(8)
		}
		if len(src) < 8+w*h {
			return incomplete()
		}
		return Cmd{Kind: KindRaster, N: int(src[3]), W: w, H: h, Data: src[8 : 8+w*h]}, 8 + w*h
	case 0x28: // GS ( fn pL pH ...: pL + 256*pH bytes follow
		if len(src) < 5 {
			return incomplete()
		}
		n := 5 + le16(src[3:])
		if len(src) < n {
			return incomplete()
		}
		if src[2] == 0x6B {
			return qr(src[5:n]), n
		}
		return unknown(n)
	case 0x38: // GS 8 L p1 p2 p3 p4 ...: graphics with a 4-byte length
		if len(src) < 3 {
			return incomplete()
		}
		if src[2] != 0x4C {
			return unknown(2)
		}
		if len(src) < 7 {
			return incomplete()
		}
		k := uint64(src[3]) | uint64(src[4])<<8 | uint64(src[5])<<16 | uint64(src[6])<<24
		if k > MaxRaster {
			return unknown(7)
		}
		return sized(src, 7+int(k))
	case 0x2A: // GS * x y d1..d(x*y*8): define downloaded bit image
		if len(src) < 4 {
			return incomplete()
		}
		return sized(src, 4+int(src[2])*int(src[3])*8)
	case 0x6B: // GS k m ...: barcode
		if len(src) < 3 {
			return incomplete()
		}
		switch m := src[2]; {
		case m <= 6:
			return nulTerminated(src, 3)
		case m >= 65 && m <= 79:
			if len(src) < 4 {
				return incomplete()
			}
			return sized(src, 4+int(src[3]))
		}
		return unknown(3)
	default:
		return sized(src, 2+int(gsArgs[f]))
	}
}

// qr interprets the body of GS ( k (cn fn params). Functions other than the
// five the encoder sends, or with unexpected lengths, are KindUnknown.
func qr(body []byte) Cmd {
	c := Cmd{Kind: KindUnknown}
	if len(body) < 2 || body[0] != 0x31 {
		return c
	}
	switch fn := body[1]; {
	case fn == 0x41 && len(body) == 4:
		c = Cmd{Kind: KindQRModel, N: int(body[2])}
	case fn == 0x43 && len(body) == 3:
		c = Cmd{Kind: KindQRSize, N: int(body[2])}
	case fn == 0x45 && len(body) == 3:
		c = Cmd{Kind: KindQRError, N: int(body[2])}
	case fn == 0x50 && len(body) >= 3 && body[2] == 0x30 && len(body)-3 <= MaxQRData:
		c = Cmd{Kind: KindQRStore, Data: body[3:]}
	case fn == 0x51 && len(body) == 3 && body[2] == 0x30:
		c = Cmd{Kind: KindQRPrint}
	}
	return c
}

func (p *Parser) fs(src []byte) (Cmd, int) {
	if len(src) < 2 {
		return incomplete()
	}
	switch src[1] {
	case 0x26:
		p.chinese = true
		return Cmd{Kind: KindChineseOn}, 2
	case 0x2E:
		p.chinese = false
		return Cmd{Kind: KindChineseOff}, 2
	case 0x21, 0x2D, 0x43, 0x57: // FS ! n, FS - n, FS C n, FS W n
		return sized(src, 3)
	case 0x53, 0x70: // FS S n1 n2, FS p n m
		return sized(src, 4)
	case 0x32: // FS 2 c1 c2 d1..d72: define a user GB character
		return sized(src, 76)
	case 0x28: // FS ( fn pL pH ...
		if len(src) < 5 {
			return incomplete()
		}
		return sized(src, 5+le16(src[3:]))
	}
	return unknown(2)
}

// dle reads the real-time commands. A DLE not starting one is skipped alone,
// so it cannot swallow the command after it.
func dle(src []byte) (Cmd, int) {
	if len(src) < 2 {
		return incomplete()
	}
	switch src[1] {
	case 0x04:
		if len(src) < 3 {
			return incomplete()
		}
		return Cmd{Kind: KindStatusRequest, N: int(src[2])}, 3
	case 0x05: // DLE ENQ n
		return sized(src, 3)
	case 0x14: // DLE DC4 fn ...
		if len(src) < 3 {
			return incomplete()
		}
		switch src[2] {
		case 1, 2:
			return sized(src, 5)
		case 7:
			return sized(src, 4)
		case 8:
			return sized(src, 10)
		}
		return unknown(3)
	}
	return unknown(1)
}

// Decode parses a whole stream. If it ends inside a command, it returns the
// commands before it and an error wrapping ErrTruncated.
func Decode(b []byte) ([]Cmd, error) {
	var p Parser
	cmds := p.Feed(b)
	cmds = append(cmds, p.Flush()...)
	if n := p.Pending(); n > 0 {
		return cmds, fmt.Errorf("%w: %d bytes left starting % x", ErrTruncated, n, p.buf[:min(n, 8)])
	}
	return cmds, nil
}

// PlainText concatenates the text of cmds, with each LF as "\n".
func PlainText(cmds []Cmd) string {
	var sb strings.Builder
	for _, c := range cmds {
		switch c.Kind {
		case KindText:
			sb.WriteString(c.Text)
		case KindLF:
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}
