package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/web"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// residents is officed's public pages on a real SQLite store with grid data
// published, behind a loopback server.
type residents struct {
	*server
	store *sqlite.Store
	clock *officetest.Clock
}

func testGrid() []bianmin.Community {
	workers := bianmin.GridWorkers{{Name: "张网格", Phone: "13900000001", Grid: "第一网格"}}
	return []bianmin.Community{
		{ID: "huayuan", Name: "花园社区", Address: "南岗区花园街1号", GridWorkers: workers, Buildings: []bianmin.Building{
			{ID: "3", Name: "3号楼", Units: []string{"1单元", "2单元"}, Floors: 6, RoomsPerFloor: 2},
			{ID: "5", Name: "5号楼", Units: []string{"1单元"}, Floors: 7, RoomsPerFloor: 3},
		}},
		{ID: "xinyang", Name: "新阳社区", Address: "南岗区新阳路8号", GridWorkers: workers, Buildings: []bianmin.Building{
			{ID: "3", Name: "新阳3栋", Units: []string{"1单元", "2单元", "3单元"}, Floors: 18, RoomsPerFloor: 4},
		}},
	}
}

func startResidents(t *testing.T, cfg web.Config) *residents {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	items, err := office.GridItems(testGrid())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, office.ClassGrid, items, time.Now()); err != nil {
		t.Fatal(err)
	}
	clock := officetest.NewClock(time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC))
	cfg.Guides, cfg.Residents, cfg.Now = st, st, clock.Now
	cfg.Grid = func(ctx context.Context) ([]bianmin.Community, error) { return office.LoadGrid(ctx, st) }
	cfg.ClientIP = web.ClientIPFromHeader("X-Real-IP")
	r := &residents{server: start(t, cfg), store: st, clock: clock}
	logs := r.logs
	t.Cleanup(func() {
		for _, secret := range []string{officetest.SecretPhone, officetest.SecretIDNumber, officetest.SecretName, "13812345678"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("personal data %q reached the log:\n%s", secret, logs)
			}
		}
	})
	return r
}

var tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)

