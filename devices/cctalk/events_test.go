package cctalk_test

import (
	"errors"
	"reflect"
	"testing"

	"bianmin/devices/cctalk"
)

func TestNewEvents(t *testing.T) {
	for _, tc := range []struct {
		name      string
		prev, cur byte
		want      int
	}{
		{"nothing new", 7, 7, 0},
		{"one", 7, 8, 1},
		{"five", 7, 12, 5},
		{"six", 7, 13, 6},
		{"after reset", 0, 3, 3},
		{"still reset", 0, 0, 0},
		{"reset now", 9, 0, 0},
		{"wrap 255 to 1", 255, 1, 1},
		{"wrap across", 254, 2, 3},
		{"wrap from 253 to 255", 253, 255, 2},
		{"almost a full turn", 2, 1, 254},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cctalk.NewEvents(tc.prev, tc.cur); got != tc.want {
				t.Errorf("NewEvents(%d, %d) = %d, want %d", tc.prev, tc.cur, got, tc.want)
			}
		})
	}
}

func TestCounterWrap(t *testing.T) {
	var b cctalk.Buffer
	for i := 1; i <= 300; i++ {
		b.Push(cctalk.Pair{A: byte(i), B: 0})
		if b.Counter == 0 {
			t.Fatalf("counter 0 after %d events", i)
		}
	}
	// 300 events from 0: 1…255, then 1…45.
	if b.Counter != 45 {
		t.Errorf("counter after 300 events = %d, want 45", b.Counter)
	}
	if got := cctalk.NextCounter(255); got != 1 {
		t.Errorf("NextCounter(255) = %d", got)
	}
}

func buffer(counter byte, pairs ...cctalk.Pair) cctalk.Buffer {
	b := cctalk.Buffer{Counter: counter}
	copy(b.Events[:], pairs)
	return b
}

func TestSince(t *testing.T) {
	p := func(a, b byte) cctalk.Pair { return cctalk.Pair{A: a, B: b} }
	e := func(c, a, b byte) cctalk.Entry { return cctalk.Entry{Counter: c, Pair: p(a, b)} }
	for _, tc := range []struct {
		name    string
		buf     cctalk.Buffer
		prev    byte
		want    []cctalk.Entry
		wantErr error
		missed  int
	}{
		{"no change", buffer(7, p(4, 0), p(4, 1)), 7, nil, nil, 0},
		{"escrow then stacked", buffer(7, p(4, 0), p(4, 1), p(0, 10)), 5, []cctalk.Entry{e(6, 4, 1), e(7, 4, 0)}, nil, 0},
		{"five new", buffer(12, p(1, 0), p(2, 0), p(3, 0), p(4, 0), p(5, 0)), 7,
			[]cctalk.Entry{e(8, 5, 0), e(9, 4, 0), e(10, 3, 0), e(11, 2, 0), e(12, 1, 0)}, nil, 0},
		{"six new: one lost", buffer(13, p(1, 0), p(2, 0), p(3, 0), p(4, 0), p(5, 0)), 7,
			[]cctalk.Entry{e(9, 5, 0), e(10, 4, 0), e(11, 3, 0), e(12, 2, 0), e(13, 1, 0)}, cctalk.ErrEventsLost, 1},
		{"wrap", buffer(2, p(1, 0), p(2, 0), p(3, 0)), 254, []cctalk.Entry{e(255, 3, 0), e(1, 2, 0), e(2, 1, 0)}, nil, 0},
		{"reset", buffer(0), 42, nil, cctalk.ErrReset, 0},
		{"reset seen already", buffer(0), 0, nil, nil, 0},
		{"after reset", buffer(2, p(0, 11), p(0, 12)), 0, []cctalk.Entry{e(1, 0, 12), e(2, 0, 11)}, nil, 0},
		{"many lost across the wrap", buffer(3, p(1, 0), p(1, 0), p(1, 0), p(1, 0), p(1, 0)), 250,
			[]cctalk.Entry{e(254, 1, 0), e(255, 1, 0), e(1, 1, 0), e(2, 1, 0), e(3, 1, 0)}, cctalk.ErrEventsLost, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.buf.Since(tc.prev)
			if !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
			if tc.wantErr == nil && err != nil || !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var lost *cctalk.LostError
			if errors.As(err, &lost) != (tc.missed > 0) || tc.missed > 0 && lost.Missed != tc.missed {
				t.Errorf("err = %#v, want %d missed", err, tc.missed)
			}
		})
	}
}

