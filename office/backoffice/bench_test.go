package backoffice_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// benchTickets is how many tickets the back office benchmark holds: years
// of a busy street office.
const benchTickets = 100_000

// benchFixture is a back office over a store holding benchTickets tickets
// in every state, seeded once per test binary (go test calls a benchmark
// several times while it sizes b.N).
type benchFixture struct {
	dir   string
	store *sqlite.Store
	srv   *httptest.Server
	seed  time.Duration
	now   time.Time
}

var (
	benchOnce sync.Once
	bench     *benchFixture
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		bench.srv.Close()
		bench.store.Close()
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// seedBench ingests benchTickets tickets (and a rating for every tenth) as
// one kiosk batch, in one transaction, then spreads them over the states
// of the loop in one more: 80 % closed, the rest open, a share of those
// dispatched and overdue.
func seedBench() (*benchFixture, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "backoffice-bench-")
	if err != nil {
		return nil, err
	}
	f := &benchFixture{dir: dir, now: officetest.T0}
	if f.store, err = sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName)); err != nil {
		return nil, err
	}
	s := f.store
	units, _ := office.UnitItems(officetest.UnitFixtures())
	grid, _ := office.GridItems(officetest.GridFixtures())
	if _, err := s.Publish(ctx, office.ClassUnits, units, f.now); err != nil {
		return nil, err
	}
	if _, err := s.Publish(ctx, office.ClassGrid, grid, f.now); err != nil {
		return nil, err
	}
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	if err := s.AddEnrollCode(ctx, office.EnrollCode{Hash: hash, KioskName: "bench", Created: f.now, Expires: f.now.Add(time.Hour)}); err != nil {
		return nil, err
	}
	sim := officetest.NewKiosk("")
	k, err := s.Enroll(ctx, office.Enrollment{CodeHash: hash, PublicKey: sim.Pub, At: f.now})
	if err != nil {
		return nil, err
	}
	// A year of tickets, one every five minutes, the newest at now.
	clock := f.now.Add(-benchTickets * 5 * time.Minute)
	sim.Now = func() time.Time { return clock }
	communities := []string{"huayuan", "haicheng"}
	recs := make([]wire.Record, 0, benchTickets*11/10)
	for i := range benchTickets {
		clock = clock.Add(5 * time.Minute)
		tk := sim.SampleData(bianmin.KindTicket, int64(i+1), 0).(*bianmin.Ticket)
		tk.Community = communities[i%len(communities)]
		recs = append(recs, sim.Record(bianmin.KindTicket, tk))
		if i%10 == 0 {
			recs = append(recs, sim.Record(bianmin.KindRating, &bianmin.Rating{Record: recs[len(recs)-1].ID,
				Service: bianmin.KindTicket, Level: 1 + (i/10)%5}))
		}
	}
	start := time.Now()
	if _, err := s.Ingest(ctx, office.Nonce{KioskID: k.ID, Value: sign.NewNonce(), TS: f.now}, recs, f.now); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", sqlite.DSN(s.Path(), "immediate"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// States by rowid modulo 100; deadlines three days after creation, so
	// the older dispatched tickets are overdue and the newest are not.
	_, err = db.ExecContext(ctx, `UPDATE tickets SET
		state = CASE
			WHEN (rowid * 37 % 101) % 100 < 80 THEN 'closed'
			WHEN (rowid * 37 % 101) % 100 < 85 THEN 'submitted'
			WHEN (rowid * 37 % 101) % 100 < 88 THEN 'accepted'
			WHEN (rowid * 37 % 101) % 100 < 94 THEN 'dispatched'
			WHEN (rowid * 37 % 101) % 100 < 97 THEN 'resolved'
			WHEN (rowid * 37 % 101) % 100 < 98 THEN 'called_back'
			WHEN (rowid * 37 % 101) % 100 < 99 THEN 'reopened'
			ELSE 'duplicate' END,
		unit_id = CASE WHEN (rowid * 37 % 101) % 100 < 80 OR (rowid * 37 % 101) % 100 >= 88 AND (rowid * 37 % 101) % 100 < 99
			THEN (CASE rowid % 5 WHEN 0 THEN 'water' WHEN 1 THEN 'drainage' WHEN 2 THEN 'heating' WHEN 3 THEN 'street' ELSE 'safety' END)
			ELSE '' END,
		deadline = CASE WHEN (rowid * 37 % 101) % 100 < 80 OR (rowid * 37 % 101) % 100 >= 88 AND (rowid * 37 % 101) % 100 < 99
			THEN strftime('%Y-%m-%dT%H:%M:%f000Z', created, '+3 days') END,
		resolved_at = CASE WHEN (rowid * 37 % 101) % 100 < 80 OR (rowid * 37 % 101) % 100 >= 94 AND (rowid * 37 % 101) % 100 < 98
			THEN strftime('%Y-%m-%dT%H:%M:%f000Z', created, '+' || (rowid % 72) || ' hours') END,
		result = CASE WHEN (rowid * 37 % 101) % 100 < 80 OR (rowid * 37 % 101) % 100 >= 94 AND (rowid * 37 % 101) % 100 < 98 THEN '已处理' ELSE '' END`)
	if err != nil {
		return nil, err
	}
	f.seed = time.Since(start)
	su, err := backoffice.NewStaffUser(ctx, s, "clerk", office.RoleClerk, "", password)
	if err != nil {
		return nil, err
	}
	if _, err := s.AddUser(ctx, su, office.AuditEntry{At: f.now, Action: "user.add"}); err != nil {
		return nil, err
	}
	h, err := backoffice.New(backoffice.Config{Store: s, Now: func() time.Time { return f.now }})
	if err != nil {
		return nil, err
	}
	f.srv = httptest.NewServer(h)
	return f, nil
}

