package backoffice_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bianmin"
	"bianmin/kiosk/keyring"
	kstore "bianmin/kiosk/store"
	"bianmin/office/cli"
	"bianmin/office/officetest"
	"bianmin/sync/client"
	"bianmin/sync/wire"
)

// The back office in a real headless Chromium against a real officed: the
// officed serve command in-process on loopback over a SQLite file, a kiosk
// with its own store syncing through the sync API, and staff working in
// the browser.

// chromiumPath finds the browser: $CHROMIUM, else the names distributions
// give it. Missing is a failure, not a skip: make test runs
// scripts/setup.sh, which installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("$CHROMIUM=%s cannot be run (%v): unset it and run scripts/setup.sh, which installs the apt package chromium", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (looked for $CHROMIUM, chromium, chromium-browser, google-chrome): run scripts/setup.sh, which installs the apt package chromium")
	return ""
}

// newChromium starts a headless Chromium with a fresh profile and returns
// a context for its first tab. The browser stops with the test.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

var listeningAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// officed runs an officed command in-process and returns its exit status
// and output.
func officed(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return code, out.String() + errOut.String()
}

// serveOfficed runs "officed serve" over dir until the test ends and
// returns its base URL.
func serveOfficed(t *testing.T, dir string) string {
	t.Helper()
	logs := &officetest.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, cli.Env{Stdout: logs, Stderr: logs})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listeningAddr.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("officed serve exited %d:\n%s", code, logs)
		default:
		}
	}
	t.Fatalf("officed serve did not listen:\n%s", logs)
	return ""
}

// kioskSim is a kiosk's real store and keys, enrolled with officed.
type kioskSim struct {
	db     *kstore.DB
	syncer *client.Syncer
	code   string // the kiosk's short code in its numbers
}