func TestParseBuffer(t *testing.T) {
	data := []byte{7, 4, 0, 4, 1, 0, 10, 3, 1, 0, 0}
	b, err := cctalk.ParseBuffer(data)
	if err != nil {
		t.Fatal(err)
	}
	want := buffer(7, cctalk.Pair{A: 4}, cctalk.Pair{A: 4, B: 1}, cctalk.Pair{B: 10}, cctalk.Pair{A: 3, B: 1})
	if b != want {
		t.Errorf("ParseBuffer = %+v, want %+v", b, want)
	}
	if got := b.Bytes(); !reflect.DeepEqual(got, data) {
		t.Errorf("Bytes = % x", got)
	}
	for _, n := range []int{0, 10, 12} {
		if _, err := cctalk.ParseBuffer(make([]byte, n)); !errors.Is(err, cctalk.ErrBufferLength) {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
}

func TestBillEvents(t *testing.T) {
	names := []string{
		"master inhibit active", "bill returned from escrow", "invalid bill (validation)", "invalid bill (transport)",
		"inhibited bill (serial)", "inhibited bill (DIP switches)", "bill jammed in transport (unsafe)",
		"bill jammed in stacker", "bill pulled backwards", "bill tamper", "stacker OK", "stacker removed",
		"stacker inserted", "stacker faulty", "stacker full", "stacker jammed", "bill jammed in transport (safe)",
		"opto fraud detected", "string fraud detected", "anti-string mechanism faulty", "barcode detected",
		"unknown bill type stacked",
	}
	for code, name := range names {
		t.Run(name, func(t *testing.T) {
			ev := cctalk.Pair{A: 0, B: byte(code)}.Bill()
			if ev.Kind != cctalk.BillStatusEvent || ev.Status != cctalk.BillStatus(code) || ev.Status.String() != name || !ev.Status.Known() {
				t.Errorf("code %d: %+v %q", code, ev, ev.Status)
			}
		})
	}
	for _, tc := range []struct {
		name string
		pair cctalk.Pair
		want cctalk.BillEvent
	}{
		{"stacked", cctalk.Pair{A: 4, B: 0}, cctalk.BillEvent{Kind: cctalk.BillStacked, Type: 4}},
		{"escrow", cctalk.Pair{A: 6, B: 1}, cctalk.BillEvent{Kind: cctalk.BillEscrow, Type: 6, Code: 1}},
		{"undefined", cctalk.Pair{A: 6, B: 7}, cctalk.BillEvent{Kind: cctalk.BillUndefined, Type: 6, Code: 7}},
		{"unknown status", cctalk.Pair{A: 0, B: 99}, cctalk.BillEvent{Kind: cctalk.BillStatusEvent, Status: 99, Code: 99}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pair.Bill(); got != tc.want {
				t.Errorf("%+v, want %+v", got, tc.want)
			}
		})
	}
	if s := cctalk.BillStatus(99); s.Known() || s.String() != "bill status 99" {
		t.Errorf("status 99: %v %q", s.Known(), s)
	}
	// Every constant names the row of its code.
	if cctalk.StackerFull.String() != "stacker full" || cctalk.UnknownBillStacked != 21 || cctalk.BillJammedSafe != 16 {
		t.Error("constants do not match the table")
	}
}

func TestCoinEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		pair cctalk.Pair
		want cctalk.CoinEvent
		text string
	}{
		{"accepted", cctalk.Pair{A: 3, B: 1}, cctalk.CoinEvent{Accepted: true, Type: 3, Path: 1}, ""},
		{"null", cctalk.Pair{}, cctalk.CoinEvent{Error: cctalk.CoinNullEvent}, "null event"},
		{"rejected", cctalk.Pair{B: 1}, cctalk.CoinEvent{Error: cctalk.CoinRejected}, "reject coin"},
		{"inhibited", cctalk.Pair{B: 2}, cctalk.CoinEvent{Error: cctalk.CoinInhibited}, "inhibited coin"},
		{"unnamed", cctalk.Pair{B: 200}, cctalk.CoinEvent{Error: 200}, "coin error 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.pair.Coin()
			if got != tc.want || !got.Accepted && got.Error.String() != tc.text {
				t.Errorf("%+v %q, want %+v %q", got, got.Error, tc.want, tc.text)
			}
		})
	}
}

func TestParseBillID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cctalk.BillID
		err  bool
	}{
		{"CN0020A", cctalk.BillID{Country: "CN", Value: 20, Issue: 'A'}, false},
		{"CN0100B", cctalk.BillID{Country: "CN", Value: 100, Issue: 'B'}, false},
		{".......", cctalk.BillID{}, false},
		{"CN020A", cctalk.BillID{}, true},
		{"cn0020A", cctalk.BillID{}, true},
		{"CN00x0A", cctalk.BillID{}, true},
		{"CN0020\x00", cctalk.BillID{}, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := cctalk.ParseBillID(tc.in)
			if got != tc.want || (err != nil) != tc.err || err != nil && !errors.Is(err, cctalk.ErrBillID) {
				t.Errorf("ParseBillID(%q) = %+v, %v", tc.in, got, err)
			}
			if err == nil && got.String() != tc.in {
				t.Errorf("String = %q", got.String())
			}
		})
	}
}
