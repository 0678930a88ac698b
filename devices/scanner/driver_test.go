package scanner_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/devices/scanner"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

const interChar = 100 * time.Millisecond

type rig struct {
	dir   string
	bench *sim.Bench
	sim   *sim.Scanner
	clock *simtest.Clock
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	s := sim.NewScanner()
	return &rig{dir: dir, bench: simtest.Start(t, dir, s), sim: s, clock: simtest.NewClock(t0)}
}

func (r *rig) config() scanner.Config {
	return scanner.Config{Port: filepath.Join(r.dir, "scanner"), SlipBase: base, InterChar: interChar, Now: r.clock.Now}
}

func (r *rig) open(t *testing.T) *scanner.Driver {
	t.Helper()
	return simtest.Open(t, scanner.Open, r.config())
}

// do sends a control event; scanner faults need the device named, as on the
// control socket.
func (r *rig) do(t *testing.T, words ...string) {
	t.Helper()
	simtest.Do(t, r.bench, words...)
}

func ctx(t *testing.T) context.Context { return simtest.Context(t, 20*time.Second) }

// next returns the next scan, failing the test after 5 s.
func next(t *testing.T, ch <-chan scanner.Scan) scanner.Scan {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("scan channel closed")
		}
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no scan within 5 s")
	}
	return scanner.Scan{}
}

// nextAdvancing is next for a line that only ends when the clock moves: it
// steps the injected clock past the inter-character timeout while it waits.
func (r *rig) nextAdvancing(t *testing.T, ch <-chan scanner.Scan) scanner.Scan {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s, ok := <-ch:
			if !ok {
				t.Fatal("scan channel closed")
			}
			return s
		case <-time.After(20 * time.Millisecond):
			r.clock.Advance(interChar)
		case <-deadline:
			t.Fatal("no scan within 5 s")
		}
	}
}

// quiet fails if a scan arrives within d.
func quiet(t *testing.T, ch <-chan scanner.Scan, d time.Duration) {
	t.Helper()
	select {
	case s := <-ch:
		t.Fatalf("unexpected scan %v", s)
	case <-time.After(d):
	}
}

var classCases = []struct {
	name           string
	code           string
	class          scanner.Class
	number, secret string
}{
	{"wechat", wechat, scanner.ClassWeChat, "", ""},
	{"alipay", num("28", 18), scanner.ClassAlipay, "", ""},
	{"alipay 24", num("30", 24), scanner.ClassAlipay, "", ""},
	{"slip", base + "/status/T20261125-0001?s=ab12", scanner.ClassSlip, "T20261125-0001", "ab12"},
	{"other", "hello-world", scanner.ClassOther, "", ""},
	{"foreign url", "https://example.com/status/T1?s=ab12", scanner.ClassOther, "", ""},
}

func TestRoundTripEachClassAndSuffix(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	ch := d.Scans(ctx(t))
	for _, suffix := range []scanner.Suffix{scanner.SuffixCR, scanner.SuffixLF, scanner.SuffixCRLF} {
		r.do(t, "scanner", "suffix", suffix.String())
		for _, tc := range classCases {
			t.Run(suffix.String()+"/"+tc.name, func(t *testing.T) {
				r.do(t, "scan", tc.code)
				s := next(t, ch)
				if s.Err != nil || s.Code != tc.code || s.Class != tc.class || s.Number != tc.number || s.Secret != tc.secret {
					t.Errorf("got %+v (code %q, secret %q), want %s %q", s, s.Code, s.Secret, tc.class, tc.code)
				}
				if !s.At.Equal(r.clock.Now()) {
					t.Errorf("scan at %v, clock at %v", s.At, r.clock.Now())
				}
			})
		}
		st, err := d.Status(ctx(t))
		if err != nil || !st.Connected || !st.SuffixSeen || st.Suffix != suffix {
			t.Errorf("after %v lines: Status %+v, %v", suffix, st, err)
		}
	}
	quiet(t, ch, 100*time.Millisecond) // a CR LF is one terminator, not an extra line
}

func TestFaultsThenRecovery(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	ch := d.Scans(ctx(t))
	for _, tc := range []struct {
		name    string
		event   []string
		want    error
		advance bool // the line only fails once the clock moves
	}{
		{"garbage", []string{"scanner", "garbage"}, scanner.ErrGarbage, false},
		{"long", []string{"scanner", "long"}, scanner.ErrTooLong, false},
		{"far too long", []string{"scanner", "long", "20000"}, scanner.ErrTooLong, false},
		{"partial", []string{"scanner", "partial", wechat[:10]}, scanner.ErrPartial, true},
		{"partial url", []string{"scanner", "partial", base + "/status/T1"}, scanner.ErrPartial, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.do(t, tc.event...)
			var s scanner.Scan
			if tc.advance {
				s = r.nextAdvancing(t, ch)
			} else {
				s = next(t, ch)
			}
			if !errors.Is(s.Err, tc.want) || s.Code != "" {
				t.Fatalf("got %v, want %v", s, tc.want)
			}
			// The reader carries on: the next code reads whole.
			r.do(t, "scan", wechat)
			if s := next(t, ch); s.Err != nil || s.Code != wechat {
				t.Errorf("after %s: %v", tc.name, s)
			}
		})
	}
	t.Run("longest line taken", func(t *testing.T) {
		r.do(t, "scanner", "long", "512")
		if s := next(t, ch); s.Err != nil || len(s.Code) != 512 || s.Class != scanner.ClassOther {
			t.Errorf("512-byte line: %v", s)
		}
	})
	st, err := d.Status(ctx(t))
	if err != nil || st.Lines != 11 || st.Errors != 5 || st.Dropped != 0 {
		t.Errorf("Status %+v, %v; want 11 lines, 5 errors", st, err)
	}
}

