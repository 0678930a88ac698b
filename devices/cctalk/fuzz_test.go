package cctalk_test

import (
	"bytes"
	"errors"
	"testing"

	"bianmin/devices/cctalk"
)

// Seeds beyond these are committed under testdata/fuzz.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x02, 0x00, 0x01, 0xFE, 0xFF}, false)
	f.Add([]byte{0x02, 0x00, 0xB1, 0xFE, 0x60}, true)
	f.Fuzz(func(t *testing.T, data []byte, crc bool) {
		m := cctalk.Checksum
		if crc {
			m = cctalk.CRC16
		}
		fr, err := cctalk.Decode(m, data)
		if err != nil {
			for _, known := range []error{cctalk.ErrTruncated, cctalk.ErrBadLength, cctalk.ErrTooLong, cctalk.ErrChecksum} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		}
		if crc {
			fr.Src = data[2] // re-encoding computes it again
		}
		again, err := cctalk.Encode(m, fr)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoded % x (%v), decoded from % x", again, err, data)
		}
	})
}

func FuzzStream(f *testing.F) {
	f.Add([]byte{0x02, 0x00, 0x01, 0xFE, 0xFF, 0x01, 0x00, 0x02, 0x00, 0xFD}, []byte{0x02, 0x00, 0x01, 0xFE, 0xFF}, true, false, false, uint8(1))
	f.Add([]byte{0x01, 0xFE, 0x01, 0x00, 0x02, 0x00, 0xFD}, []byte{}, false, false, true, uint8(3))
	f.Fuzz(func(t *testing.T, data, sent []byte, echo, crc, hostOnly bool, chunk uint8) {
		s := cctalk.Stream{Echo: echo}
		if crc {
			s.Mode = cctalk.CRC16
		}
		if hostOnly {
			s.To = []byte{cctalk.AddrHost}
		}
		s.Sent(sent)
		step := int(chunk)%16 + 1
		calls := 0
		for in := data; len(in) > 0; {
			n := min(step, len(in))
			s.Write(in[:n])
			in = in[n:]
			for {
				calls++
				if calls > 4*len(data)+16 {
					t.Fatalf("Next keeps going after %d calls on %d bytes", calls, len(data))
				}
				fr, err := s.Next()
				if errors.Is(err, cctalk.ErrNeedMore) {
					break
				}
				if err != nil {
					continue
				}
				if hostOnly && fr.Dest != cctalk.AddrHost {
					t.Fatalf("frame to %d with To = host", fr.Dest)
				}
				b, err := cctalk.Encode(s.Mode, fr)
				if err != nil {
					t.Fatal(err)
				}
				if s.Mode == cctalk.Checksum && !bytes.Contains(data, b) {
					t.Fatalf("frame % x is not in the input", b)
				}
			}
			if s.Buffered() > len(data) {
				t.Fatalf("%d bytes buffered of %d", s.Buffered(), len(data))
			}
		}
	})
}

func FuzzEventBuffer(f *testing.F) {
	f.Add([]byte{7, 4, 0, 4, 1, 0, 10, 3, 1, 0, 0}, byte(5))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, byte(200))
	f.Fuzz(func(t *testing.T, data []byte, prev byte) {
		b, err := cctalk.ParseBuffer(data)
		if (err == nil) != (len(data) == cctalk.BufferLen) {
			t.Fatalf("%d bytes: %v", len(data), err)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("Bytes % x, parsed from % x", b.Bytes(), data)
		}
		entries, err := b.Since(prev)
		n := cctalk.NewEvents(prev, b.Counter)
		switch {
		case b.Counter == 0 && prev != 0:
			if !errors.Is(err, cctalk.ErrReset) || len(entries) != 0 {
				t.Fatalf("reset: %v, %v", entries, err)
			}
			return
		case n > 5:
			var lost *cctalk.LostError
			if !errors.As(err, &lost) || lost.Missed != n-5 || len(entries) != 5 {
				t.Fatalf("%d new: %d entries, %v", n, len(entries), err)
			}
		case err != nil || len(entries) != n:
			t.Fatalf("%d new: %d entries, %v", n, len(entries), err)
		}
		for i, e := range entries {
			if e.Counter == 0 {
				t.Fatalf("entry %d has counter 0", i)
			}
			if e.Pair != b.Events[len(entries)-1-i] {
				t.Fatalf("entry %d is %v, not the buffer's", i, e)
			}
			if i > 0 && cctalk.NextCounter(entries[i-1].Counter) != e.Counter {
				t.Fatalf("counters %d then %d", entries[i-1].Counter, e.Counter)
			}
			_ = e.Bill()
			_ = e.Coin()
		}
		if len(entries) > 0 && entries[len(entries)-1].Counter != b.Counter {
			t.Fatalf("newest entry %d, counter %d", entries[len(entries)-1].Counter, b.Counter)
		}
	})
}