// benchClient logs in as the clerk.
func benchClient(b *testing.B, base string) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/staff/login")
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 64<<10)
	n, _ := resp.Body.Read(body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body[:n])
	if m == nil {
		b.Fatal("no login token")
	}
	resp, err = c.PostForm(base+"/staff/login", url.Values{"csrf": {string(m[1])}, "name": {"clerk"}, "password": {password}})
	if err != nil || resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/staff/" {
		b.Fatalf("login: %v", err)
	}
	resp.Body.Close()
	return c
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	d := sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	return float64(d.Microseconds()) / 1000
}

// BenchmarkBackOffice100k measures the dashboard and the ticket list with
// benchTickets tickets stored: p50 and p99 of each page over 40 requests
// per iteration, against the floor of the same server answering its
// stylesheet (a request that reads no data) — the ratio is how many such
// round trips a page costs.
func BenchmarkBackOffice100k(b *testing.B) {
	benchOnce.Do(func() { bench, benchErr = seedBench() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	b.Logf("seeded %d tickets in %v (one ingest transaction, one update)", benchTickets, bench.seed.Round(time.Millisecond))
	c := benchClient(b, bench.srv.URL)
	pages := []struct{ name, path string }{
		{"floor", "/staff/style.css"},
		{"dashboard", "/staff/"},
		{"list", "/staff/tickets"},
		{"list-deep", "/staff/tickets?page=1500"},
		{"list-filtered", "/staff/tickets?state=dispatched&community=haicheng&page=3"},
		{"list-overdue", "/staff/tickets?overdue=1"},
		{"list-unit", "/staff/tickets?unit=water&page=2"},
	}
	lat := map[string][]time.Duration{}
	get := func(path string) time.Duration {
		start := time.Now()
		resp, err := c.Get(bench.srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 32<<10)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return time.Since(start)
	}
	for _, p := range pages {
		get(p.path) // warm the page cache and the connection
	}
	b.ResetTimer()
	for range b.N {
		for range 40 {
			for _, p := range pages {
				lat[p.name] = append(lat[p.name], get(p.path))
			}
		}
	}
	b.StopTimer()
	for _, p := range pages {
		slices.Sort(lat[p.name])
	}
	floor := pct(lat["floor"], 0.5)
	for _, p := range pages[1:] {
		b.ReportMetric(pct(lat[p.name], 0.50), p.name+"-p50-ms")
		b.ReportMetric(pct(lat[p.name], 0.99), p.name+"-p99-ms")
	}
	b.ReportMetric(floor, "floor-p50-ms")
	b.ReportMetric(pct(lat["dashboard"], 0.5)/floor, "dashboard/floor")
	b.ReportMetric(pct(lat["list"], 0.5)/floor, "list/floor")
	if testing.Verbose() {
		for _, p := range pages {
			fmt.Printf("%-14s p50 %7.2f ms  p99 %7.2f ms\n", p.name, pct(lat[p.name], 0.5), pct(lat[p.name], 0.99))
		}
	}
}
