package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin"
	"bianmin/assets"
	"bianmin/devices/escpos"
	"bianmin/kiosk"
	"bianmin/kiosk/receipt"
	"bianmin/kiosk/store"
)

// memServices is an in-memory stand-in for the kiosk store's service side:
// tickets queued, ratings queued, statuses known.
type memServices struct {
	tickets  []bianmin.Ticket
	ratings  []bianmin.Rating
	statuses map[string]store.Service
	lastSync time.Time
}

func (m *memServices) wire(t *testing.T, f *fixture) {
	grid, err := assets.Grid()
	if err != nil {
		t.Fatal(err)
	}
	d := &f.app.deps
	d.Communities = func(context.Context) ([]bianmin.Community, error) { return grid, nil }
	d.SubmitTicket = func(_ context.Context, tk *bianmin.Ticket) (string, error) {
		tk.Channel = "kiosk"
		tk.Number = bianmin.NewNumber('T', f.clock.now(), "483920", int64(len(m.tickets)+1))
		tk.Secret = bianmin.NewSecret()
		if err := tk.Validate(); err != nil {
			return "", err
		}
		m.tickets = append(m.tickets, *tk)
		return "rec-" + tk.Number, nil
	}
	d.TicketSlip = func(tk bianmin.Ticket, place string, c kiosk.Config) ([]byte, error) {
		return receipt.TicketSlip(tk, place, c.Letterhead(), c.StatusURL(tk.Number, tk.Secret), f.clock.now())
	}
	d.Rate = func(_ context.Context, r bianmin.Rating) error {
		if err := r.Validate(); err != nil {
			return err
		}
		m.ratings = append(m.ratings, r)
		return nil
	}
	d.LookupService = func(_ context.Context, n string) (store.Service, error) {
		if s, ok := m.statuses[n]; ok {
			return s, nil
		}
		return store.Service{}, store.ErrUnknownService
	}
	d.LastSync = func(context.Context) time.Time { return m.lastSync }
	f.app.Home() // rebuild home with the services present
}

func TestReportFlowQueuesPrintsAndRates(t *testing.T) {
	f := newFixture(t)
	m := &memServices{}
	m.wire(t, f)
	if f.home(t).tiles["report"].Disabled() {
		t.Fatal("report tile disabled although the service is wired")
	}
	test.Tap(f.home(t).tiles["report"])
	r := f.app.Current().(*reportScreen)
	tap := func(label string) {
		t.Helper()
		b, ok := f.app.Current().(*reportScreen).choices[label]
		if !ok {
			t.Fatalf("no choice %q on step %d", label, f.app.Current().(*reportScreen).step)
		}
		test.Tap(b)
	}
	tap("供水")
	comm := r.grid[0]
	tap(comm.Name)
	bldg := comm.Buildings[0]
	tap(bldg.Name)
	tap(bldg.Units[0])
	tap(bldg.Rooms()[0])
	tap("家中无水")
	tap("水压太低")
	test.Tap(r.next)
	for _, k := range "1381234567" { // ten digits: refused
		test.Tap(r.keys[string(k)])
	}
	test.Tap(r.next)
	if r.step != stepPhone || r.error == "" {
		t.Fatalf("a 10-digit phone moved on (step %d, error %q)", r.step, r.error)
	}
	test.Tap(r.keys["8"])
	test.Tap(r.next)
	if r.step != stepConfirm {
		t.Fatalf("step %d after a valid phone", r.step)
	}
	if page := texts(f.win); !strings.Contains(page, "138****5678") || strings.Contains(page, "13812345678") {
		t.Errorf("confirm page must show the phone masked:\n%s", page)
	}
	test.Tap(r.submit)

	if len(m.tickets) != 1 {
		t.Fatalf("%d tickets queued", len(m.tickets))
	}
	tk := m.tickets[0]
	if tk.Category != "供水" || tk.Community != comm.ID || tk.Building != bldg.ID || len(tk.Phrases) != 2 || tk.Phone != "13812345678" {
		t.Errorf("queued ticket %+v", tk)
	}
	done, ok := f.app.Current().(*ticketDoneScreen)
	if !ok {
		t.Fatalf("after submit: %T", f.app.Current())
	}
	if !strings.Contains(texts(f.win), tk.Number) || done.slip.String() != tr("report.slip_printed") {
		t.Errorf("done screen: status %q", done.slip)
	}
	if len(f.prn.printed) != 1 {
		t.Fatalf("%d slips printed", len(f.prn.printed))
	}
	cmds, _ := escpos.Decode(f.prn.printed[0])
	if !strings.Contains(escpos.PlainText(cmds), tk.Number) {
		t.Error("slip lacks the ticket number")
	}
	var qr string
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			qr = string(c.Data)
		}
	}
	if qr != "https://office.example.cn/status/"+tk.Number+"?s="+tk.Secret {
		t.Errorf("slip QR %q", qr)
	}

	test.Tap(done.rate)
	rs := f.app.Current().(*ratingScreen)
	if !rs.submit.Disabled() {
		t.Error("rating can be sent without a level")
	}
	test.Tap(rs.levels[2])
	test.Tap(rs.reason["等待太久"])
	test.Tap(rs.submit)
	if len(m.ratings) != 1 || m.ratings[0].Level != 2 || m.ratings[0].Record != "rec-"+tk.Number || m.ratings[0].Reasons[0] != "等待太久" {
		t.Fatalf("ratings %+v", m.ratings)
	}
	test.Tap(f.app.Current().(*doneScreen).home)
	f.home(t)
	if len(f.app.stack) != 1 {
		t.Error("session not ended after the rating")
	}
}

