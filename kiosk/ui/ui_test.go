package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/assets"
	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
	"bianmin/devices/printer"
	"bianmin/devices/scanner"
	"bianmin/kiosk"
	"bianmin/kiosk/receipt"
	"bianmin/office/inmem"
)

// memPrinter is an in-memory printer.Printer: it keeps what it was sent and
// reports an injectable status.
type memPrinter struct {
	mu      sync.Mutex
	status  printer.Status
	err     error
	printed [][]byte
}

var _ printer.Printer = (*memPrinter)(nil)

func (p *memPrinter) Status(context.Context) (printer.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.err
}

func (p *memPrinter) Ready(ctx context.Context) error {
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

func (p *memPrinter) Print(ctx context.Context, data []byte) error {
	if err := p.Ready(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed = append(p.printed, append([]byte(nil), data...))
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

type fixture struct {
	app   *App
	win   fyne.Window
	prn   *memPrinter
	clock *clock
	cfg   kiosk.Config
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	test.NewTempApp(t)
	t.Setenv("LANG", "C.UTF-8")
	// The in-memory guide service keeps these tests free of cgo (SQLite); the
	// store passes the same search contract in its own tests.
	guides, err := assets.Guides()
	if err != nil {
		t.Fatal(err)
	}
	db, err := inmem.NewGuideService(guides)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{prn: &memPrinter{}, clock: &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)}, cfg: kiosk.Defaults()}
	f.cfg.PublicBaseURL = "https://office.example.cn"
	f.win = test.NewTempWindow(t, widget.NewLabel(""))
	f.win.Resize(fyne.NewSize(1080, 1920))
	f.app, err = New(f.win, Deps{
		Guides:  db,
		Printer: f.prn,
		Checklist: func(g bianmin.Guide, c kiosk.Config) ([]byte, error) {
			return receipt.Checklist(g, c.Letterhead(), c.GuideURL(g.ID), f.clock.now())
		},
		TestPage: func(c kiosk.Config) ([]byte, error) {
			return receipt.TestPage(receipt.TestInfo{Office: c.OfficeName, Kiosk: c.KioskName, Now: f.clock.now()})
		},
		Config:     func() kiosk.Config { return f.cfg },
		SaveConfig: func(c kiosk.Config) error { f.cfg = c; return c.Validate() },
		Ports:      func() []string { return []string{"/dev/ttyS0", "/dev/ttyUSB0"} },
		Now:        f.clock.now,
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Async:      func(fn func()) { fn() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) home(t *testing.T) *homeScreen {
	t.Helper()
	h, ok := f.app.Current().(*homeScreen)
	if !ok {
		t.Fatalf("current screen is %T, want home", f.app.Current())
	}
	return h
}

func (f *fixture) guides(t *testing.T) *guidesScreen {
	t.Helper()
	g, ok := f.app.Current().(*guidesScreen)
	if !ok {
		t.Fatalf("current screen is %T, want guides", f.app.Current())
	}
	return g
}

// texts collects every label and button text on the window, for "what does a
// resident see" assertions.
func texts(win fyne.Window) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.Button:
			b.WriteString(w.Text + "\n")
		case *widget.RichText:
			b.WriteString(w.String() + "\n")
		case *widget.Entry:
			b.WriteString(w.Text + "\n")
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
		if w, ok := o.(fyne.Widget); ok {
			if r := test.WidgetRenderer(w); r != nil {
				for _, ch := range r.Objects() {
					walk(ch)
				}
			}
		}
	}
	walk(win.Content())
	for _, o := range win.Canvas().Overlays().List() {
		walk(o)
	}
	return b.String()
}

func TestGuideFlowPrintsChecklist(t *testing.T) {
	f := newFixture(t)
	test.Tap(f.home(t).tiles["guides"])
	g := f.guides(t)
	test.Type(g.entry, "低保")
	test.Tap(g.search)
	g = f.guides(t)
	btn, ok := g.results["dibao-apply"]
	if !ok {
		t.Fatalf("search 低保 did not list dibao-apply; results %v", keys(g.results))
	}
	test.Tap(btn)
	d, ok := f.app.Current().(*detailScreen)
	if !ok {
		t.Fatalf("current screen is %T, want detail", f.app.Current())
	}
	if !strings.Contains(texts(f.win), "最低生活保障") {
		t.Error("detail page does not show the guide title")
	}
	test.Tap(d.print)
	if len(f.prn.printed) != 1 {
		t.Fatalf("printer received %d jobs, want 1", len(f.prn.printed))
	}
	cmds, err := escpos.Decode(f.prn.printed[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(escpos.PlainText(cmds), "最低生活保障") {
		t.Error("printed checklist lacks the guide title")
	}
	if d.status.Text != tr("print.done") {
		t.Errorf("status after printing = %q", d.status.Text)
	}
}

func TestPrintRefusedWhenPaperOut(t *testing.T) {
	f := newFixture(t)
	f.prn.status = printer.Status{PaperEnd: true, PaperEndStop: true, Offline: true}
	f.app.Push(&detailScreen{app: f.app, id: "dibao-apply"})
	d := f.app.Current().(*detailScreen)
	test.Tap(d.print)
	if len(f.prn.printed) != 0 {
		t.Fatal("printed while out of paper")
	}
	if !strings.Contains(d.status.Text, tr("reason.paper_end")) {
		t.Errorf("status %q does not say the paper is out", d.status.Text)
	}
}

func TestSendToPhoneShowsGuideURL(t *testing.T) {
	f := newFixture(t)
	f.app.Push(&detailScreen{app: f.app, id: "temporary-id-card"})
	test.Tap(f.app.Current().(*detailScreen).send)
	if !strings.Contains(texts(f.win), "https://office.example.cn/guides/temporary-id-card") {
		t.Error("the QR pop-up does not show the guide's public URL")
	}
}

func TestIdleTimeoutReturnsHomeAndWipes(t *testing.T) {
	f := newFixture(t)
	test.Tap(f.home(t).tiles["guides"])
	g := f.guides(t)
	test.Type(g.entry, "医保")
	test.Tap(g.search)

	f.clock.advance(59 * time.Second)
	f.app.Tick()
	if strings.Contains(texts(f.win), tr("idle.title")) {
		t.Fatal("countdown shown before the idle timeout")
	}
	f.clock.advance(2 * time.Second)
	f.app.Tick()
	if !strings.Contains(texts(f.win), tr("idle.title")) {
		t.Fatal("no 还在吗？ countdown after 61 s without a touch")
	}
	f.clock.advance(10 * time.Second)
	f.app.Tick()
	f.home(t)
	if strings.Contains(texts(f.win), tr("idle.title")) {
		t.Error("countdown still shown after the session ended")
	}
	test.Tap(f.home(t).tiles["guides"])
	if got := f.guides(t).entry.Text; got != "" {
		t.Errorf("search text survived the session: %q", got)
	}
}

func TestTouchDuringCountdownKeepsSession(t *testing.T) {
	f := newFixture(t)
	test.Tap(f.home(t).tiles["guides"])
	f.clock.advance(65 * time.Second)
	f.app.Tick()
	f.app.Touch()
	f.clock.advance(30 * time.Second)
	f.app.Tick()
	f.guides(t)
}

func TestEnglishSwitchChangesLabels(t *testing.T) {
	f := newFixture(t)
	if got := f.home(t).tiles["guides"]; got == nil {
		t.Fatal("no guides tile")
	}
	before := texts(f.win)
	if !strings.Contains(before, "办事指南") {
		t.Fatalf("home is not in Chinese by default:\n%s", before)
	}
	f.app.setLanguageChoice("en")
	after := texts(f.win)
	for _, want := range []string{"Service guides", "Temporary ID card", "中文"} {
		if !strings.Contains(after, want) {
			t.Errorf("English home lacks %q:\n%s", want, after)
		}
	}
	test.Tap(f.home(t).tiles["guides"])
	if !strings.Contains(texts(f.win), "Search") {
		t.Error("guides screen not in English after the switch")
	}
	f.app.EndSession()
	if !strings.Contains(texts(f.win), "办事指南") {
		t.Error("a new session does not start in the default language")
	}
}

func TestUnbuiltServicesAreNotOffered(t *testing.T) {
	f := newFixture(t)
	h := f.home(t)
	for _, k := range []string{"tempid", "pay", "report", "progress"} {
		if !h.tiles[k].Disabled() {
			t.Errorf("tile %s is tappable but the service is not built", k)
		}
	}
	if h.tiles["guides"].Disabled() {
		t.Error("guides tile disabled")
	}
}

func TestTechnicianGestureAndPIN(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.app.logoTapped()
	}
	pin, ok := f.app.Current().(*pinScreen)
	if !ok {
		t.Fatalf("five taps on the logo gave %T, want the PIN screen", f.app.Current())
	}
	for _, k := range "111111" {
		test.Tap(pin.keys[string(k)])
	}
	test.Tap(pin.keys["ok"])
	pin = f.app.Current().(*pinScreen)
	if pin.message != tr("tech.pin_wrong") {
		t.Fatalf("wrong PIN message %q", pin.message)
	}
	for _, k := range kiosk.DefaultTechPIN {
		test.Tap(pin.keys[string(k)])
	}
	test.Tap(pin.keys["ok"])
	ts, ok := f.app.Current().(*techScreen)
	if !ok {
		t.Fatalf("right PIN gave %T, want technician screen", f.app.Current())
	}
	tech := ts.printer
	tech.port.SetSelected("/dev/ttyUSB0")
	tech.baud.SetSelected("9600")
	tech.flow.SetSelected("rtscts")
	test.Tap(tech.save)
	if f.cfg.Printer.Port != "/dev/ttyUSB0" || f.cfg.Printer.Baud != 9600 || f.cfg.Printer.Flow.String() != "rtscts" {
		t.Errorf("saved printer config %+v", f.cfg.Printer)
	}
	test.Tap(f.app.Current().(*techScreen).printer.test)
	if len(f.prn.printed) != 1 {
		t.Errorf("test print sent %d jobs", len(f.prn.printed))
	}
	// Technician mode leaves by itself after five idle minutes.
	f.clock.advance(5*time.Minute + time.Second)
	f.app.Tick()
	f.home(t)
}

func TestSlowLogoTapsDoNotOpenPIN(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.app.logoTapped()
		f.clock.advance(time.Second)
	}
	f.home(t)
}

func TestCategoryBrowsingAndPaging(t *testing.T) {
	f := newFixture(t)
	test.Tap(f.home(t).tiles["guides"])
	g := f.guides(t)
	if len(g.results) != 6 {
		t.Fatalf("first page lists %d guides, want 6", len(g.results))
	}
	first := keys(g.results)
	g.pg.page++
	f.app.render()
	g = f.guides(t)
	for _, id := range keys(g.results) {
		for _, prev := range first {
			if id == prev {
				t.Errorf("guide %s on two pages", id)
			}
		}
	}
	test.Tap(g.cats["户籍证件"])
	g = f.guides(t)
	if _, ok := g.results["temporary-id-card"]; !ok || len(g.results) == 0 {
		t.Errorf("category 户籍证件 lists %v", keys(g.results))
	}
	test.Tap(g.hot["党"])
	if _, ok := f.guides(t).results["party-membership-transfer"]; ok {
		t.Error("hot word within a category other than the guide's should not list it")
	}
	test.Tap(f.guides(t).cats[""])
	if _, ok := f.guides(t).results["party-membership-transfer"]; !ok {
		t.Error("search 党 across all categories misses the party guide")
	}
}

func keys(m map[string]*widget.Button) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestChangePINAndLiveStatusText(t *testing.T) {
	f := newFixture(t)
	f.app.tech = true
	f.app.Push(&techScreen{app: f.app})
	f.app.Push(&pinScreen{app: f.app, set: true})
	pin := f.app.Current().(*pinScreen)
	for _, k := range "97531" { // too short: refused, nothing saved
		test.Tap(pin.keys[string(k)])
	}
	test.Tap(pin.keys["ok"])
	if !f.cfg.CheckPIN(kiosk.DefaultTechPIN) {
		t.Fatal("a 5-digit PIN was saved")
	}
	pin = f.app.Current().(*pinScreen)
	for _, k := range "97531864" {
		test.Tap(pin.keys[string(k)])
	}
	test.Tap(pin.keys["ok"])
	tech, ok := f.app.Current().(*techScreen)
	if !ok || !f.cfg.CheckPIN("97531864") || tech.message != tr("tech.pin_changed") {
		t.Fatalf("after a valid new PIN: screen %T, message %q", f.app.Current(), tech.message)
	}

	if got := statusText(printer.Status{}); got != tr("status.ok") {
		t.Errorf("healthy printer reads %q", got)
	}
	got := statusText(printer.Status{Offline: true, PaperEnd: true, PaperEndStop: true})
	if !strings.Contains(got, tr("status.paper_end")) || !strings.Contains(got, tr("status.offline")) {
		t.Errorf("paper end reads %q", got)
	}
}

func TestSyncPageEnrollsAndSyncs(t *testing.T) {
	f := newFixture(t)
	info := SyncInfo{Server: "", Pending: 3}
	var enrolled, synced []string
	f.app.deps.Sync = func(context.Context) SyncInfo { return info }
	f.app.deps.SyncNow = func(context.Context) error {
		synced = append(synced, "round")
		return errors.New("officed: 503 unavailable")
	}
	f.app.deps.Enroll = func(_ context.Context, server, code string) error {
		enrolled = append(enrolled, server+" "+code)
		info.Enrolled, info.KioskID, info.Server = true, "K01TEST", server
		return nil
	}
	f.app.tech = true
	f.app.Push(&techScreen{app: f.app})
	ts := f.app.Current().(*techScreen)
	test.Tap(ts.tabs["tech.sync"])
	sp := ts.sync
	if !sp.syncNow.Disabled() {
		t.Error("sync now offered before enrollment")
	}
	if !strings.Contains(texts(f.win), tr("tech.not_enrolled")) {
		t.Error("page does not say the kiosk is not enrolled")
	}
	test.Type(sp.serverEntry, "https://office.example.cn")
	test.Type(sp.codeEnt, "ABCD-1234")
	test.Tap(sp.enroll)
	if len(enrolled) != 1 || enrolled[0] != "https://office.example.cn ABCD-1234" {
		t.Fatalf("enroll calls %v", enrolled)
	}
	if !strings.Contains(texts(f.win), "K01TEST") {
		t.Error("kiosk id not shown after enrollment")
	}
	test.Tap(sp.syncNow)
	if len(synced) != 1 || !strings.Contains(texts(f.win), "503") {
		t.Errorf("sync now: %v; page:\n%s", synced, texts(f.win))
	}
}

// memReader is an in-memory ID-card reader holding one card.
type memReader struct{ card idcard.Card }

func (r *memReader) Status(context.Context) error { return nil }
func (r *memReader) Read(context.Context) (idcard.Card, error) {
	if r.card.IDNumber == "" {
		return idcard.Card{}, idcard.ErrNoCard
	}
	return r.card, nil
}
func (r *memReader) WaitCard(ctx context.Context, _ time.Duration) error {
	if r.card.IDNumber == "" {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// memScanner delivers the scans it was given.
type memScanner struct{ scans []scanner.Scan }

func (s *memScanner) Scans(ctx context.Context) <-chan scanner.Scan {
	ch := make(chan scanner.Scan, len(s.scans))
	for _, sc := range s.scans {
		ch <- sc
	}
	close(ch)
	return ch
}
func (s *memScanner) Status(context.Context) (scanner.Status, error) {
	return scanner.Status{Connected: true}, nil
}

func TestDevicePagesTestsMaskPersonalData(t *testing.T) {
	f := newFixture(t)
	f.app.deps.IDReader = &memReader{card: idcard.Card{Type: "resident", Name: "王小明", Gender: "男",
		IDNumber: "230103198503121239", ValidTo: "2035-03-12"}}
	f.app.deps.Scanner = &memScanner{scans: []scanner.Scan{
		{Code: "134567890123456789", Class: scanner.ClassWeChat},
		{Err: scanner.ErrGarbage},
	}}
	f.app.tech = true
	f.app.Push(&techScreen{app: f.app})
	ts := f.app.Current().(*techScreen)

	test.Tap(ts.tabs["tech.idreader"])
	test.Tap(ts.idReader.test)
	page := texts(f.win)
	if !strings.Contains(page, "王*") || !strings.Contains(page, "2301**********1239") {
		t.Errorf("read-card test does not show the masked card:\n%s", page)
	}
	if strings.Contains(page, "王小明") || strings.Contains(page, "230103198503121239") {
		t.Error("read-card test shows personal data unmasked")
	}

	test.Tap(ts.tabs["tech.scanner"])
	ts.scanner.port.SetSelected("/dev/ttyS0")
	test.Tap(ts.scanner.save)
	if f.cfg.Scanner.Port != "/dev/ttyS0" || f.cfg.Scanner.Suffix != scanner.SuffixCR {
		t.Errorf("scanner settings %+v", f.cfg.Scanner)
	}
	test.Tap(ts.scanner.test)
	page = texts(f.win)
	if !strings.Contains(page, "wechat") || strings.Contains(page, "134567890123456789") {
		t.Errorf("scan test must show the class and a masked code:\n%s", page)
	}
	if !strings.Contains(page, tr("tech.scan_error", map[string]any{"Error": scanner.ErrGarbage.Error()})) {
		t.Errorf("scan test does not report the unreadable line:\n%s", page)
	}
}
