package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/devices/escpos"
	"bianmin/devices/printer"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

const timeout = 300 * time.Millisecond

type rig struct {
	dir     string
	bench   *sim.Bench
	sim     *sim.Printer
	capture string
	clock   *simtest.Clock
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	capture := filepath.Join(dir, "capture.bin")
	b, p, err := sim.RunPrinter(dir, capture)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &rig{dir: dir, bench: b, sim: p, capture: capture, clock: simtest.NewClock(simtest.Epoch)}
}

func (r *rig) config() printer.Config {
	return printer.Config{Port: filepath.Join(r.dir, "printer"), Baud: 115200, StatusTimeout: timeout, Now: r.clock.Now}
}

func (r *rig) open(t *testing.T) *printer.Driver {
	t.Helper()
	return simtest.Open(t, printer.Open, r.config())
}

func (r *rig) do(t *testing.T, words ...string) {
	t.Helper()
	if words[0] != "unplug" && words[0] != "replug" {
		words = append([]string{"printer"}, words...) // fault modes need the device named
	}
	simtest.Do(t, r.bench, words...)
}

// captured returns the commands the sim received, decoded.
func (r *rig) captured(t *testing.T) []escpos.Cmd {
	t.Helper()
	b, err := os.ReadFile(r.capture)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

func receipt(t testing.TB, lines ...string) []byte {
	t.Helper()
	d := escpos.New().Init().ChineseMode(true).Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("便民服务").
		Size(1, 1).Bold(false).Align(escpos.AlignLeft)
	for _, l := range lines {
		d.Line(l)
	}
	b, err := d.QR([]byte("https://example.org/t/123"), 6, escpos.ECM).Feed(3).Cut(false).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ctx(t *testing.T) context.Context { return simtest.Context(t, 20*time.Second) }

func TestStatusPerInjectedState(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	for _, tc := range []struct {
		name   string
		events [][]string
		want   error // from Status().Err(), Ready and Print
		alerts []string
		paper  bool // NeedsPaper
	}{
		{"ok", nil, nil, nil, false},
		{"near end", [][]string{{"paper", "near"}}, nil, []string{"paper near end"}, true},
		{"paper end", [][]string{{"paper", "end"}}, printer.ErrPaperEnd, nil, true},
		{"cover open", [][]string{{"cover", "open"}}, printer.ErrCoverOpen, nil, false},
		{"offline", [][]string{{"offline", "on"}}, printer.ErrOffline, nil, false},
		{"jam", [][]string{{"jam"}}, printer.ErrMechanical, nil, false},
		{"cutter", [][]string{{"cutter", "error"}}, printer.ErrCutter, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.do(t, "reset")
			os.Truncate(r.capture, 0)
			for _, ev := range tc.events {
				r.do(t, ev...)
			}
			st, err := d.Status(ctx(t))
			if err != nil {
				t.Fatalf("Status: %v", err)
			}
			if err := st.Err(); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("Status().Err() = %v, want %v", err, tc.want)
			}
			if fmt.Sprint(st.Alerts()) != fmt.Sprint(tc.alerts) || st.NeedsPaper() != tc.paper {
				t.Errorf("Alerts %q NeedsPaper %v", st.Alerts(), st.NeedsPaper())
			}
			if got, err := d.State(); got != st || err != nil {
				t.Errorf("State() = %+v, %v; want %+v", got, err, st)
			}
			err = d.Ready(ctx(t))
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("Ready() = %v, want %v", err, tc.want)
			}
			doc := receipt(t, "状态测试")
			err = d.Print(ctx(t), doc)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("Print() = %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if want := "printer: print: " + strings.TrimPrefix(tc.want.Error(), "printer: "); err.Error() != want {
					t.Errorf("message %q, want %q", err, want)
				}
				// Refused means not sent: the printer saw status requests only.
				for _, c := range r.captured(t) {
					if c.Kind != escpos.KindStatusRequest {
						t.Fatalf("printer received %v while %s", c.Kind, tc.name)
					}
				}
				if txt := r.sim.Text(); txt != "" {
					t.Errorf("printed %q", txt)
				}
				return
			}
			if got, want := r.sim.Text(), plain(t, doc); got != want {
				t.Errorf("printed %q, want %q", got, want)
			}
		})
	}
}

