package backoffice_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// office is a back office on loopback over a real SQLite file, with a
// kiosk's tickets and application in it and the shipped-like units
// published.
type officeEnv struct {
	store *sqlite.Store
	srv   *httptest.Server
	clock *officetest.Clock
	kiosk office.Kiosk
	sim   *officetest.Kiosk
	seq   int64 // the simulated kiosk's last record number
}

// password of every test account.
const password = "correct horse battery"

// newOffice serves the back office over a fresh store; wire lets a test add
// what needs the store (payments through a gateway) to cfg first.
func newOffice(t testing.TB, cfg backoffice.Config, wire ...func(*sqlite.Store, *backoffice.Config)) *officeEnv {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	c := officetest.NewClock(officetest.T0.Add(time.Hour))
	cfg.Store, cfg.Now = st, c.Now
	for _, w := range wire {
		w(st, &cfg)
	}
	h, err := backoffice.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &officeEnv{store: st, srv: srv, clock: c}
	officetest.PublishUnits(t, st)
	items, err := office.GridItems(officetest.GridFixtures())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, office.ClassGrid, items, officetest.T0); err != nil {
		t.Fatal(err)
	}
	k := officetest.NewKiosk("")
	e.kiosk = officetest.Enroll(t, st, "花园街道服务大厅 1号机", k.Pub, officetest.T0)
	k.Now = func() time.Time { return officetest.T0 }
	e.sim = k
	for _, u := range []struct{ name, role, unit string }{
		{"admin", office.RoleAdmin, ""}, {"clerk", office.RoleClerk, ""},
		{"water", office.RoleUnit, "water"}, {"street", office.RoleUnit, "street"},
	} {
		su, err := backoffice.NewStaffUser(ctx, st, u.name, u.role, u.unit, password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddUser(ctx, su, office.AuditEntry{At: officetest.T0, Action: "user.add", Subject: u.name}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// push stores records as the enrolled kiosk.
func (e *officeEnv) push(t testing.TB, recs ...wire.Record) {
	t.Helper()
	n := office.Nonce{KioskID: e.kiosk.ID, Value: sign.NewNonce(), TS: officetest.T0}
	if _, err := e.store.Ingest(context.Background(), n, recs, officetest.T0); err != nil {
		t.Fatal(err)
	}
}

// tickets stores n tickets from the kiosk and returns their numbers.
func (e *officeEnv) tickets(t testing.TB, n int) []string {
	t.Helper()
	var recs []wire.Record
	var out []string
	for range n {
		e.seq++
		tk := e.sim.SampleData(bianmin.KindTicket, e.seq, 0).(*bianmin.Ticket)
		tk.Category = "供水"
		tk.Phrases = []string{bianmin.ReportPhrases["供水"][0]}
		out = append(out, tk.Number)
		recs = append(recs, e.sim.Record(bianmin.KindTicket, tk))
	}
	e.push(t, recs...)
	return out
}

// application stores one application from the kiosk.
func (e *officeEnv) application(t testing.TB) *bianmin.Application {
	t.Helper()
	e.seq++
	a := e.sim.SampleData(bianmin.KindApplication, e.seq, 0).(*bianmin.Application)
	e.push(t, e.sim.Record(bianmin.KindApplication, a))
	return a
}

func (e *officeEnv) ticket(t testing.TB, number string) office.TicketInfo {
	t.Helper()
	ti, err := e.store.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

func (e *officeEnv) counts(t testing.TB) office.Counts {
	t.Helper()
	c, err := e.store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each answer.
type browser struct {
	t    testing.TB
	e    *officeEnv
	http *http.Client
	csrf string // the last page's form token
}

func (e *officeEnv) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the status, the Location header and the
// body; it remembers the page's CSRF token.
func (b *browser) do(req *http.Request) (int, string, string) {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits form to path with the current CSRF token unless form has
// its own (or an empty one, to leave it out).
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login logs in as name and fails the test otherwise.
func (e *officeEnv) login(t testing.TB, name string) *browser {
	t.Helper()
	return e.loginWith(t, name, password)
}

func (e *officeEnv) loginWith(t testing.TB, name, password string) *browser {
	t.Helper()
	b := e.browser(t)
	if status, _, _ := b.get("/staff/login"); status != http.StatusOK {
		t.Fatalf("login page: %d", status)
	}
	status, loc, body := b.post("/staff/login", url.Values{"name": {name}, "password": {password}, "next": {"/staff/"}})
	if status != http.StatusSeeOther || loc != "/staff/" {
		t.Fatalf("login as %s: %d %q\n%s", name, status, loc, body)
	}
	if status, _, _ := b.get("/staff/"); status != http.StatusOK {
		t.Fatalf("dashboard after login: %d", status)
	}
	return b
}