func TestReportQueuedEvenWhenPrinterIsOut(t *testing.T) {
	f := newFixture(t)
	m := &memServices{}
	m.wire(t, f)
	f.prn.status.PaperEnd, f.prn.status.PaperEndStop, f.prn.status.Offline = true, true, true
	r := &reportScreen{app: f.app, step: stepConfirm}
	grid, _ := f.app.deps.Communities(context.Background())
	r.comm, r.bldg = &grid[0], &grid[0].Buildings[0]
	r.t = bianmin.Ticket{Category: "楼道照明", Community: grid[0].ID, Building: grid[0].Buildings[0].ID, Phrases: []string{"楼道灯不亮"}, Phone: "13900001111"}
	f.app.Push(r)
	test.Tap(r.submit)
	if len(m.tickets) != 1 {
		t.Fatal("ticket not queued while the printer is out")
	}
	done := f.app.Current().(*ticketDoneScreen)
	if !strings.Contains(done.slip.String(), tr("reason.paper_end")) {
		t.Errorf("done screen does not say why there is no slip: %q", done.slip)
	}
	if !strings.Contains(texts(f.win), m.tickets[0].Number) {
		t.Error("the number is not on screen")
	}
}

func TestProgressByKeypad(t *testing.T) {
	f := newFixture(t)
	m := &memServices{statuses: map[string]store.Service{}, lastSync: f.clock.now().Add(-3 * time.Hour)}
	m.wire(t, f)
	st := &store.ServiceStatus{Number: "T20261125-483920-0042", Kind: "ticket", State: "dispatched"}
	st.Timeline = append(st.Timeline, struct {
		State string    `json:"state"`
		At    time.Time `json:"at"`
		Note  string    `json:"note,omitempty"`
	}{"dispatched", f.clock.now().Add(-4 * time.Hour), "派至南岗区供水公司"})
	m.statuses[st.Number] = store.Service{Number: st.Number, Kind: "ticket", Summary: "供水", Status: st}

	test.Tap(f.home(t).tiles["progress"])
	p := f.app.Current().(*progressScreen)
	for _, k := range []string{"T", "2", "0", "2", "6", "1", "1", "2", "5", "4", "8", "3", "9", "2", "0", "0", "0", "4", "2"} {
		test.Tap(p.keys[k])
	}
	if got := formatNumber(p.number); got != st.Number {
		t.Fatalf("typed %q", got)
	}
	test.Tap(p.lookup)
	page := texts(f.win)
	for _, want := range []string{tr("state.dispatched"), "派至南岗区供水公司", tr("progress.as_of", map[string]any{"Age": tr("age.hours", map[string]any{"N": 3})})} {
		if !strings.Contains(page, want) {
			t.Errorf("progress page lacks %q:\n%s", want, page)
		}
	}
	test.Tap(p.keys["C"])
	for _, k := range "T2026112548392" {
		test.Tap(p.keys[string(k)])
	}
	test.Tap(p.lookup)
	if !strings.Contains(texts(f.win), tr("progress.unknown")) {
		t.Error("an unknown number does not say so")
	}
}

// TestHomeOffersMobileReportQR: the home screen carries the QR of officed's
// mobile report form (SPEC §2.4), built from the configured public base URL.
func TestHomeOffersMobileReportQR(t *testing.T) {
	f := newFixture(t)
	if got, want := f.home(t).qrURL, "https://office.example.cn/report"; got != want {
		t.Fatalf("home QR encodes %q, want %q", got, want)
	}
	if !strings.Contains(texts(f.win), "手机扫码，随时上报问题") {
		t.Errorf("home screen does not say what the QR is for:\n%s", texts(f.win))
	}
	f.cfg.PublicBaseURL = "http://10.0.0.5:8080/"
	f.app.EndSession()
	if got := f.home(t).qrURL; got != "http://10.0.0.5:8080/report" {
		t.Errorf("after a base URL change the QR encodes %q", got)
	}
}