func plain(t *testing.T, doc []byte) string {
	cmds, err := escpos.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return escpos.PlainText(cmds)
}

func TestPrintDeliversDocument(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	doc := receipt(t, "事项：临时身份证", "取号：A023", "Tel 12345")
	if err := d.Print(ctx(t), doc); err != nil {
		t.Fatal(err)
	}
	// Print returns after the post-print status check, which the printer
	// answers only after taking the whole document.
	var got []byte
	for _, c := range r.sim.Printed() {
		got = append(got, c.Raw...)
	}
	if !bytes.Equal(got, doc) {
		t.Errorf("printer got % x\nwant % x", got, doc)
	}
	if txt := r.sim.Text(); !strings.Contains(txt, "取号：A023\n") || txt != plain(t, doc) {
		t.Errorf("printed %q", txt)
	}
}

// Image bytes that happen to read DLE EOT n get answered by a real printer; the
// driver must not take those answers for its post-print check.
func TestPrintImageContainingStatusRequests(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.do(t, "paper", "near") // DLE EOT 4 answers 1E: as a DLE EOT 2 reply it means cover open
	img := escpos.NewBitmap(576, 64)
	raster, err := escpos.New().Raster(img, 0).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	copy(raster[len(raster)-3:], []byte{0x10, 0x04, 0x04})
	// Slow the printer so the stray answer comes after the driver's drain.
	r.sim.SetBaud(115200)
	if err := d.Print(ctx(t), raster); err != nil {
		t.Fatalf("Print: %v", err)
	}
	st, _ := d.State()
	if !st.PaperNearEnd || st.CoverOpen {
		t.Errorf("state after print %+v", st)
	}
}

func TestNotAPrinter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		want   error
		msg    string
	}{
		{"mute", "mute", printer.ErrNoAnswer, "printer: open: no answer to status request (is this a printer?)"},
		{"garbage", "garbage", printer.ErrGarbage, "printer: open: unexpected status byte 0xFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.do(t, "answer", tc.answer)
			tty := r.bench.Link("printer").TTY()
			before := simtest.OpenFDs(t, tty)
			start := time.Now()
			d, err := printer.Open(r.config())
			elapsed := time.Since(start)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Errorf("err = %q, want %q", err, tc.msg)
			}
			if tc.want == printer.ErrNoAnswer && (elapsed < timeout || elapsed > timeout+time.Second) {
				t.Errorf("no answer reported after %v, timeout %v", elapsed, timeout)
			}
			if after := simtest.OpenFDs(t, tty); after != before {
				t.Errorf("port left open: %d descriptors on %s, %d before", after, tty, before)
			}
		})
	}
}

