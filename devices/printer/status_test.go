package printer

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDecodeStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     [4]byte
		want   Status
		err    error // of Status.Err
		alerts []string
		text   string
	}{
		{"healthy", [4]byte{0x12, 0x12, 0x12, 0x12}, Status{}, nil, nil, "ready"},
		{"paper near end", [4]byte{0x12, 0x12, 0x12, 0x1E}, Status{PaperNearEnd: true}, nil,
			[]string{"paper near end"}, "ready, paper near end"},
		// The example of the ESC/POS notes: out of paper answers 1A 32 .. 7E.
		{"paper end", [4]byte{0x1A, 0x32, 0x12, 0x7E},
			Status{Offline: true, PaperEndStop: true, PaperNearEnd: true, PaperEnd: true}, ErrPaperEnd, nil, "paper end"},
		{"cover open", [4]byte{0x1A, 0x16, 0x12, 0x12}, Status{Offline: true, CoverOpen: true}, ErrCoverOpen, nil, "cover open"},
		{"offline", [4]byte{0x1A, 0x12, 0x12, 0x12}, Status{Offline: true}, ErrOffline, nil, "offline"},
		{"feed button", [4]byte{0x1A, 0x1A, 0x12, 0x12}, Status{Offline: true, FeedButton: true}, ErrOffline, nil, "offline"},
		{"jam", [4]byte{0x1A, 0x52, 0x16, 0x12}, Status{Offline: true, Error: true, Mechanical: true}, ErrMechanical, nil,
			"mechanical error (paper jam?)"},
		{"cutter", [4]byte{0x1A, 0x52, 0x1A, 0x12}, Status{Offline: true, Error: true, CutterError: true}, ErrCutter, nil,
			"autocutter error"},
		{"unrecoverable", [4]byte{0x1A, 0x52, 0x32, 0x12}, Status{Offline: true, Error: true, Unrecoverable: true},
			ErrUnrecoverable, nil, "unrecoverable error"},
		{"auto-recoverable", [4]byte{0x1A, 0x52, 0x52, 0x12}, Status{Offline: true, Error: true, AutoRecoverable: true},
			ErrFault, nil, "error"},
		{"error bit alone", [4]byte{0x12, 0x52, 0x12, 0x12}, Status{Error: true}, ErrFault, nil, "error"},
		{"drawer bit is no error", [4]byte{0x16, 0x12, 0x12, 0x12}, Status{}, nil, nil, "ready"},
		{"mechanical bit alone", [4]byte{0x12, 0x12, 0x16, 0x12}, Status{Mechanical: true}, nil, nil, "ready"},
		{"cover beats paper", [4]byte{0x1A, 0x36, 0x12, 0x7E},
			Status{Offline: true, CoverOpen: true, PaperEndStop: true, PaperNearEnd: true, PaperEnd: true}, ErrCoverOpen, nil, "cover open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeStatus(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if err := got.Err(); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("Err() = %v, want %v", err, tc.err)
			}
			if a := got.Alerts(); !slices.Equal(a, tc.alerts) {
				t.Errorf("Alerts() = %q, want %q", a, tc.alerts)
			}
			if s := got.String(); s != tc.text {
				t.Errorf("String() = %q, want %q", s, tc.text)
			}
		})
	}
}

func TestDecodeStatusGarbage(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   [4]byte
		msg  string
	}{
		{"all ones", [4]byte{0xFF, 0x12, 0x12, 0x12}, "printer: unexpected status byte 0xFF"},
		{"bit 7", [4]byte{0x12, 0x92, 0x12, 0x12}, "printer: unexpected status byte 0x92"},
		{"ASB header", [4]byte{0x12, 0x12, 0x10, 0x12}, "printer: unexpected status byte 0x10"},
		{"zero", [4]byte{0x12, 0x12, 0x12, 0x00}, "printer: unexpected status byte 0x00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeStatus(tc.in)
			if !errors.Is(err, ErrGarbage) || err.Error() != tc.msg {
				t.Errorf("err = %v, want %q", err, tc.msg)
			}
		})
	}
	var s Status
	if err := s.Apply(5, 0x12); !errors.Is(err, ErrGarbage) {
		t.Errorf("Apply(5) = %v", err)
	}
}

func TestNeedsPaper(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Status
		want bool
	}{
		{"ok", Status{}, false},
		{"near", Status{PaperNearEnd: true}, true},
		{"end", Status{PaperEnd: true}, true},
		{"stopped", Status{PaperEndStop: true}, true},
		{"cover", Status{CoverOpen: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.NeedsPaper(); got != tc.want {
				t.Errorf("NeedsPaper = %v", got)
			}
		})
	}
}

