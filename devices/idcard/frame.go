package idcard

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Preamble starts every frame in both directions.
var Preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

const (
	headerLen = 7 // preamble and the two length bytes
	// MaxLength bounds the length field. The largest frame of the protocol, the
	// read with fingerprint, has 0x090A; anything far beyond is a false preamble
	// in noise, not a frame to wait for.
	MaxLength = 0x1000
	// minLength is the length of the shortest frame: CMD PARA and the checksum.
	minLength = 3
)

// Command is a host → reader command: CMD in the high byte, PARA in the low.
type Command uint16

// The commands of the protocol.
const (
	ResetSAM    Command = 0x10FF
	SAMStatus   Command = 0x11FF
	ReadSAMID   Command = 0x12FF
	FindCard    Command = 0x2001
	SelectCard  Command = 0x2002
	ReadText    Command = 0x3001 // text and photo
	ReadAddress Command = 0x3003 // the additional address
	ReadTextFP  Command = 0x3010 // text, photo and fingerprint
	setBaud     Command = 0x6000 // PARA is the index into baudRates
)

// baudRates are the rates a 60 nn command switches to, by nn.
var baudRates = []int{115200, 57600, 38400, 19200, 9600}

// SetBaud returns the command that switches the reader's line to baud.
func SetBaud(baud int) (Command, error) {
	for i, b := range baudRates {
		if b == baud {
			return setBaud | Command(i), nil
		}
	}
	return 0, fmt.Errorf("idcard: the reader cannot switch to %d baud (want one of %v)", baud, baudRates)
}

// Baud returns the rate a 60 nn command switches to; ok is false for other
// commands.
func (c Command) Baud() (baud int, ok bool) {
	if c&0xFF00 != setBaud || int(c&0xFF) >= len(baudRates) {
		return 0, false
	}
	return baudRates[c&0xFF], true
}

var commandNames = map[Command]string{
	ResetSAM: "reset SAM", SAMStatus: "SAM status", ReadSAMID: "read SAM id",
	FindCard: "find card", SelectCard: "select card", ReadText: "read text and photo",
	ReadAddress: "read additional address", ReadTextFP: "read text, photo and fingerprint",
}

// String names the command: "find card", "set baud 9600", "command 40 01".
func (c Command) String() string {
	if s, ok := commandNames[c]; ok {
		return s
	}
	if b, ok := c.Baud(); ok {
		return fmt.Sprintf("set baud %d", b)
	}
	return fmt.Sprintf("command %02X %02X", byte(c>>8), byte(c))
}

// Frame returns the complete host → reader frame of c, e.g. find card:
// AA AA AA 96 69 00 03 20 01 22.
func (c Command) Frame() []byte { return Frame([]byte{byte(c >> 8), byte(c)}) }

// Frame wraps body (CMD PARA [data] or SW1 SW2 SW3 [data]) in a frame:
// preamble, length, body, checksum. body must be shorter than MaxLength.
func Frame(body []byte) []byte {
	n := len(body) + 1
	f := make([]byte, 0, headerLen+n)
	f = append(f, Preamble...)
	f = binary.BigEndian.AppendUint16(f, uint16(n))
	f = append(f, body...)
	return append(f, checksum(f[len(Preamble):]))
}