func enrollKiosk(t *testing.T, base, dir string) *kioskSim {
	t.Helper()
	ctx := context.Background()
	code, out := officed(t, "", "enroll-code", "--kiosk", "花园街道服务大厅 1号机", "--data", dir)
	if code != cli.ExitOK {
		t.Fatalf("enroll-code: %s", out)
	}
	oneTime := strings.SplitN(out, "\n", 2)[0]
	kdir := t.TempDir()
	keys, err := keyring.Load(kdir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := kstore.Open(ctx, filepath.Join(kdir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetSealer(keys)
	resp, err := client.Enroll(ctx, nil, base, oneTime, "花园街道服务大厅 1号机", keys.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &kioskSim{db: db, code: "000123", syncer: &client.Syncer{
		Client: &client.Client{Server: base, KioskID: resp.KioskID, Key: keys.Sign},
		Local:  db,
		Heartbeat: func(context.Context) wire.Heartbeat {
			return wire.Heartbeat{AppVersion: "0.1.0", Devices: map[string]string{"printer": "ready, paper near end"}}
		},
	}}
}

// report submits the mobile report form (扫码点单) as a resident's phone
// does and returns the ticket's number.
func report(t *testing.T, base string, form url.Values) string {
	t.Helper()
	resp, err := http.Get(base + "/report?category=" + url.QueryEscape(form.Get("category")))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no token on the report form:\n%s", body)
	}
	form.Set("token", html.UnescapeString(string(m[1])))
	resp, err = http.PostForm(base+"/report", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	n := regexp.MustCompile(`/status/(T[0-9A-Z-]+)\?s=`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || n == nil {
		t.Fatalf("report: %d\n%s", resp.StatusCode, body)
	}
	return string(n[1])
}

// page drives one browser tab.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// run runs steps with a timeout.
func (p *page) run(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v (at %s)", err, p.location())
	}
}

// open navigates to path and returns the document's HTTP status.
func (p *page) open(path string) int64 {
	p.t.Helper()
	return p.respond(chromedp.Navigate(p.base + path))
}

// respond runs steps that load a page (a link, a form's button) and
// returns the loaded document's HTTP status.
func (p *page) respond(steps ...chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		p.t.Fatalf("browser: %v (at %s)", err, p.location())
	}
	return resp.Status
}

func (p *page) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// text is the text content of the first element sel matches, "" for none.
func (p *page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(function(){const e=document.querySelector(%q);return e?e.textContent:""})()`, sel)))
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	return s
}

// eval evaluates a JavaScript expression in the page (DevTools evaluation:
// the page's CSP forbids its own scripts, not the test's).
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

func (p *page) login(name, password string) {
	p.t.Helper()
	if status := p.open("/staff/"); status != http.StatusOK || !strings.HasSuffix(strings.Split(p.location(), "?")[0], "/staff/login") {
		p.t.Fatalf("a stranger at /staff/: %d at %s", status, p.location())
	}
	status := p.respond(
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`section.login button[type=submit]`)),
	)
	if status != http.StatusOK || p.text("header .user") != name {
		p.t.Fatalf("login as %s: %d at %s", name, status, p.location())
	}
}

func (p *page) logout() {
	p.t.Helper()
	if status := p.respond(chromedp.Click(chromedp.CSS(`header form button`))); status != http.StatusOK || p.text("h1") != "工作人员登录" {
		p.t.Fatalf("logout: %d", status)
	}
}

// act submits the form of an action on the page (id form-ACTION) after
// fill, and checks the flash message that follows.
func (p *page) act(action string, fill ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	steps := append(fill, chromedp.Click(chromedp.CSS("#form-"+action+" button[type=submit]")))
	if status := p.respond(steps...); status != http.StatusOK {
		p.t.Fatalf("%s: status %d: %s", action, status, p.text("main"))
	}
	if flash, failed := p.text("p.flash"), p.text("p.flash.error"); flash == "" || failed != "" {
		p.t.Fatalf("%s: no success message (%q): %s", action, flash, p.text("main"))
	}
}

func TestBrowser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "officed")
	for _, u := range [][]string{
		{"clerk", "--role", "clerk"},
		{"water", "--role", "unit", "--unit", "water-nangang"},
		{"drain", "--role", "unit", "--unit", "drainage-nangang"},
	} {
		if code, out := officed(t, "browser-test-pass\n", append(append([]string{"user", "add"}, u...), "--data", dir)...); code != cli.ExitOK {
			t.Fatalf("user add %s: %s", u[0], out)
		}
	}
	base := serveOfficed(t, dir)
	k := enrollKiosk(t, base, dir)
	ctx := context.Background()

	// A resident reports no water at the kiosk; another reports a blocked
	// drain; an applicant asks for a temporary ID card. The kiosk queues
	// them and syncs.
	water := &bianmin.Ticket{Category: "供水", Community: "huayuan", Building: "3", Unit: "2单元", Room: "501",
		Phrases: []string{bianmin.ReportPhrases["供水"][0]}, Phone: "13912345678", Channel: "kiosk"}
	drain := &bianmin.Ticket{Category: "排水", Community: "huayuan", Building: "1", Unit: "1单元", Room: "101",
		Phrases: []string{bianmin.ReportPhrases["排水"][0]}, Phone: "13912345679", Channel: "kiosk"}
	for _, tk := range []*bianmin.Ticket{water, drain} {
		if _, err := k.db.AddTicket(ctx, tk, k.code, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	app := &bianmin.Application{IDNumber: bianmin.SampleIDNumber, Name: "王小明", Source: "card", Reason: "lost",
		Phone: "13812345678", FeeFen: bianmin.TempIDFeeFen, Payment: bianmin.NewNumber('P', time.Now(), k.code, 7)}
	if _, err := k.db.AddApplication(ctx, app, k.code, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := k.syncer.Once(ctx); err != nil {
		t.Fatalf("kiosk sync: %v", err)
	}
	// A resident's phone reports with free text that is markup.
	const markup = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`
	mobile := report(t, base, url.Values{"category": {"环境卫生"}, "phrase": {bianmin.ReportPhrases["环境卫生"][0]},
		"text": {markup}, "community": {"huayuan"}, "phone": {"13700001111"}})

	p := &page{t: t, ctx: newChromium(t), base: base}

	t.Run("ticket loop reaches the kiosk", func(t *testing.T) {
		p.t = t
		p.login("clerk", "browser-test-pass")
		// The kiosk's heartbeat shows on the dashboard.
		if !strings.Contains(p.text("main"), "打印纸将尽") {
			t.Errorf("the dashboard lacks the kiosk's paper alert")
		}
		if status := p.open("/staff/tickets?state=submitted"); status != http.StatusOK {
			t.Fatalf("ticket list: %d", status)
		}
		p.respond(chromedp.Click(chromedp.CSS(`a[href="/staff/tickets/` + water.Number + `"]`)))
		if got := p.text("h1 .state"); got != "已提交" {
			t.Fatalf("ticket page state %q", got)
		}
		p.act("accept")
		deadline := time.Now().Add(48 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
		p.act("dispatch", chromedp.SetValue(chromedp.ID("unit"), "water-nangang"), chromedp.SetValue(chromedp.ID("deadline"), deadline))
		if got := p.text("h1 .state"); got != "已派单" || !strings.Contains(p.text("dl.summary"), "哈尔滨供水集团南岗分公司") {
			t.Fatalf("after dispatch: %q\n%s", got, p.text("main"))
		}
		// The drain ticket goes to the drainage unit.
		p.open("/staff/tickets/" + drain.Number)
		p.act("accept")
		p.act("dispatch", chromedp.SetValue(chromedp.ID("unit"), "drainage-nangang"), chromedp.SetValue(chromedp.ID("deadline"), deadline))
		p.logout()

		// The water unit records its result.
		p.login("water", "browser-test-pass")
		p.open("/staff/tickets")
		if list := p.text("main"); !strings.Contains(list, water.Number) || strings.Contains(list, drain.Number) {
			t.Errorf("the water unit's list:\n%s", list)
		}
		p.open("/staff/tickets/" + water.Number)
		p.act("resolve", chromedp.SendKeys(chromedp.ID("result"), "已更换楼内供水阀门，恢复供水"))
		if got := p.text("h1 .state"); got != "已办结" {
			t.Fatalf("after 办结: %q", got)
		}
		// Another unit's ticket, by its guessed URL: not found, nothing shown.
		if status := p.open("/staff/tickets/" + drain.Number); status != http.StatusNotFound ||
			strings.Contains(p.text("body"), drain.Number) || strings.Contains(p.text("body"), "13912345679") {
			t.Errorf("the water unit opening the drain ticket: %d\n%s", status, p.text("body"))
		}
		p.logout()

		// The desk calls the resident back and closes the ticket.
		p.login("clerk", "browser-test-pass")
		p.open("/staff/tickets/" + water.Number)
		p.act("callback", chromedp.SetValue(chromedp.ID("rating"), "5"))
		p.act("close")
		if got := p.text("h1 .state"); got != "已关闭" {
			t.Fatalf("after closing: %q", got)
		}
		timeline := p.text("ol.timeline")
		for _, want := range []string{"已受理", "已派至哈尔滨供水集团南岗分公司", "办理结果：已更换楼内供水阀门，恢复供水", "居民评价：非常满意", "已关闭"} {
			if !strings.Contains(timeline, want) {
				t.Errorf("timeline lacks %q:\n%s", want, timeline)
			}
		}

		// The kiosk pulls the change feed: the resident's "check progress"
		// shows the whole loop.
		if err := k.syncer.Once(ctx); err != nil {
			t.Fatal(err)
		}
		svc, err := k.db.LookupService(ctx, water.Number)
		if err != nil || svc.Status == nil {
			t.Fatalf("the kiosk's status of %s: %+v, %v", water.Number, svc, err)
		}
		var states []string
		for _, e := range svc.Status.Timeline {
			states = append(states, e.State)
		}
		if svc.Status.State != bianmin.StateClosed || strings.Join(states, ",") != "submitted,accepted,dispatched,resolved,called_back,closed" {
			t.Errorf("the kiosk holds %s: %v", svc.Status.State, states)
		}
		// And the public status page, with the slip's secret.
		resp, err := http.Get(base + "/status/" + water.Number + "?s=" + water.Secret)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<strong>已关闭</strong>") {
			t.Errorf("public status page: %d", resp.StatusCode)
		}
	})

	t.Run("form without the CSRF token is refused", func(t *testing.T) {
		p.t = t
		p.open("/staff/tickets/" + mobile)
		// Take the token out of the accept form, as a forged form lacks it.
		eval[bool](p, `(function(){document.querySelector('#form-accept input[name=csrf]').remove();return true})()`)
		status := p.respond(chromedp.Click(chromedp.CSS("#form-accept button[type=submit]")))
		if status != http.StatusForbidden || p.text("h1") != "表单已失效" {
			t.Errorf("accept without the token: %d %q", status, p.text("h1"))
		}
		p.open("/staff/tickets/" + mobile)
		if got := p.text("h1 .state"); got != "已提交" {
			t.Errorf("the refused form changed the ticket: %q", got)
		}
		// A form posted from another site carries no token either.
		foreign := "data:text/html," + url.PathEscape(`<form method=post action="`+base+`/staff/tickets/`+mobile+`/accept"><button id=go>go</button></form>`)
		p.run(chromedp.Navigate(foreign))
		p.respond(chromedp.Click(chromedp.ID("go")))
		p.open("/staff/tickets/" + mobile)
		if got := p.text("h1 .state"); got != "已提交" {
			t.Errorf("a cross-site form changed the ticket: %q", got)
		}
	})

	t.Run("markup renders as text", func(t *testing.T) {
		p.t = t
		p.open("/staff/tickets/" + mobile)
		if got := p.text("dd.text"); got != markup {
			t.Errorf("the description shows %q, want the text %q", got, markup)
		}
		if n := eval[int](p, `document.querySelectorAll('main script, main img').length`); n != 0 {
			t.Errorf("the description became %d elements", n)
		}
		if pwned := eval[bool](p, `window.pwned !== undefined`); pwned {
			t.Error("the description's script ran")
		}
		p.open("/staff/tickets")
		if !strings.Contains(p.text("table.list"), markup) {
			t.Error("the list does not show the description as text")
		}
	})

	t.Run("ID numbers masked in lists", func(t *testing.T) {
		p.t = t
		full := bianmin.NormalizeIDNumber(app.IDNumber)
		p.open("/staff/applications")
		list := p.text("table.list")
		if !strings.Contains(list, app.Number) || !strings.Contains(list, bianmin.MaskIDNumber(full)) || strings.Contains(p.text("body"), full) ||
			strings.Contains(list, "王小明") {
			t.Errorf("the applications list:\n%s", list)
		}
		p.respond(chromedp.Click(chromedp.CSS(`a[href="/staff/applications/` + app.Number + `"]`)))
		if strings.Contains(p.text("body"), full) {
			t.Error("the detail page shows the full number before it is asked for")
		}
		p.respond(chromedp.Click(chromedp.CSS(`dd.id form button`)))
		if got := p.text("#full-id"); got != full {
			t.Errorf("revealed %q", got)
		}
		p.open("/staff/applications")
		if strings.Contains(p.text("body"), full) {
			t.Error("the list shows the full number after a reveal")
		}
	})
}