// Without a fake clock a line sent slowly but steadily is one line: the
// timeout is between bytes, not for the whole line.
func TestSlowLineIsOneLine(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.Now = nil
	// Generous, as other processes may share the machine; the line below still
	// takes longer than this to arrive.
	cfg.InterChar = time.Second
	d, err := scanner.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ch := d.Scans(ctx(t))
	r.sim.SetBaud(1200) // a byte every 8.3 ms
	start := time.Now()
	r.do(t, "scanner", "long", "150") // 1.26 s on the wire
	s := next(t, ch)
	if s.Err != nil || len(s.Code) != 150 {
		t.Fatalf("got %v", s)
	}
	if el := time.Since(start); el < cfg.InterChar {
		t.Errorf("151 bytes at 1200 baud took %v: not paced", el)
	}
	// And a line that really stalls fails on the real clock too.
	r.sim.SetBaud(0)
	start = time.Now()
	r.do(t, "scanner", "partial", "13456")
	if s := next(t, ch); !errors.Is(s.Err, scanner.ErrPartial) {
		t.Errorf("partial on the real clock: %v", s)
	}
	if el := time.Since(start); el < cfg.InterChar {
		t.Errorf("partial reported after %v, timeout %v", el, cfg.InterChar)
	}
}

func TestUnplugReplugWithoutRestart(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	ch := d.Scans(ctx(t))
	r.do(t, "scan", wechat)
	if s := next(t, ch); s.Code != wechat {
		t.Fatalf("got %v", s)
	}

	// A line in progress when the cable goes is cut off.
	r.do(t, "scanner", "partial", "1345")
	if _, err := d.Status(ctx(t)); err != nil { // the driver has read it
		t.Fatal(err)
	}
	r.do(t, "unplug")
	if s := next(t, ch); !errors.Is(s.Err, scanner.ErrPartial) {
		t.Errorf("line cut by the unplug: %v", s)
	}
	if s := next(t, ch); !errors.Is(s.Err, scanner.ErrDisconnected) {
		t.Fatalf("after unplug: %v", s)
	}
	st, err := d.Status(ctx(t))
	if !errors.Is(err, scanner.ErrDisconnected) || st.Connected {
		t.Fatalf("Status unplugged: %+v, %v", st, err)
	}
	if !strings.HasPrefix(err.Error(), "scanner: status: disconnected") {
		t.Errorf("message %q", err)
	}
	if _, err := d.State(); !errors.Is(err, scanner.ErrDisconnected) {
		t.Errorf("State() err = %v", err)
	}

	// The failed reopen armed the backoff: the driver waits for the clock.
	r.do(t, "replug")
	if _, err := d.Status(ctx(t)); !errors.Is(err, scanner.ErrDisconnected) {
		t.Errorf("Status within backoff = %v", err)
	}
	r.clock.Advance(time.Second)
	if st, err := d.Status(ctx(t)); err != nil || !st.Connected {
		t.Fatalf("Status after replug: %+v, %v", st, err)
	}
	for _, tc := range classCases {
		r.do(t, "scan", tc.code)
		if s := next(t, ch); s.Err != nil || s.Code != tc.code || s.Class != tc.class {
			t.Errorf("%s after replug: %v", tc.name, s)
		}
	}
}

// Unplugged and replugged between two scans: the driver notices at once (its
// reopen at once may fall in the moment the link is away, as a real adapter's
// re-enumeration takes time) and is back after the first backoff.
func TestQuickReplug(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	ch := d.Scans(ctx(t))
	r.do(t, "replug") // pulls the cable out and puts it back
	if s := next(t, ch); !errors.Is(s.Err, scanner.ErrDisconnected) {
		t.Fatalf("got %v", s)
	}
	r.clock.Advance(250 * time.Millisecond)
	if _, err := d.Status(ctx(t)); err != nil {
		t.Fatalf("Status after a quick replug: %v", err)
	}
	r.do(t, "scan", wechat)
	if s := next(t, ch); s.Code != wechat {
		t.Errorf("got %v", s)
	}
}

