package cctalk

import (
	"errors"
	"fmt"
)

// Errors of decoding, matched with errors.Is. Decode and Stream wrap them with
// detail: "cctalk: bad checksum: bytes sum to 0x12, want 0".
var (
	ErrTruncated = errors.New("cctalk: truncated frame")
	ErrBadLength = errors.New("cctalk: frame length does not match its length byte")
	ErrTooLong   = errors.New("cctalk: frame longer than 259 bytes")
	ErrChecksum  = errors.New("cctalk: bad checksum")
	// ErrCRC is a bad checksum in CRC16 mode; it Is ErrChecksum too.
	ErrCRC = fmt.Errorf("%w (CRC-16)", ErrChecksum)
	// ErrEcho is a Stream expecting the host's own bytes back that read something
	// else first: a collision on the bus, or an adapter that does not echo.
	ErrEcho = errors.New("cctalk: echo differs from what was sent")
	// ErrNeedMore is Stream.Next without a whole frame buffered yet.
	ErrNeedMore = errors.New("cctalk: need more bytes")
)

// Errors of replies, from Frame.Err.
var (
	ErrNAK       = errors.New("cctalk: NAK")
	ErrBusy      = errors.New("cctalk: BUSY")
	ErrNotAReply = errors.New("cctalk: not a reply")
)

// Frame is one ccTalk message. In CRC16 mode the source byte carries half the
// CRC, so a decoded frame has Src 0: the host knows whom it asked.
type Frame struct {
	Dest   byte
	Src    byte
	Header Header
	Data   []byte
}

// Err is nil for an ACK (a reply with or without data), ErrNAK, ErrBusy, or
// ErrNotAReply for any other header.
func (f Frame) Err() error {
	switch f.Header {
	case HeaderACK:
		return nil
	case HeaderNAK:
		return ErrNAK
	case HeaderBusy:
		return ErrBusy
	}
	return fmt.Errorf("%w: header %d", ErrNotAReply, byte(f.Header))
}

// Encode returns the bytes of f. Data longer than MaxData is ErrTooLong.
func Encode(m Mode, f Frame) ([]byte, error) {
	return Append(nil, m, f)
}

// Append appends the bytes of f to b.
func Append(b []byte, m Mode, f Frame) ([]byte, error) {
	if len(f.Data) > MaxData {
		return b, fmt.Errorf("%w: %d data bytes", ErrTooLong, len(f.Data))
	}
	start := len(b)
	b = append(b, f.Dest, byte(len(f.Data)), f.Src, byte(f.Header))
	b = append(b, f.Data...)
	switch m {
	case CRC16:
		crc := frameCRC(b[start:])
		b[start+2] = byte(crc)
		b = append(b, byte(crc>>8))
	default:
		b = append(b, -sum(b[start:]))
	}
	return b, nil
}

// Decode decodes exactly one frame. Too few bytes for the length byte is
// ErrTruncated, more is ErrBadLength; a length byte over MaxData is ErrTooLong.
// The data of the result is a copy.
func Decode(m Mode, b []byte) (Frame, error) {
	if len(b) < 5 {
		return Frame{}, fmt.Errorf("%w: %d bytes, a frame has at least 5", ErrTruncated, len(b))
	}
	n := int(b[1])
	if n > MaxData {
		return Frame{}, fmt.Errorf("%w: length byte %d", ErrTooLong, n)
	}
	switch {
	case len(b) < n+5:
		return Frame{}, fmt.Errorf("%w: %d of %d bytes", ErrTruncated, len(b), n+5)
	case len(b) > n+5:
		return Frame{}, fmt.Errorf("%w: %d bytes for %d data bytes", ErrBadLength, len(b), n)
	}
	if err := check(m, b); err != nil {
		return Frame{}, err
	}
	f := Frame{Dest: b[0], Header: Header(b[3]), Data: append([]byte(nil), b[4:4+n]...)}
	if m != CRC16 {
		f.Src = b[2]
	}
	return f, nil
}

// check verifies the checksum or CRC of b, a frame of the right length.
func check(m Mode, b []byte) error {
	if m == CRC16 {
		got := uint16(b[2]) | uint16(b[len(b)-1])<<8
		if want := frameCRC(b); got != want {
			return fmt.Errorf("%w: 0x%04X, want 0x%04X", ErrCRC, got, want)
		}
		return nil
	}
	if s := sum(b); s != 0 {
		return fmt.Errorf("%w: bytes sum to 0x%02X, want 0", ErrChecksum, s)
	}
	return nil
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// frameCRC is the CRC of a frame: over destination, length, header and data,
// skipping the two CRC bytes (at 2 and at the end, which may be absent).
func frameCRC(b []byte) uint16 {
	crc := CRC(0, b[:2])
	end := 4 + int(b[1])
	if end > len(b) {
		end = len(b)
	}
	return CRC(crc, b[3:end])
}

// CRC continues CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final
// XOR) from crc over b. CRC(0, "123456789") is 0x31C3.
func CRC(crc uint16, b []byte) uint16 {
	for _, c := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^c]
	}
	return crc
}

// crcTable[i] is the CRC of the byte i, so that CRC works a byte at a time:
// the resynchronising Stream checks a candidate frame at every position of
// line noise.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()