func TestOpenMissingPort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "printer")
	_, err := printer.Open(printer.Config{Port: path})
	if !errors.Is(err, serialport.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if want := "printer: open: serial: open " + path + ": no such port"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestFlowControlIsSet(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.Flow = serialport.FlowRTSCTS
	d, err := printer.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	simtest.WantFlow(t, cfg.Port, serialport.FlowRTSCTS)
}

// A device that adds unasked bytes around every reply.
func TestTolerateUnaskedBytes(t *testing.T) {
	dir := t.TempDir()
	l, err := sim.NewLink(filepath.Join(dir, "printer"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		conn, err := l.Conn()
		if err != nil {
			return
		}
		var req [3]byte
		for {
			if _, err := io.ReadFull(conn, req[:]); err != nil {
				return
			}
			// An ASB block, the reply, then stray bytes and a partial block
			// that the next request must not take for its reply.
			conn.Write([]byte{0x10, 0x00, 0x00, 0x00, 0x12, 0xFF, 0x00, 0x10, 0x00})
		}
	}()
	d, err := printer.Open(printer.Config{Port: l.Path(), StatusTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 3 {
		if _, err := d.Status(ctx(t)); err != nil {
			t.Fatalf("Status %d: %v", i, err)
		}
	}
}

func TestUnplugMidPrintThenReplug(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.Baud = 9600
	d, err := printer.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r.sim.SetBaud(9600)
	big := receipt(t, strings.Repeat("一二三四五六七八九十 0123456789\n", 400)) // ~13 s at 9600
	errc := make(chan error, 1)
	go func() { errc <- d.Print(ctx(t), big) }()
	for r.sim.Received() < 2000 {
		time.Sleep(10 * time.Millisecond)
	}
	r.do(t, "unplug")
	select {
	case err := <-errc:
		if !errors.Is(err, printer.ErrDisconnected) || !strings.HasPrefix(err.Error(), "printer: print: disconnected: ") {
			t.Fatalf("Print = %v, want disconnected", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Print did not notice the unplug")
	}
	if _, err := d.State(); !errors.Is(err, printer.ErrDisconnected) {
		t.Errorf("State() err = %v", err)
	}
	// Unplugged: reopening fails and starts the backoff.
	if _, err := d.Status(ctx(t)); !errors.Is(err, printer.ErrDisconnected) {
		t.Errorf("Status unplugged = %v", err)
	}

	r.do(t, "replug")
	r.sim.SetBaud(0)
	r.do(t, "reset")
	// Within the backoff the driver does not touch the port.
	if _, err := d.Status(ctx(t)); !errors.Is(err, printer.ErrDisconnected) {
		t.Errorf("Status within backoff = %v", err)
	}
	if n := r.sim.Requests(); n != 0 {
		t.Errorf("%d requests reached the printer within the backoff", n)
	}
	r.clock.Advance(time.Second)
	doc := receipt(t, "重新连接")
	if err := d.Print(ctx(t), doc); err != nil {
		t.Fatalf("Print after replug: %v", err)
	}
	if got := r.sim.Text(); got != plain(t, doc) {
		t.Errorf("printed %q", got)
	}
}

// Unplugged and replugged while idle: the first call finds the stale port and
// reopens it without failing.
func TestReplugWhileIdle(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	old := r.bench.Link("printer").TTY()
	r.do(t, "unplug")
	r.do(t, "replug")
	if _, err := d.Status(ctx(t)); err != nil {
		t.Fatalf("Status after idle replug (tty %s -> %s): %v", old, r.bench.Link("printer").TTY(), err)
	}
	if err := d.Print(ctx(t), receipt(t, "ok")); err != nil {
		t.Fatal(err)
	}
}

func TestBackoffGrows(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.do(t, "unplug")
	status := func() error { _, err := d.Status(ctx(t)); return err }
	if err := status(); !errors.Is(err, printer.ErrDisconnected) {
		t.Fatalf("unplugged Status = %v", err)
	}
	r.do(t, "replug")
	// The failed reopen above armed a 250 ms backoff; a second failure would
	// double it. Step the clock and watch when the reopen happens.
	r.clock.Advance(200 * time.Millisecond)
	if err := status(); !errors.Is(err, printer.ErrDisconnected) {
		t.Errorf("Status at +200ms = %v, want still disconnected", err)
	}
	r.clock.Advance(100 * time.Millisecond)
	if err := status(); err != nil {
		t.Errorf("Status at +300ms = %v", err)
	}
}

func TestCancelledPrint(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines int
	}{
		{"while waiting for the printer", 400}, // ~10 KB: all in the pty's buffer at once
		{"while blocked in write", 10000},      // ~250 KB: write blocks until the printer takes more
	} {
		t.Run(tc.name, func(t *testing.T) { testCancelledPrint(t, tc.lines) })
	}
}

func testCancelledPrint(t *testing.T, lines int) {
	r := newRig(t)
	d := r.open(t)
	r.sim.SetBaud(9600)
	big := receipt(t, strings.Repeat("取消打印测试 cancel\n", lines))
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := d.Print(c, big)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Print = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancel took %v", el)
	}
	r.sim.SetBaud(0)
	if _, err := d.Status(ctx(t)); err != nil {
		t.Errorf("Status after cancel: %v", err)
	}
}

// The UI polls Status while a print runs; State answers at once.
func TestConcurrentUse(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.sim.SetBaud(115200)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := d.Status(ctx(t)); err != nil {
				t.Errorf("Status: %v", err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			done := make(chan struct{})
			go func() { d.State(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Second):
				t.Error("State blocked")
				return
			}
		}
	}()
	for i := range 5 {
		if err := d.Print(ctx(t), receipt(t, fmt.Sprintf("第%d张", i), strings.Repeat("x", 2000))); err != nil {
			t.Errorf("Print %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	if got := strings.Count(r.sim.Text(), "便民服务"); got != 5 {
		t.Errorf("%d receipts printed, want 5", got)
	}
}
