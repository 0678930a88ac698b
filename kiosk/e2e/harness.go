// Package e2e drives the kiosk the way a resident does — through the touch
// screens (fyne.io/fyne/v2/test), against the four device simulators on real
// pseudo-terminals and a real officed (SQLite file, sync API and public pages)
// on loopback — and checks what reaches the office and what the printer got.
//
// The harness is in a non-test file so every service's end-to-end test uses
// the same wiring; the screens are wired exactly as the kiosk binary wires
// them (ui.RuntimeDeps).
package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/escpos"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
	"bianmin/kiosk"
	"bianmin/kiosk/demo"
	"bianmin/kiosk/ui"
	"bianmin/office"
	"bianmin/office/sandbox"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
	"bianmin/office/web"
)

// Office is a real officed on loopback: the SQLite store, the sync API with
// the sandbox payment gateway, and the public pages. It can be stopped and
// started again on the same address, so a kiosk sees it go down and come
// back.
type Office struct {
	Store *sqlite.Store
	URL   string // http://127.0.0.1:PORT

	t       testing.TB
	addr    string
	handler http.Handler
	mu      sync.Mutex
	srv     *http.Server
}

// StartOffice opens a store in a temporary directory and serves it.
func StartOffice(t testing.TB) *Office {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := office.SeedShipped(ctx, st, log, time.Now()); err != nil {
		t.Fatal(err)
	}
	api, err := syncapi.New(syncapi.Config{Store: st, Logger: log,
		Payments: office.NewPayments(st, sandbox.New(st, nil), log, nil)})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewHandler(web.Config{Guides: st, Logger: log, Residents: st,
		Grid: func(ctx context.Context) ([]bianmin.Community, error) { return office.LoadGrid(ctx, st) }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", pages)
	o := &Office{Store: st, t: t, handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.addr = ln.Addr().String()
	o.URL = "http://" + o.addr
	o.serve(ln)
	t.Cleanup(o.Stop)
	return o
}

func (o *Office) serve(ln net.Listener) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.srv = &http.Server{Handler: o.handler, ReadHeaderTimeout: 5 * time.Second}
	go o.srv.Serve(ln)
}

// Stop takes officed off the network: connections are refused until Start.
func (o *Office) Stop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.srv != nil {
		o.srv.Close()
		o.srv = nil
	}
}

// Start serves again on the same address.
func (o *Office) Start() {
	o.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger a moment
		if ln, err = net.Listen("tcp", o.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		o.t.Fatalf("officed cannot listen on %s again: %v", o.addr, err)
	}
	o.serve(ln)
}

// EnrollCode returns a fresh one-time enrollment code for a kiosk.
func (o *Office) EnrollCode(name string) string {
	o.t.Helper()
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	now := time.Now()
	if err := o.Store.AddEnrollCode(context.Background(), office.EnrollCode{Hash: hash, KioskName: name, Created: now, Expires: now.Add(time.Hour)}); err != nil {
		o.t.Fatal(err)
	}
	return code
}

// Records returns the records of kind officed holds.
func (o *Office) Records(kind string) []office.StoredRecord {
	o.t.Helper()
	recs, err := o.Store.Records(context.Background(), office.RecordFilter{})
	if err != nil {
		o.t.Fatal(err)
	}
	var out []office.StoredRecord
	for _, r := range recs {
		if r.Record.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// Kiosk is a kiosk runtime on its own data directory with the four device
// simulators, and its touch interface in a test window.
type Kiosk struct {
	RT      *kiosk.Runtime
	App     *ui.App
	Win     fyne.Window
	Printer *sim.Printer
	IDCard  *sim.IDCard
	Cash    *sim.Cash
	Scanner *sim.Scanner
	Bench   *sim.Bench

	t  testing.TB
	ui chan func() // UI updates from device goroutines, run by Pump
}

// StartKiosk opens a kiosk in a temporary directory, starts its simulators,
// enrolls it with o (nil: never enrolled) and shows its home screen.
func StartKiosk(t testing.TB, o *Office) *Kiosk {
	t.Helper()
	ctx := context.Background()
	test.NewTempApp(t)
	t.Setenv("LANG", "zh_CN.UTF-8")
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt, err := kiosk.Open(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	k := &Kiosk{RT: rt, t: t, Printer: sim.NewPrinter(), IDCard: sim.NewIDCard(), Cash: sim.NewCash(), Scanner: sim.NewScanner(),
		ui: make(chan func(), 1024)}
	devs := filepath.Join(dir, "devices")
	k.Bench = simtest.Start(t, devs, k.Printer, k.IDCard, k.Cash, k.Scanner)
	if err := demo.Point(rt, devs); err != nil {
		t.Fatal(err)
	}
	cfg := rt.Config()
	cfg.KioskName = "花园社区1号机"
	if o != nil {
		cfg.PublicBaseURL = o.URL
	}
	if err := rt.SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if o != nil {
		if _, err := rt.Enroll(ctx, o.URL, o.EnrollCode(cfg.KioskName)); err != nil {
			t.Fatal(err)
		}
	}
	k.Win = test.NewTempWindow(t, widget.NewLabel(""))
	k.Win.Resize(fyne.NewSize(1080, 1920))
	deps := ui.RuntimeDeps(rt, log)
	// Device work runs where the tap ran, so a flow has finished when Tap
	// returns; the devices themselves are still the simulators on ptys.
	deps.Async = func(f func()) { f() }
	// Updates from device goroutines (a credit journaled, a code scanned)
	// wait for the test goroutine, which runs them whenever it looks at or
	// touches the screen: the widgets are only ever used from one goroutine.
	deps.UI = func(f func()) { k.ui <- f }
	if k.App, err = ui.New(k.Win, deps); err != nil {
		t.Fatal(err)
	}
	return k
}

// Pump runs the UI updates waiting from device goroutines.
func (k *Kiosk) Pump() {
	for {
		select {
		case f := <-k.ui:
			f()
		default:
			return
		}
	}
}

// Await pumps UI updates until cond holds, failing the test after 20 s.
func (k *Kiosk) Await(what string, cond func() bool) {
	k.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		k.Pump()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("timed out waiting for %s; the screen shows:\n%s", what, k.Texts())
		}
		select {
		case f := <-k.ui:
			f()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// AwaitText pumps UI updates until some text on screen contains s.
func (k *Kiosk) AwaitText(s string) {
	k.t.Helper()
	k.Await("the screen to show "+strconv.Quote(s), func() bool { return k.Sees(s) })
}

// Sync runs one full push and pull with officed.
func (k *Kiosk) Sync() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return k.RT.SyncNow(ctx)
}

// MustSync runs one full push and pull with officed and fails the test
// when it does not succeed.
func (k *Kiosk) MustSync() {
	k.t.Helper()
	if err := k.Sync(); err != nil {
		k.t.Fatal(err)
	}
}

// Do sends a control event to the simulators, as `kioskctl sim ctl` would
// ("jam", "unplug cash" …), and fails the test when it is refused.
func (k *Kiosk) Do(words ...string) string {
	k.t.Helper()
	return simtest.Do(k.t, k.Bench, words...)
}

// Scan holds code to the scanner's window.
func (k *Kiosk) Scan(code string) {
	k.t.Helper()
	if err := k.Scanner.Scan(code); err != nil {
		k.t.Fatal(err)
	}
}

// Texts is everything a resident can read on the screen: labels, buttons,
// rich text and entries, overlays included, one per line.
func (k *Kiosk) Texts() string {
	k.Pump()
	var b strings.Builder
	walk(k.Win.Content(), func(o fyne.CanvasObject) {
		if s, ok := text(o); ok {
			b.WriteString(s + "\n")
		}
	})
	for _, o := range k.Win.Canvas().Overlays().List() {
		walk(o, func(o fyne.CanvasObject) {
			if s, ok := text(o); ok {
				b.WriteString(s + "\n")
			}
		})
	}
	return b.String()
}

// Sees reports whether some text on screen contains s.
func (k *Kiosk) Sees(s string) bool { return strings.Contains(k.Texts(), s) }

// Tap taps the first enabled button whose label is exactly label (overlays
// first, as a finger would hit them), failing the test if there is none.
func (k *Kiosk) Tap(label string) {
	k.t.Helper()
	b := k.button(label)
	if b == nil {
		k.t.Fatalf("no enabled button %q on screen; the screen shows:\n%s", label, k.Texts())
	}
	test.Tap(b)
}

// TapEach taps the buttons labelled by each rune of keys in turn: a keypad.
func (k *Kiosk) TapEach(keys string) {
	k.t.Helper()
	for _, r := range keys {
		k.Tap(string(r))
	}
}

// Has reports whether an enabled button labelled label is on screen.
func (k *Kiosk) Has(label string) bool { return k.button(label) != nil }

// button finds an enabled button labelled label, or a card (a tile: a
// title and a line of text stacked with one blank button the size of the
// card) whose title is label.
func (k *Kiosk) button(label string) *widget.Button {
	k.Pump()
	var found *widget.Button
	find := func(o fyne.CanvasObject) {
		if found != nil {
			return
		}
		if b, ok := o.(*widget.Button); ok && b.Text == label && !b.Disabled() && b.Visible() {
			found = b
			return
		}
		c, ok := o.(*fyne.Container)
		if !ok || len(c.Objects) == 0 {
			return
		}
		var b *widget.Button
		for _, ch := range c.Objects {
			if cb, ok := ch.(*widget.Button); ok && cb.Text == "" && !cb.Disabled() {
				b = cb
			}
		}
		if b == nil {
			return
		}
		titled := false
		for _, ch := range c.Objects {
			walk(ch, func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.Label); ok && l.Text == label {
					titled = true
				}
			})
		}
		if titled {
			found = b
		}
	}
	overlays := k.Win.Canvas().Overlays().List()
	for i := len(overlays) - 1; i >= 0 && found == nil; i-- {
		walk(overlays[i], find)
	}
	if found == nil {
		walk(k.Win.Content(), find)
	}
	return found
}

func text(o fyne.CanvasObject) (string, bool) {
	switch w := o.(type) {
	case *widget.Label:
		return w.Text, true
	case *widget.Button:
		return w.Text, true
	case *widget.RichText:
		return w.String(), true
	case *widget.Entry:
		return w.Text, true
	}
	return "", false
}

func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, ch := range c.Objects {
			walk(ch, visit)
		}
	}
	if w, ok := o.(fyne.Widget); ok {
		if r := test.WidgetRenderer(w); r != nil {
			for _, ch := range r.Objects() {
				walk(ch, visit)
			}
		}
	}
}

// Printed is what the printer simulator received, decoded: the text and the
// data of every native QR code.
type Printed struct {
	Text string
	QRs  []string
}

// Printed decodes everything printed so far.
func (k *Kiosk) Printed() Printed {
	cmds := k.Printer.Printed()
	p := Printed{Text: escpos.PlainText(cmds)}
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			p.QRs = append(p.QRs, string(c.Data))
		}
	}
	return p
}

// WaitPrinted waits until the printed text contains s.
func (k *Kiosk) WaitPrinted(s string) Printed {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := k.Printer.WaitText(ctx, s); err != nil {
		k.t.Fatalf("printer never printed %q (%v); it printed:\n%s", s, err, k.Printed().Text)
	}
	return k.Printed()
}

// Until polls cond (on the test goroutine) until it holds or 20 s pass.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