func TestOpErrorMessage(t *testing.T) {
	err := error(&OpError{Device: "printer", Op: "print", Port: "/dev/ttyS0", Err: ErrPaperEnd})
	if err.Error() != "printer: print: paper end" || !errors.Is(err, ErrPaperEnd) {
		t.Errorf("%v", err)
	}
	err = &OpError{Device: "printer", Op: "status", Err: disconnected(errors.New("input/output error"))}
	if err.Error() != "printer: status: disconnected: input/output error" || !errors.Is(err, ErrDisconnected) {
		t.Errorf("%v", err)
	}
}

func TestStatusReader(t *testing.T) {
	const (
		A = classASB
		R = classReply
		G = classGarbage
	)
	for _, tc := range []struct {
		name   string
		stream []byte
		want   []byteClass
	}{
		{"reply", []byte{0x12}, []byteClass{R}},
		{"ASB then reply", []byte{0x10, 0x00, 0x0C, 0x00, 0x1A}, []byteClass{A, A, A, A, R}},
		{"ASB with all flags then reply", []byte{0x7C, 0x6F, 0x6F, 0x6F, 0x7E}, []byteClass{A, A, A, A, R}},
		{"two ASB blocks", []byte{0x10, 0, 0, 0, 0x14, 1, 2, 3, 0x12}, []byteClass{A, A, A, A, A, A, A, A, R}},
		{"ASB cut short by a reply", []byte{0x10, 0x00, 0x12}, []byteClass{A, A, R}},
		{"garbage", []byte{0xFF, 0x00, 0x13, 0x11}, []byteClass{G, G, G, G}},
		{"garbage ends a block", []byte{0x10, 0x80, 0x12}, []byteClass{A, G, R}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r statusReader
			var got []byteClass
			for _, b := range tc.stream {
				got = append(got, r.next(b))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("classes %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCountRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want int
	}{
		{"none", []byte("hello\n"), 0},
		{"one", []byte{0x1D, 0x76, 0x30, 0, 1, 0, 3, 0, 0x10, 0x04, 0x02}, 1},
		{"n out of range", []byte{0x10, 0x04, 0x05, 0x10, 0x04, 0x00}, 0},
		{"overlap", []byte{0x10, 0x04, 0x10, 0x04, 0x01}, 1},
		{"back to back", []byte{0x10, 0x04, 0x01, 0x10, 0x04, 0x04}, 2},
		{"cut at the end", []byte{0x10, 0x04}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := countRequests(tc.data); got != tc.want {
				t.Errorf("countRequests = %d, want %d", got, tc.want)
			}
		})
	}
}

func FuzzStatus(f *testing.F) {
	f.Add(byte(0x12), byte(0x12), byte(0x12), byte(0x12))
	f.Add(byte(0x1A), byte(0x32), byte(0x12), byte(0x7E))
	f.Fuzz(func(t *testing.T, b1, b2, b3, b4 byte) {
		b := [4]byte{b1, b2, b3, b4}
		s, err := DecodeStatus(b)
		allValid := ValidReply(b[0]) && ValidReply(b[1]) && ValidReply(b[2]) && ValidReply(b[3])
		if (err == nil) != allValid {
			t.Fatalf("% x: err %v, all valid %v", b, err, allValid)
		}
		if err != nil {
			if !errors.Is(err, ErrGarbage) || s != (Status{}) {
				t.Fatalf("% x: %v, %+v", b, err, s)
			}
			return
		}
		// Err follows the readiness rules of the ESC/POS notes exactly.
		notReady := s.Offline || s.CoverOpen || s.PaperEndStop || s.Error || s.CutterError || s.Unrecoverable || s.PaperEnd
		if (s.Err() != nil) != notReady {
			t.Fatalf("% x: %+v Err %v", b, s, s.Err())
		}
		if s.String() == "" || (s.Err() == nil) != strings.HasPrefix(s.String(), "ready") {
			t.Fatalf("% x: String %q", b, s.String())
		}
	})
}

func FuzzStatusReader(f *testing.F) {
	f.Add([]byte{0x12})
	f.Add([]byte{0x10, 0x00, 0x0C, 0x00, 0x1A, 0xFF})
	f.Fuzz(func(t *testing.T, stream []byte) {
		var r statusReader
		inBlock := 0
		for i, b := range stream {
			c := r.next(b)
			switch c {
			case classReply:
				if !ValidReply(b) {
					t.Fatalf("byte %d (%#x) taken for a reply", i, b)
				}
			case classGarbage:
				if ValidReply(b) || ASBHeader(b) {
					t.Fatalf("byte %d (%#x) called garbage", i, b)
				}
			case classASB:
				if !ASBHeader(b) && inBlock == 0 {
					t.Fatalf("byte %d (%#x) taken for ASB outside a block", i, b)
				}
			}
			if c == classASB {
				if r.inBlock() {
					inBlock = 1
				} else {
					inBlock = 0
				}
			} else {
				inBlock = 0
			}
			if r.asbN < 0 || r.asbN >= len(r.asb) {
				t.Fatalf("asbN %d", r.asbN)
			}
		}
		countRequests(stream)
	})
}
