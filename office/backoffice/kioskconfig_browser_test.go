package backoffice_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bianmin"
	"bianmin/devices/escpos"
	"bianmin/kiosk"
	"bianmin/office/cli"
)

// The kiosks' central settings end to end: staff publish them on the page in
// a real headless Chromium against a real `officed serve` on loopback, and a
// real kiosk runtime (its own SQLite store, enrolled with a one-time code)
// runs with them after its next sync — a refusal on the page reaches no
// kiosk.
func TestBrowserKioskConfigReachesKiosk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "officed")
	if code, out := officed(t, "browser-test-pass\n", "user", "add", "admin", "--role", "admin", "--data", dir); code != cli.ExitOK {
		t.Fatalf("user add: %s", out)
	}
	base := serveOfficed(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	code, out := officed(t, "", "enroll-code", "--kiosk", "花园社区1号机", "--data", dir)
	if code != cli.ExitOK {
		t.Fatalf("enroll-code: %s", out)
	}
	rt, err := kiosk.Open(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := rt.Enroll(ctx, base, strings.SplitN(out, "\n", 2)[0]); err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		if err := rt.SyncNow(ctx); err != nil {
			t.Fatalf("kiosk sync: %v", err)
		}
	}
	sync()
	local := rt.Config()

	p := &page{t: t, ctx: newChromium(t), base: base}
	p.login("admin", "browser-test-pass")
	p.open("/staff/kiosks")
	if status := p.respond(chromedp.Click(chromedp.CSS(`a[href="/staff/kiosks/config"]`))); status != http.StatusOK || p.text("h1") == "" {
		t.Fatalf("settings page: %d", status)
	}

	const name, footer = "南岗区花园街道便民服务中心", "便民服务热线 12345"
	publish := func(fill ...chromedp.Action[chromedp.Void]) int64 {
		t.Helper()
		return p.respond(append(fill, chromedp.Click(chromedp.CSS(`form.edit button[type=submit]`)))...)
	}

	// An idle timeout of 5 s is refused: nothing is published, the kiosk
	// keeps its own name.
	status := publish(chromedp.SetValue(chromedp.ID("set-office-name"), name), chromedp.SetValue(chromedp.ID("set-session-idle_timeout_s"), "5"))
	if status != http.StatusUnprocessableEntity || !strings.Contains(p.text("p.flash.error"), "全部未发布") ||
		!strings.Contains(p.text("main"), "无操作超时须为 10–600 之间的整数") {
		t.Fatalf("a 5 s idle timeout: %d\n%s", status, p.text("main"))
	}
	sync()
	if got := rt.Config(); got.OfficeName != local.OfficeName || got.IdleTimeout != local.IdleTimeout {
		t.Fatalf("a refused form reached the kiosk: %q, %v", got.OfficeName, got.IdleTimeout)
	}

	// The form keeps what was typed; with the timeout cleared it publishes.
	clear := func(id string) {
		t.Helper()
		// chromedp's SetValue cannot set "" (it reads the value back as null).
		eval[bool](p, `(function(){document.getElementById("`+id+`").value="";return true})()`)
	}
	clear("set-session-idle_timeout_s")
	status = publish(chromedp.SetValue(chromedp.ID("set-print-footer"), footer))
	if flash := p.text("p.flash"); status != http.StatusOK || !strings.Contains(flash, "已发布 2 项") {
		t.Fatalf("publish: %d %q\n%s", status, flash, p.text("main"))
	}
	if main := p.text("main"); !strings.Contains(main, "已发布："+name) || !strings.Contains(main, "最近一次由 admin") {
		t.Errorf("the page does not show what was published and by whom:\n%s", main)
	}

	sync()
	got := rt.Config()
	if got.OfficeName != name || got.ReceiptFooter != footer {
		t.Fatalf("after the sync the kiosk runs with %q / %q", got.OfficeName, got.ReceiptFooter)
	}
	if got.IdleTimeout != local.IdleTimeout || got.Printer != local.Printer || got.TechPINHash != local.TechPINHash {
		t.Error("settings the office did not publish changed")
	}
	if c := rt.Central(); !c.Sets(bianmin.SettingOfficeName) || !c.Sets(bianmin.SettingReceiptFooter) || len(c.Ignored) != 0 {
		t.Errorf("Central = %+v", c)
	}
	// The kiosk's slips carry the new name and the footer.
	guides, err := rt.DB.FindGuides(ctx, bianmin.GuideFilter{})
	if err != nil || len(guides) == 0 {
		t.Fatalf("guides: %d, %v", len(guides), err)
	}
	slip, err := rt.Checklist(guides[0], rt.Config())
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(slip)
	if err != nil {
		t.Fatal(err)
	}
	if text := escpos.PlainText(cmds); !strings.Contains(text, name) || !strings.Contains(text, footer) {
		t.Errorf("the checklist slip lacks the office's name or footer:\n%s", text)
	}

	// Blanking the name on the page gives the kiosk its own back.
	clear("set-office-name")
	if status := publish(); status != http.StatusOK {
		t.Fatalf("blank the name: %d", status)
	}
	sync()
	if got := rt.Config(); got.OfficeName != local.OfficeName || got.ReceiptFooter != footer {
		t.Errorf("after the office stopped setting the name: %q / %q", got.OfficeName, got.ReceiptFooter)
	}
}
