package cctalk_test

import (
	"bytes"
	"errors"
	"testing"

	"bianmin/devices/cctalk"
)

// drain returns the frames and errors Next gives until it needs more bytes.
func drain(t *testing.T, s *cctalk.Stream) (frames []cctalk.Frame, errs []error) {
	t.Helper()
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("Next does not stop")
		}
		f, err := s.Next()
		switch {
		case errors.Is(err, cctalk.ErrNeedMore):
			return frames, errs
		case err != nil:
			errs = append(errs, err)
		default:
			frames = append(frames, f)
		}
	}
}

func enc(t *testing.T, m cctalk.Mode, f cctalk.Frame) []byte {
	t.Helper()
	b, err := cctalk.Encode(m, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStream(t *testing.T) {
	poll := []byte{0x02, 0x00, 0x01, 0xFE, 0xFF}
	ack := []byte{0x01, 0x00, 0x02, 0x00, 0xFD}
	events := enc(t, cctalk.Checksum, cctalk.Frame{Dest: 1, Src: 40, Data: []byte{7, 4, 0, 4, 1, 0, 10, 3, 1, 0, 0}})
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	host := []byte{cctalk.AddrHost}
	for _, tc := range []struct {
		name    string
		stream  cctalk.Stream
		sent    []byte // told to Sent before reading
		in      []byte
		want    [][]byte // frames, encoded
		errs    []error
		pending int // bytes still buffered
	}{
		{"echo skipped", cctalk.Stream{Echo: true}, poll, cat(poll, ack), [][]byte{ack}, nil, 0},
		{"echo skipped, host only", cctalk.Stream{Echo: true, To: host}, poll, cat(poll, ack), [][]byte{ack}, nil, 0},
		{"echo expected but absent", cctalk.Stream{Echo: true}, poll, ack, [][]byte{ack}, []error{cctalk.ErrEcho}, 0},
		{"echo corrupted", cctalk.Stream{Echo: true, To: host}, poll, cat([]byte{0x02, 0x00, 0x01, 0xFE, 0x7F}, ack), [][]byte{ack}, []error{cctalk.ErrEcho}, 0},
		{"echo off reads the echo as a frame", cctalk.Stream{}, poll, cat(poll, ack), [][]byte{poll, ack}, nil, 0},
		{"echo off, echo filtered by address", cctalk.Stream{To: host}, poll, cat(poll, ack), [][]byte{ack}, nil, 0},
		{"echo off, no echo", cctalk.Stream{To: host}, poll, ack, [][]byte{ack}, nil, 0},
		{"garbage before a frame", cctalk.Stream{To: host}, nil, cat([]byte{0x00, 0xFF, 0x13, 0x37}, events), [][]byte{events}, nil, 0},
		{"garbage before a frame, any address", cctalk.Stream{}, nil, cat([]byte{0x00, 0xFF, 0x13}, ack), [][]byte{ack}, []error{cctalk.ErrTooLong}, 0},
		{"corrupt frame then a good one", cctalk.Stream{To: host}, nil, cat([]byte{0x01, 0x00, 0x02, 0x00, 0xFE}, ack), [][]byte{ack}, []error{cctalk.ErrChecksum}, 0},
		{"length byte too long", cctalk.Stream{}, nil, cat([]byte{0x01, 0xFF}, ack), [][]byte{ack}, []error{cctalk.ErrTooLong, cctalk.ErrChecksum}, 0},
		{"host's own frame, echo off, any address", cctalk.Stream{}, nil, cat([]byte{0x01, 0xFE}, ack), [][]byte{ack}, nil, 0},
		{"two frames", cctalk.Stream{To: host}, nil, cat(ack, events), [][]byte{ack, events}, nil, 0},
		{"truncated", cctalk.Stream{To: host}, nil, events[:9], nil, nil, 9},
		{"echo then truncated reply", cctalk.Stream{Echo: true, To: host}, poll, cat(poll, events[:3]), nil, nil, 3},
		{"crc mode", cctalk.Stream{Mode: cctalk.CRC16, Echo: true, To: host},
			enc(t, cctalk.CRC16, cctalk.Frame{Dest: 40, Header: cctalk.HeaderReadBillEvents}),
			cat(enc(t, cctalk.CRC16, cctalk.Frame{Dest: 40, Header: cctalk.HeaderReadBillEvents}), enc(t, cctalk.CRC16, cctalk.Frame{Dest: 1, Data: []byte{1, 2, 3}})),
			[][]byte{enc(t, cctalk.CRC16, cctalk.Frame{Dest: 1, Data: []byte{1, 2, 3}})}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// All at once, and byte by byte: frames are split across reads.
			for _, chunk := range []int{len(tc.in) + 1, 1} {
				s := tc.stream
				s.Sent(tc.sent)
				var frames []cctalk.Frame
				var errs []error
				for in := tc.in; len(in) > 0; {
					n := min(chunk, len(in))
					s.Write(in[:n])
					in = in[n:]
					f, e := drain(t, &s)
					frames, errs = append(frames, f...), append(errs, e...)
				}
				if len(frames) != len(tc.want) {
					t.Fatalf("chunk %d: %d frames %+v, want %d", chunk, len(frames), frames, len(tc.want))
				}
				for i, f := range frames {
					if got := enc(t, tc.stream.Mode, f); tc.stream.Mode == cctalk.Checksum && !bytes.Equal(got, tc.want[i]) {
						t.Errorf("chunk %d: frame %d = % x, want % x", chunk, i, got, tc.want[i])
					}
				}
				if len(errs) != len(tc.errs) {
					t.Fatalf("chunk %d: errors %v, want %v", chunk, errs, tc.errs)
				}
				for i := range errs {
					if !errors.Is(errs[i], tc.errs[i]) {
						t.Errorf("chunk %d: error %d = %v, want %v", chunk, i, errs[i], tc.errs[i])
					}
				}
				if s.Buffered() != tc.pending {
					t.Errorf("chunk %d: %d bytes buffered, want %d", chunk, s.Buffered(), tc.pending)
				}
			}
		})
	}
}

func TestStreamReset(t *testing.T) {
	s := cctalk.Stream{Echo: true, To: []byte{1}}
	s.Sent([]byte{0x28, 0x00, 0x01, 0x9F, 0x38})
	s.Write([]byte{0x28, 0x00, 0x01, 0x9F, 0x38, 0x01, 0x0B, 0x28}) // echo, then a reply cut short
	if _, err := s.Next(); !errors.Is(err, cctalk.ErrNeedMore) || s.Buffered() != 3 {
		t.Fatalf("Next = %v with %d buffered", err, s.Buffered())
	}
	s.Reset()
	ack := []byte{0x01, 0x00, 0x28, 0x00, 0xD7}
	s.Write(ack)
	f, err := s.Next()
	if err != nil || f.Src != 40 {
		t.Fatalf("after Reset: %+v, %v", f, err)
	}
}