// form opens the report form of category and returns its token.
func (r *residents) form(t *testing.T, category string) string {
	t.Helper()
	body := r.get(t, "/report?category="+url.QueryEscape(category), http.StatusOK)
	m := tokenField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on the form:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// post submits the report form from client and returns the status and page.
func (r *residents) post(t *testing.T, client string, v url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.URL+"/report", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Real-IP", client)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// report is a valid submission of the 供水 form.
func report(token string) url.Values {
	return url.Values{
		"token": {token}, "category": {"供水"}, "phrase": {"家中无水", "水压太低"}, "text": {"从昨天晚上开始停水。\r\n楼上也没水。"},
		"community": {"huayuan"}, "building": {"huayuan/3"}, "unit": {"2单元"}, "room": {"501"}, "phone": {"138 1234 5678"},
	}
}

func (r *residents) counts(t *testing.T) office.Counts {
	t.Helper()
	c, err := r.store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var statusLink = regexp.MustCompile(`href="(/status/[^"?]+\?s=[0-9a-z]+)"`)

func TestReportCreatesTicket(t *testing.T) {
	r := startResidents(t, web.Config{})
	chooser := r.get(t, "/report", http.StatusOK)
	for _, c := range bianmin.ReportCategories {
		if !strings.Contains(chooser, ">"+c+"</a>") {
			t.Errorf("category chooser lacks %s", c)
		}
	}
	form := r.get(t, "/report?category=%E4%BE%9B%E6%B0%B4", http.StatusOK) // 供水
	for _, want := range []string{
		`<form id="report" class="report" method="post" action="/report">`, `name="category" value="供水"`,
		`<input type="checkbox" name="phrase" value="家中无水">`, `<option value="huayuan">花园社区</option>`,
		`<optgroup label="新阳社区" data-community="xinyang">`, `<option value="xinyang/3" data-units="[&#34;1单元&#34;,&#34;2单元&#34;,&#34;3单元&#34;]">新阳3栋</option>`,
		`<option value="3单元">3单元</option>`, `name="phone" type="tel"`, `<script src="/report.js" defer></script>`,
	} {
		if !strings.Contains(form, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if strings.Contains(form, "下水道堵塞") {
		t.Error("the 供水 form offers another category's phrases")
	}

	status, page := r.post(t, "10.0.0.1", report(r.form(t, "供水")))
	if status != http.StatusOK || !strings.Contains(page, "提交成功") {
		t.Fatalf("submission: %d\n%s", status, page)
	}
	number := regexp.MustCompile(`T20261125-WEB-0001`).FindString(page)
	link := statusLink.FindStringSubmatch(page)
	if number == "" || link == nil {
		t.Fatalf("the answer lacks the number or the status link:\n%s", page)
	}
	tk, err := r.store.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != "mobile" || tk.Phone != "13812345678" || tk.Community != "huayuan" || tk.Building != "3" || tk.Unit != "2单元" ||
		tk.Room != "501" || tk.Text != "从昨天晚上开始停水。\n楼上也没水。" || strings.Join(tk.Phrases, ",") != "家中无水,水压太低" ||
		!strings.HasSuffix(link[1], "?s="+tk.Secret) {
		t.Errorf("stored ticket %+v, link %s", tk, link[1])
	}
	if strings.Contains(page, "13812345678") || strings.Contains(page, "138 1234 5678") {
		t.Error("the answer shows the phone number")
	}
	// The link opens the status page with the timeline.
	st := r.get(t, link[1], http.StatusOK)
	for _, want := range []string{number, "问题反映", "<strong>已提交</strong>", "花园社区 3号楼 2单元 501", "家中无水、水压太低", "已通过手机提交", "2026-11-25 17:30"} {
		if !strings.Contains(st, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	// Kiosks learn of it through the feed.
	ch, _ := r.store.Changes(context.Background(), office.ChangesQuery{Class: office.ClassTickets, Limit: 10})
	if len(ch.Changes) != 1 || ch.Changes[0].Key != number || strings.Contains(string(ch.Changes[0].Data), "138") {
		t.Errorf("feed after a mobile ticket: %+v", ch.Changes)
	}
}

func TestReportBadInput(t *testing.T) {
	r := startResidents(t, web.Config{})
	for _, tc := range []struct {
		name    string
		change  func(url.Values)
		message string
	}{
		{"10-digit phone", func(v url.Values) { v.Set("phone", "1381234567") }, "请填写正确的11位手机号码"},
		{"landline", func(v url.Values) { v.Set("phone", "0451-86321000") }, "请填写正确的11位手机号码"},
		{"phone with SQL", func(v url.Values) { v.Set("phone", "13812345678' OR '1'='1") }, "请填写正确的11位手机号码"},
		{"no description", func(v url.Values) { v.Del("phrase"); v.Set("text", "  ") }, "请至少选择一项问题描述"},
		{"another category's phrase", func(v url.Values) { v.Set("phrase", "下水道堵塞") }, "所选问题描述与问题类别不符"},
		{"text of 501 characters", func(v url.Values) { v.Set("text", strings.Repeat("水", 501)) }, "补充说明不能超过500字"},
		{"no community", func(v url.Values) { v.Set("community", "") }, "请选择所在社区"},
		{"unknown community", func(v url.Values) { v.Set("community", "nowhere") }, "请选择所在社区"},
		{"building of another community", func(v url.Values) { v.Set("building", "xinyang/3") }, "所选楼栋不在所选社区内"},
		{"unknown building", func(v url.Values) { v.Set("building", "huayuan/99") }, "所选楼栋不在所选社区内"},
		{"unit the building lacks", func(v url.Values) { v.Set("unit", "3单元") }, "3号楼没有3单元"},
		{"room above the top floor", func(v url.Values) { v.Set("room", "701") }, "房间号不存在：3号楼共6层"},
		{"room number with letters", func(v url.Values) { v.Set("room", "5a1") }, "房间号不存在"},
		{"room without unit", func(v url.Values) { v.Set("unit", "") }, "填写房间号时，请选择单元"},
		{"unit without building", func(v url.Values) { v.Set("building", "") }, "请先选择楼栋"},
		{"unknown category", func(v url.Values) { v.Set("category", "水电") }, "请选择问题类别"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := r.counts(t)
			v := report(r.form(t, "供水"))
			tc.change(v)
			status, page := r.post(t, "10.0.0.2", v)
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, `<p class="problem">`) || !strings.Contains(page, tc.message) {
				t.Errorf("status %d; want 422 with %q:\n%s", status, tc.message, page)
			}
			if after := r.counts(t); after != before {
				t.Errorf("a refused report changed counts %+v → %+v", before, after)
			}
			// What was entered is kept, with a fresh token to submit again.
			if v.Get("category") != "供水" {
				return
			}
			if !tokenField.MatchString(page) || v.Get("unit") == "2单元" && !strings.Contains(page, `<option value="2单元" selected>`) ||
				!strings.Contains(page, `value="`+html.EscapeString(v.Get("phone"))+`"`) {
				t.Errorf("the form was not filled in again:\n%s", page)
			}
		})
	}
	// Corrected, the same form goes through.
	v := report(r.form(t, "供水"))
	if status, page := r.post(t, "10.0.0.2", v); status != http.StatusOK {
		t.Errorf("the corrected form: %d\n%s", status, page)
	}
}

func TestReportTokens(t *testing.T) {
	r := startResidents(t, web.Config{})
	good := r.form(t, "供水")
	forged := []byte(good)
	forged[len(forged)-3] ^= 1
	otherKey, err := web.NewHandler(web.Config{Guides: r.store, Residents: r.store, FormKey: []byte("another officed"),
		Grid: func(context.Context) ([]bianmin.Community, error) { return testGrid(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	foreign := tokenOf(t, otherKey)
	for _, tc := range []struct {
		name, token, message string
	}{
		{"missing", "", "表单校验失败"},
		{"garbage", "not-a-token", "表单校验失败"},
		{"forged", string(forged), "表单校验失败"},
		{"another server's key", foreign, "表单校验失败"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := r.counts(t)
			status, page := r.post(t, "10.0.0.3", report(tc.token))
			if status != http.StatusForbidden || !strings.Contains(page, tc.message) {
				t.Errorf("status %d; want 403 with %q:\n%s", status, tc.message, page)
			}
			if after := r.counts(t); after != before {
				t.Errorf("counts changed %+v → %+v", before, after)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		tok := r.form(t, "供水")
		r.clock.Add(web.FormTokenTTL + time.Second)
		before := r.counts(t)
		status, page := r.post(t, "10.0.0.3", report(tok))
		if status != http.StatusForbidden || !strings.Contains(page, "已失效") {
			t.Errorf("status %d:\n%s", status, page)
		}
		if after := r.counts(t); after != before {
			t.Errorf("counts changed %+v → %+v", before, after)
		}
	})
	t.Run("used", func(t *testing.T) {
		tok := r.form(t, "供水")
		if status, _ := r.post(t, "10.0.0.4", report(tok)); status != http.StatusOK {
			t.Fatalf("first submission: %d", status)
		}
		before := r.counts(t)
		status, page := r.post(t, "10.0.0.4", report(tok))
		if status != http.StatusForbidden || !strings.Contains(page, "已经提交过") {
			t.Errorf("resubmission: %d\n%s", status, page)
		}
		if after := r.counts(t); after != before {
			t.Errorf("a resubmission changed counts %+v → %+v", before, after)
		}
	})
	t.Run("same form twice at once", func(t *testing.T) {
		tok := r.form(t, "供水")
		before := r.counts(t).Tickets
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = r.post(t, fmt.Sprintf("10.0.1.%d", i), report(tok))
			}()
		}
		wg.Wait()
		if n := r.counts(t).Tickets - before; n != 1 {
			t.Errorf("one form posted 4 times at once made %d tickets (statuses %v)", n, statuses)
		}
	})
}

// tokenOf fetches a form token from another handler.
func tokenOf(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report?category=%E4%BE%9B%E6%B0%B4", nil))
	m := tokenField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no token:\n%s", rec.Body)
	}
	return html.UnescapeString(m[1])
}

func TestReportRateLimit(t *testing.T) {
	r := startResidents(t, web.Config{})
	for i := 0; i < 5; i++ {
		if status, page := r.post(t, "10.0.0.5", report(r.form(t, "供水"))); status != http.StatusOK {
			t.Fatalf("ticket %d: %d\n%s", i+1, status, page)
		}
	}
	before := r.counts(t)
	req, _ := http.NewRequest(http.MethodPost, r.URL+"/report", strings.NewReader(report(r.form(t, "供水")).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Real-IP", "10.0.0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(page), "提交问题过于频繁，请10分钟后再试") ||
		resp.Header.Get("Retry-After") != "600" {
		t.Errorf("6th ticket in 10 minutes: %d Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
	}
	if after := r.counts(t); after != before {
		t.Errorf("a refused report changed counts %+v → %+v", before, after)
	}
	// Another client is not affected; the first may report again later.
	if status, _ := r.post(t, "10.0.0.6", report(r.form(t, "供水"))); status != http.StatusOK {
		t.Errorf("another client: %d", status)
	}
	r.clock.Add(10 * time.Minute)
	if status, _ := r.post(t, "10.0.0.5", report(r.form(t, "供水"))); status != http.StatusOK {
		t.Errorf("after 10 minutes: %d", status)
	}
	// Refused form posts count too, so nobody can hammer the form.
	r2 := startResidents(t, web.Config{PageLimit: web.Limit{N: 3, Per: time.Minute}})
	for i := 0; i < 3; i++ {
		r2.post(t, "10.0.0.7", url.Values{})
	}
	if status, page := r2.post(t, "10.0.0.7", report(r2.form(t, "供水"))); status != http.StatusTooManyRequests || !strings.Contains(page, "过于频繁") {
		t.Errorf("4th post in a minute with a limit of 3: %d", status)
	}
}

// enrolled returns a kiosk enrolled directly in the store, for records
// that come from kiosks.
func enrolled(t *testing.T, s office.Store) office.Kiosk {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	return officetest.Enroll(t, s, "大厅1号机", pub, time.Now())
}

func TestStatusPage(t *testing.T) {
	r := startResidents(t, web.Config{})
	ctx := context.Background()
	v := report(r.form(t, "供水"))
	v.Set("text", `<script>alert("x")</script><img src=x onerror=alert(1)>`)
	_, page := r.post(t, "10.0.0.8", v)
	link := statusLink.FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("no status link:\n%s", page)
	}
	number := strings.TrimPrefix(strings.Split(link[1], "?")[0], "/status/")
	secret := strings.Split(link[1], "?s=")[1]
	officetest.PublishUnits(t, r.store)
	if _, err := r.store.Advance(ctx, office.Transition{Number: number, State: bianmin.StateAccepted,
		At: r.clock.Now().Add(time.Hour - time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.Advance(ctx, office.Transition{Number: number, State: bianmin.StateDispatched,
		Note: "已派至南岗区供水公司<b>", At: r.clock.Now().Add(time.Hour), Unit: "water", Deadline: r.clock.Now().Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st := r.get(t, link[1], http.StatusOK)
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;",
		"<strong>已派单</strong>", "已派至南岗区供水公司&lt;b&gt;", "2026-11-25 18:30",
	} {
		if !strings.Contains(st, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(st, "<script>alert") || strings.Contains(st, "<img") || strings.Contains(st, "<b>") {
		t.Errorf("the status page carries raw markup:\n%s", st)
	}
	// Timeline in order.
	if i, j := strings.Index(st, "已提交</span>"), strings.Index(st, "已派单</span>"); i < 0 || j < i {
		t.Errorf("timeline out of order:\n%s", st)
	}

	// An application's page: masked name, no ID or phone.
	k := enrolled(t, r.store)
	sk := &officetest.Kiosk{}
	ap := sk.SampleData(bianmin.KindApplication, 1, 0).(*bianmin.Application)
	if _, err := r.store.Ingest(ctx, office.Nonce{KioskID: k.ID, Value: sign.NewNonce(), TS: time.Now()},
		[]wire.Record{sk.Record(bianmin.KindApplication, ap)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	app := r.get(t, "/status/"+ap.Number+"?s="+ap.Secret, http.StatusOK)
	for _, want := range []string{"临时身份证申请", "欧阳**", "10.00 元", "已通过自助服务机提交"} {
		if !strings.Contains(app, want) {
			t.Errorf("application page lacks %q", want)
		}
	}
	for _, secret := range []string{officetest.SecretIDNumber, officetest.SecretPhone, officetest.SecretName} {
		if strings.Contains(app, secret) {
			t.Errorf("application page shows %q", secret)
		}
	}

	// Wrong, missing or malformed secrets and unknown numbers: one page.
	want := r.get(t, "/status/T20261125-WEB-9999?s="+secret, http.StatusNotFound)
	if !strings.Contains(want, "未找到该事项") {
		t.Errorf("not-found page:\n%s", want)
	}
	wrong := []byte(secret)
	wrong[0] = "ab"[0+btoi(wrong[0] == 'a')]
	for _, path := range []string{
		"/status/" + number + "?s=" + string(wrong),
		"/status/" + number,
		"/status/" + number + "?s=",
		"/status/" + number + "?s=" + ap.Secret, // another one's secret
		"/status/" + ap.Number + "?s=" + secret,
		"/status/" + number + "?s=" + secret + "x",
		"/status/" + number + "?s=" + strings.ToUpper(secret),
		"/status/nonsense?s=" + secret,
		"/status/" + strings.ToLower(number) + "?s=" + secret,
		"/status/%27%20OR%201=1--?s=" + secret,
	} {
		if got := r.get(t, path, http.StatusNotFound); got != want {
			t.Errorf("GET %s differs from an unknown number's page:\n%s\nwant\n%s", path, got, want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStatusRateLimit(t *testing.T) {
	r := startResidents(t, web.Config{PageLimit: web.Limit{N: 3, Per: time.Minute}})
	get := func(client string) int {
		req, _ := http.NewRequest(http.MethodGet, r.URL+"/status/T20261125-WEB-0001?s=abcdefgh", nil)
		req.Header.Set("X-Real-IP", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 3; i++ {
		if s := get("10.0.0.9"); s != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, s)
		}
	}
	if s := get("10.0.0.9"); s != http.StatusTooManyRequests {
		t.Errorf("4th guess within a minute: %d, want 429", s)
	}
	if s := get("10.0.0.10"); s != http.StatusNotFound {
		t.Errorf("another client: %d", s)
	}
	r.clock.Add(time.Minute)
	if s := get("10.0.0.9"); s != http.StatusNotFound {
		t.Errorf("a minute later: %d", s)
	}
}

func TestResidentPagesHeaders(t *testing.T) {
	r := startResidents(t, web.Config{})
	_, page := r.post(t, "10.0.0.11", report(r.form(t, "供水")))
	link := statusLink.FindStringSubmatch(page)[1]
	for _, tc := range []struct{ method, path string }{
		{"GET", "/report"}, {"GET", "/report?category=%E4%BE%9B%E6%B0%B4"}, {"POST", "/report"},
		{"GET", link}, {"GET", "/status/x"}, {"GET", "/report.js"},
	} {
		resp, body := r.do(t, tc.method, tc.path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s %s: headers %v", tc.method, tc.path, h)
		}
		if tc.path != "/report.js" && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store (pages carry secrets)", tc.method, tc.path, h.Get("Cache-Control"))
		}
		// The only script is the external one: CSP allows no inline code.
		if strings.Count(body, "<script") != strings.Count(body, `<script src="/report.js" defer></script>`) {
			t.Errorf("%s %s has inline script", tc.method, tc.path)
		}
	}
	resp, js := r.do(t, "GET", "/report.js")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(js, "data-community") {
		t.Errorf("report.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete} {
		if resp, _ := r.do(t, m, "/report"); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /report: %d", m, resp.StatusCode)
		}
	}
}

func TestResidentPagesNeedGrid(t *testing.T) {
	svc := startResidents(t, web.Config{}).store
	if _, err := web.NewHandler(web.Config{Guides: svc, Residents: svc}); err == nil {
		t.Error("NewHandler with residents but no grid succeeded")
	}
	// Without residents the pages are not served.
	s := start(t, web.Config{})
	s.get(t, "/report", http.StatusNotFound)
	s.get(t, "/status/T20261125-WEB-0001?s=abcdefgh", http.StatusNotFound)
}