// checksum is the XOR of b: the length bytes and the body.
func checksum(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// ParseFrame checks that b is exactly one frame and returns its body, the bytes
// between the length and the checksum (aliasing b). Errors: ErrPreamble,
// ErrTruncated (fewer bytes than the length says), ErrLength (a length outside
// 3..MaxLength, or bytes after the frame) and ErrChecksum.
func ParseFrame(b []byte) ([]byte, error) {
	if len(b) < len(Preamble) {
		if bytes.HasPrefix(Preamble, b) {
			return nil, fmt.Errorf("%w: %d bytes, not even a preamble", ErrTruncated, len(b))
		}
		return nil, ErrPreamble
	}
	if !bytes.HasPrefix(b, Preamble) {
		return nil, ErrPreamble
	}
	if len(b) < headerLen {
		return nil, fmt.Errorf("%w: %d bytes, no length", ErrTruncated, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[len(Preamble):]))
	if n < minLength || n > MaxLength {
		return nil, fmt.Errorf("%w: length field %d", ErrLength, n)
	}
	switch total := headerLen + n; {
	case len(b) < total:
		return nil, fmt.Errorf("%w: have %d of %d bytes", ErrTruncated, len(b), total)
	case len(b) > total:
		return nil, fmt.Errorf("%w: %d bytes after a %d-byte frame", ErrLength, len(b)-total, total)
	}
	if got, want := b[len(b)-1], checksum(b[len(Preamble):len(b)-1]); got != want {
		return nil, fmt.Errorf("%w: %02X, want %02X", ErrChecksum, got, want)
	}
	return b[headerLen : len(b)-1], nil
}

// ParseCommand decodes a host → reader frame. Data after CMD PARA, which no
// command of the protocol has, is ErrLength.
func ParseCommand(b []byte) (Command, error) {
	body, err := ParseFrame(b)
	if err != nil {
		return 0, err
	}
	if len(body) != 2 {
		return 0, fmt.Errorf("%w: command of %d bytes, want 2", ErrLength, len(body))
	}
	return Command(body[0])<<8 | Command(body[1]), nil
}

// Reply is a reader → host frame.
type Reply struct {
	SW1, SW2 byte
	Status   Status // SW3
	Data     []byte
}

// ParseReply decodes a reader → host frame. Data aliases b. A reply that says
// the command failed is no error here: see Reply.Err.
func ParseReply(b []byte) (Reply, error) {
	body, err := ParseFrame(b)
	if err != nil {
		return Reply{}, err
	}
	if len(body) < 3 {
		return Reply{}, fmt.Errorf("%w: reply of %d bytes has no SW1 SW2 SW3", ErrLength, len(body))
	}
	return Reply{SW1: body[0], SW2: body[1], Status: Status(body[2]), Data: body[3:]}, nil
}

// Err is nil when the reply reports success (SW1 SW2 00 00 and SW3 90 or 9F),
// else a *StatusError.
func (r Reply) Err() error {
	if r.SW1 == 0 && r.SW2 == 0 && r.Status.OK() {
		return nil
	}
	return &StatusError{SW1: r.SW1, SW2: r.SW2, SW3: byte(r.Status)}
}

// Bytes encodes the reply as a frame.
func (r Reply) Bytes() []byte {
	return Frame(append([]byte{r.SW1, r.SW2, byte(r.Status)}, r.Data...))
}

// FrameReader cuts a byte stream into frames. Bytes before a preamble are
// skipped (line noise, the tail of a reply given up on), and a candidate frame
// whose length or checksum is wrong is reported and then searched for the next
// preamble from its second byte, so a false preamble in noise costs no real
// frame that follows it.
type FrameReader struct {
	r       io.Reader
	buf     []byte
	start   int // buf[:start] is consumed
	skipped int64
	rbuf    [readChunk]byte
}

// readChunk is the most one Read of the underlying reader asks for.
const readChunk = 512

// NewFrameReader reads frames from r.
func NewFrameReader(r io.Reader) *FrameReader {
	// Room for the largest frame and one read: the buffer never moves, so no
	// stale copy of a frame (the photo) is left behind for the collector.
	return &FrameReader{r: r, buf: make([]byte, 0, headerLen+MaxLength+readChunk)}
}

// Next returns the next frame whose length and checksum are right; it aliases
// the reader's buffer and is valid until the next call. ErrLength and
// ErrChecksum report a bad candidate frame, which has been skipped: call Next
// again for the next one. An error of the underlying reader is returned as it
// is, with what was read so far kept for the next call (so a read timeout can
// be retried), except io.EOF in the middle of a frame, which is ErrTruncated.
func (fr *FrameReader) Next() ([]byte, error) {
	for {
		frame, err, more := fr.scan()
		if !more {
			return frame, err
		}
		n, rerr := fr.r.Read(fr.rbuf[:])
		fr.buf = append(fr.buf, fr.rbuf[:n]...)
		if rerr != nil {
			if n > 0 {
				if frame, err, more := fr.scan(); !more {
					return frame, err
				}
			}
			if rerr == io.EOF && fr.Pending() {
				return nil, fmt.Errorf("%w: stream ended in a frame: %w", ErrTruncated, io.ErrUnexpectedEOF)
			}
			return nil, rerr
		}
	}
}

// scan looks for a frame in the buffer; more is true when it needs more bytes.
func (fr *FrameReader) scan() (frame []byte, err error, more bool) {
	b := fr.buf[fr.start:]
	i := bytes.Index(b, Preamble)
	if i < 0 {
		// Keep a tail that may be the start of a preamble.
		keep := 0
		for k := min(len(b), len(Preamble)-1); k > 0; k-- {
			if bytes.HasPrefix(Preamble, b[len(b)-k:]) {
				keep = k
				break
			}
		}
		fr.skip(len(b) - keep)
		fr.compact()
		return nil, nil, true
	}
	fr.skip(i)
	b = b[i:]
	if len(b) < headerLen {
		fr.compact()
		return nil, nil, true
	}
	n := int(binary.BigEndian.Uint16(b[len(Preamble):]))
	if n < minLength || n > MaxLength {
		fr.skip(1)
		return nil, fmt.Errorf("%w: length field %d", ErrLength, n), false
	}
	if len(b) < headerLen+n {
		fr.compact()
		return nil, nil, true
	}
	f := b[:headerLen+n]
	if got, want := f[len(f)-1], checksum(f[len(Preamble):len(f)-1]); got != want {
		fr.skip(1)
		return nil, fmt.Errorf("%w: %02X, want %02X", ErrChecksum, got, want), false
	}
	fr.start += len(f)
	return f, nil, false
}

func (fr *FrameReader) skip(n int) {
	fr.start += n
	fr.skipped += int64(n)
}

// compact moves unconsumed bytes to the front before the buffer grows.
func (fr *FrameReader) compact() {
	if fr.start == 0 {
		return
	}
	n := copy(fr.buf, fr.buf[fr.start:])
	clear(fr.buf[n:]) // consumed frames may hold personal data
	fr.buf = fr.buf[:n]
	fr.start = 0
}

// Pending reports whether part of a frame (at least its first preamble byte)
// is waiting for the rest.
func (fr *FrameReader) Pending() bool { return len(fr.buf) > fr.start }

// Skipped counts the bytes skipped so far outside frames.
func (fr *FrameReader) Skipped() int64 { return fr.skipped }

// Reset drops and wipes whatever is buffered: bytes of a reply the caller gave
// up on must not be taken for the next one.
func (fr *FrameReader) Reset() {
	clear(fr.buf)
	clear(fr.rbuf[:])
	fr.buf = fr.buf[:0]
	fr.start = 0
}