func TestBackoffGrows(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.do(t, "unplug")
	status := func() error { _, err := d.Status(ctx(t)); return err }
	for range 2 { // the second call surely follows a failed reopen
		if err := status(); !errors.Is(err, scanner.ErrDisconnected) {
			t.Fatalf("unplugged Status = %v", err)
		}
	}
	// First failure: retry 250 ms later; that one fails too: retry 500 ms after.
	r.clock.Advance(300 * time.Millisecond)
	if err := status(); !errors.Is(err, scanner.ErrDisconnected) {
		t.Fatalf("Status = %v", err)
	}
	r.do(t, "replug")
	r.clock.Advance(400 * time.Millisecond)
	if err := status(); !errors.Is(err, scanner.ErrDisconnected) {
		t.Errorf("Status at +400ms of a 500 ms backoff = %v", err)
	}
	r.clock.Advance(200 * time.Millisecond)
	if err := status(); err != nil {
		t.Errorf("Status after the backoff = %v", err)
	}
}

// A kiosk that boots with the scanner unplugged: New does not fail, and the
// driver starts reading when the scanner appears.
func TestNewBeforeThePortExists(t *testing.T) {
	dir := t.TempDir()
	c := simtest.NewClock(t0)
	d, err := scanner.New(scanner.Config{Port: filepath.Join(dir, "scanner"), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ch := d.Scans(ctx(t))
	_, err = d.Status(ctx(t))
	if !errors.Is(err, scanner.ErrDisconnected) || !errors.Is(err, serialport.ErrNotFound) {
		t.Fatalf("Status without a port = %v", err)
	}
	s := sim.NewScanner()
	simtest.Start(t, dir, s)
	c.Advance(time.Second)
	if _, err := d.Status(ctx(t)); err != nil {
		t.Fatalf("Status once plugged: %v", err)
	}
	if err := s.Scan(wechat); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); got.Class != scanner.ClassWeChat {
		t.Errorf("got %v", got)
	}
}

func TestOpenMissingPort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scanner")
	_, err := scanner.Open(scanner.Config{Port: path})
	if !errors.Is(err, serialport.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if want := "scanner: open: serial: open " + path + ": no such port"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if _, err := scanner.Open(scanner.Config{Port: path, SlipBase: "nope"}); !errors.Is(err, scanner.ErrConfig) {
		t.Errorf("bad slip base: %v", err)
	}
}

func TestOneReceiverAtATime(t *testing.T) {
	r := newRig(t)
	d := r.open(t)

	// No one listening: dropped, and not kept for a later receiver.
	r.do(t, "scan", num("10", 18))
	if st, _ := d.Status(ctx(t)); st.Dropped != 1 || st.Lines != 1 {
		t.Errorf("Status %+v, want 1 line dropped", st)
	}
	first := d.Scans(ctx(t))
	c2, cancel2 := context.WithCancel(ctx(t))
	second := d.Scans(c2)
	if _, ok := <-first; ok {
		t.Error("the first channel got a scan")
	}
	r.do(t, "scan", wechat)
	if s := next(t, second); s.Code != wechat {
		t.Errorf("second receiver got %v", s)
	}
	cancel2()
	select {
	case _, ok := <-second:
		if ok {
			t.Error("scan after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after its ctx ended")
	}
	third := d.Scans(ctx(t))
	r.do(t, "scan", num("30", 16))
	if s := next(t, third); s.Class != scanner.ClassAlipay {
		t.Errorf("third receiver got %v", s)
	}
}

func TestCloseReleasesEverything(t *testing.T) {
	r := newRig(t)
	tty := r.bench.Link("scanner").TTY()
	before := simtest.OpenFDs(t, tty)
	d, err := scanner.Open(r.config())
	if err != nil {
		t.Fatal(err)
	}
	ch := d.Scans(ctx(t))
	if simtest.OpenFDs(t, tty) == before {
		t.Fatal("no descriptor open on the tty")
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, ok := <-ch; ok {
		t.Error("channel open after Close")
	}
	if after := simtest.OpenFDs(t, tty); after != before {
		t.Errorf("%d descriptors on %s after Close, %d before", after, tty, before)
	}
	if _, err := d.Status(ctx(t)); !errors.Is(err, scanner.ErrClosed) {
		t.Errorf("Status after Close = %v", err)
	}
	if _, ok := <-d.Scans(ctx(t)); ok {
		t.Error("Scans after Close delivered")
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestFlowControlIsSet(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.Flow = serialport.FlowRTSCTS
	d, err := scanner.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	simtest.WantFlow(t, cfg.Port, serialport.FlowRTSCTS)
}

// What was scanned before the driver listened (a code held for minutes) is
// not taken for a fresh scan.
func TestInputBeforeOpenIsDiscarded(t *testing.T) {
	r := newRig(t)
	if err := r.sim.Scan(wechat); err != nil {
		t.Fatal(err)
	}
	d := r.open(t)
	ch := d.Scans(ctx(t))
	quiet(t, ch, 200*time.Millisecond)
	r.do(t, "scan", num("28", 18))
	if s := next(t, ch); s.Class != scanner.ClassAlipay {
		t.Errorf("got %v", s)
	}
}
