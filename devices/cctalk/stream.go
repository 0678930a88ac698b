package cctalk

import (
	"fmt"
	"slices"
)

// Stream splits the bytes read from a ccTalk bus into frames, skipping the
// host's own echo and resynchronising after noise.
//
// On the single data line of a real bus every byte the host sends comes back to
// it before any reply. With Echo set, the host tells the Stream what it sent
// (Sent) and the Stream takes exactly those bytes off the front of what it reads
// next; bytes that differ end the wait with ErrEcho (a collision, or an adapter
// that does not echo) and are then read as frames. With Echo unset nothing is
// skipped as an echo.
//
// Frames are found by trying each position in turn: a position whose bytes are
// not a valid frame loses one byte and the next is tried, so a frame after noise
// or after a corrupted frame is still found. With To set, only frames addressed
// to one of those addresses count and any other byte is skipped at once, which
// makes resynchronisation quick; a host sets To to AddrHost. A candidate whose
// length byte points beyond the bytes read so far waits for them: a host that
// gives up on a reply calls Reset before its next request.
//
// The zero Stream reads simple-checksum frames, no echo, any address.
type Stream struct {
	Mode Mode
	Echo bool
	To   []byte

	buf     []byte
	echo    []byte // sent bytes still to come back
	skipped int
	seen    int // later found no valid whole frame in buf[:seen] after its start
}

// Write adds bytes read from the bus. It never fails.
func (s *Stream) Write(b []byte) (int, error) {
	s.buf = append(s.buf, b...)
	return len(b), nil
}

// Sent tells the Stream the host wrote b to the bus. With Echo unset it does
// nothing.
func (s *Stream) Sent(b []byte) {
	if s.Echo {
		s.echo = append(s.echo, b...)
	}
}

// Reset forgets buffered bytes and any echo still expected.
func (s *Stream) Reset() {
	s.buf = s.buf[:0]
	s.echo = s.echo[:0]
	s.seen = 0
}

// Buffered is the number of bytes read but not yet consumed: the start of a
// frame still coming, or of one that never will (a truncated frame).
func (s *Stream) Buffered() int { return len(s.buf) }

// Skipped is the number of bytes skipped as noise so far, echoes not counted.
func (s *Stream) Skipped() int { return s.skipped }

// Next returns the next frame. ErrNeedMore means more bytes are needed. Any
// other error says why bytes were dropped (ErrEcho, ErrChecksum, ErrTooLong);
// the Stream has moved past them and the next call goes on.
func (s *Stream) Next() (Frame, error) {
	for {
		if len(s.echo) > 0 {
			if len(s.buf) == 0 {
				return Frame{}, ErrNeedMore
			}
			n := min(len(s.buf), len(s.echo))
			same := commonPrefix(s.buf[:n], s.echo[:n])
			s.consume(same)
			s.echo = s.echo[same:]
			if same < n {
				s.echo = s.echo[:0]
				return Frame{}, fmt.Errorf("%w after %d bytes", ErrEcho, same)
			}
			continue
		}
		if len(s.buf) < 2 {
			return Frame{}, ErrNeedMore
		}
		if len(s.To) > 0 && !slices.Contains(s.To, s.buf[0]) {
			s.drop(1)
			continue
		}
		n := int(s.buf[1]) + 5
		if n > MaxFrame {
			s.drop(1)
			return Frame{}, fmt.Errorf("%w: length byte %d", ErrTooLong, n-5)
		}
		if len(s.buf) < n {
			// A frame already whole further on means this candidate is noise
			// (a host's own frame read back with Echo unset starts with a
			// destination, then its source 1 and a header that reads as a long
			// length): skip to it rather than wait for bytes that will not come.
			if k := s.later(); k > 0 {
				s.drop(k)
				continue
			}
			return Frame{}, ErrNeedMore
		}
		f, err := Decode(s.Mode, s.buf[:n])
		if err != nil {
			s.drop(1)
			return Frame{}, err
		}
		s.consume(n)
		return f, nil
	}
}

// later returns the position of the first valid frame after the start of the
// buffer that is whole, 0 if there is none. A candidate is checked once, when
// its last byte has arrived, so noise costs linear time.
func (s *Stream) later() int {
	for p := 1; p+5 <= len(s.buf); p++ {
		if len(s.To) > 0 && !slices.Contains(s.To, s.buf[p]) {
			continue
		}
		n := int(s.buf[p+1]) + 5
		if n <= MaxFrame && p+n <= len(s.buf) && p+n > s.seen && check(s.Mode, s.buf[p:p+n]) == nil {
			return p
		}
	}
	s.seen = len(s.buf)
	return 0
}

func (s *Stream) drop(n int) {
	s.consume(n)
	s.skipped += n
}

func (s *Stream) consume(n int) {
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	s.seen = max(0, s.seen-n)
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
