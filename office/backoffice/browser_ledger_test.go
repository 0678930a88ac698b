package backoffice_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bianmin"
	"bianmin/office/cli"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

// The payments, content and fleet pages in a real headless Chromium
// against a real officed: money pushed by a kiosk over the sync API is
// settled and checked, content edited in the browser reaches a real
// kiosk's store through the change feed, and a code issued on the fleet
// page enrolls a kiosk that the page then revokes.

// simulatedKiosk enrolls a protocol-level kiosk (officetest.Kiosk) with a
// code from officed enroll-code.
func simulatedKiosk(t *testing.T, base, dir, name string) *officetest.Kiosk {
	t.Helper()
	code, out := officed(t, "", "enroll-code", "--kiosk", name, "--data", dir)
	if code != cli.ExitOK {
		t.Fatalf("enroll-code: %s", out)
	}
	k := officetest.NewKiosk(base)
	if resp, err := k.Enroll(context.Background(), strings.SplitN(out, "\n", 2)[0], name); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("enroll: %+v, %v", resp, err)
	}
	return k
}

// push sends records as k and fails the test unless officed takes them.
func pushAs(t *testing.T, k *officetest.Kiosk, recs ...wire.Record) {
	t.Helper()
	if _, resp, err := k.Push(context.Background(), recs); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("push: %+v, %v", resp, err)
	}
}

// submit clicks a form's button, expects the page that follows to load
// with status, and returns the page's text.
func (p *page) submit(button string, status int64, fill ...chromedp.Action[chromedp.Void]) string {
	p.t.Helper()
	if got := p.respond(append(fill, chromedp.Click(chromedp.CSS(button)))...); got != status {
		p.t.Fatalf("%s: status %d, want %d: %s", button, got, status, p.text("main"))
	}
	return p.text("main")
}

func TestBrowserLedgerContentFleet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "officed")
	for _, u := range [][]string{{"admin", "--role", "admin"}, {"clerk", "--role", "clerk"}} {
		if code, out := officed(t, "browser-test-pass\n", append(append([]string{"user", "add"}, u...), "--data", dir)...); code != cli.ExitOK {
			t.Fatalf("user add %s: %s", u[0], out)
		}
	}
	base := serveOfficed(t, dir)
	ctx := context.Background()
	k := enrollKiosk(t, base, dir) // a real kiosk store that pulls the feed
	if err := k.syncer.Once(ctx); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	guides, err := k.db.FindGuides(ctx, bianmin.GuideFilter{})
	if err != nil || len(guides) == 0 {
		t.Fatalf("the kiosk has no shipped guides: %v", err)
	}
	guide := guides[0]

	p := &page{t: t, ctx: newChromium(t), base: base}

	t.Run("payments: ledger, cash check, settlement", func(t *testing.T) {
		p.t = t
		cashier := simulatedKiosk(t, base, dir, "海城社区 2号机")
		n := func(seq int64) string { return cashier.Number('P', seq) }
		pushAs(t, cashier,
			cashier.Record(bianmin.KindPayment, &bianmin.Payment{Receipt: n(1), Biller: "heating", Account: "12345678",
				DueFen: 4250, PaidFen: 5000, Credit: 750, Method: bianmin.MethodCash, Notes: []int64{5000}}),
			cashier.Record(bianmin.KindPayment, &bianmin.Payment{Receipt: n(2), Biller: "water", Account: "87654321",
				DueFen: 1234, PaidFen: 1234, Method: bianmin.MethodWeChat, Gateway: "sandbox"}),
			cashier.Record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: n(3), Biller: "gas",
				Account: "12345678", PaidFen: 2000, Method: bianmin.MethodCash, Reason: "断电，业务未完成"}),
			// 70 元 recorded, 65 元 counted.
			cashier.Record(bianmin.KindCashCollected, &bianmin.CashCollected{Notes: 4, TotalFen: 6500, Staff: "张收款"}))

		p.login("clerk", "browser-test-pass")
		p.open("/staff/payments")
		if text := p.text("table.ledger"); !strings.Contains(text, "海城社区 2号机") || !strings.Contains(text, "62.34") || !strings.Contains(text, "12.34") {
			t.Errorf("the ledger:\n%s", text)
		}
		p.open("/staff/payments/cash")
		row := p.text("table.cash tr.mismatch")
		if !strings.Contains(row, "张收款") || !strings.Contains(row, "-5.00") {
			t.Errorf("the short collection's row: %q", row)
		}
		// Highlighted as the browser renders it: the difference in red.
		if color := eval[string](p, `getComputedStyle(document.querySelector('table.cash tr.mismatch .diff')).color`); color != "rgb(179, 38, 30)" {
			t.Errorf("the difference is shown in %s", color)
		}
		p.open("/staff/payments/incomplete?state=open")
		text := p.submit("form.settle button[type=submit]", http.StatusOK,
			chromedp.Click(chromedp.CSS(`form.settle input[value=refund]`)),
			chromedp.SendKeys(chromedp.CSS(`form.settle input[name=reason]`), "已当面退还现金 20 元"))
		if !strings.Contains(p.text("p.flash"), "已处理未完成缴费 "+n(3)) || !strings.Contains(text, "已退款 已当面退还现金 20 元") {
			t.Errorf("after settling:\n%s", text)
		}
		p.open("/staff/payments/incomplete?state=open")
		if !strings.Contains(p.text("main"), "没有待处理的未完成缴费") {
			t.Errorf("still open after settling:\n%s", p.text("main"))
		}
		p.logout()
	})

	t.Run("content: edit, preview, publish reaches the kiosk", func(t *testing.T) {
		p.t = t
		p.login("admin", "browser-test-pass")
		p.open("/staff/content")
		p.respond(chromedp.Click(chromedp.CSS(`a[href="/staff/content/guides/` + guide.ID + `"]`)))
		title := guide.Title + "（2026年修订）"
		p.submit("form.edit button[type=submit]:not([formaction])", http.StatusOK, chromedp.SetValue(chromedp.ID("title"), title))
		if got := p.text("section.preview h2"); got != title {
			t.Fatalf("preview shows %q", got)
		}
		// Not on the kiosk before it is published.
		if err := k.syncer.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if g, _ := k.db.Guide(ctx, guide.ID); g.Title != guide.Title {
			t.Fatalf("the preview reached the kiosk: %q", g.Title)
		}
		p.submit("button.publish", http.StatusOK)
		if flash := p.text("p.flash"); !strings.Contains(flash, "已发布指南《"+title+"》") {
			t.Fatalf("publish: %q", flash)
		}
		if err := k.syncer.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if g, err := k.db.Guide(ctx, guide.ID); err != nil || g.Title != title {
			t.Errorf("the kiosk's guide after publishing: %q, %v", g.Title, err)
		}

		// A member unit's responsibility list, edited the same way.
		units, err := k.db.Units(ctx)
		if err != nil || len(units) == 0 {
			t.Fatalf("the kiosk's units: %v", err)
		}
		unit := units[0]
		p.open("/staff/content/units/" + unit.ID)
		eval[bool](p, `(function(){document.getElementById('responsibilities').value += '\n停水提前24小时张贴公告';return true})()`)
		p.submit("form.edit button[type=submit]:not([formaction])", http.StatusOK)
		p.submit("button.publish", http.StatusOK)
		// An invalid phone is refused with the reason and publishes nothing.
		p.open("/staff/content/units/" + unit.ID)
		text := p.submit("form.edit button[type=submit]:not([formaction])", http.StatusUnprocessableEntity,
			chromedp.SetValue(chromedp.ID("phone"), "86321000"))
		if !strings.Contains(text, "电话须为带区号的座机") || p.text("button.publish") != "" {
			t.Errorf("an invalid phone:\n%s", text)
		}
		if err := k.syncer.Once(ctx); err != nil {
			t.Fatal(err)
		}
		units, _ = k.db.Units(ctx)
		for _, u := range units {
			if u.ID == unit.ID && (u.Phone != unit.Phone || u.Responsibilities[len(u.Responsibilities)-1] != "停水提前24小时张贴公告") {
				t.Errorf("the kiosk's unit: %+v", u)
			}
		}
	})

	t.Run("fleet: a code issued on the page enrolls, revoke stops the kiosk", func(t *testing.T) {
		p.t = t
		p.open("/staff/kiosks")
		if row := p.text("table.fleet"); !strings.Contains(row, "花园街道服务大厅 1号机") || !strings.Contains(row, "0.1.0") {
			t.Errorf("the fleet:\n%s", row)
		}
		p.submit(`form[action="/staff/kiosks/codes"] button`, http.StatusOK,
			chromedp.SendKeys(chromedp.CSS(`form[action="/staff/kiosks/codes"] input[name=name]`), "花园街道服务大厅 3号机"))
		code := p.text("section.issued p.code code")
		if !regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(code) {
			t.Fatalf("issued code %q", code)
		}
		nk := officetest.NewKiosk(base)
		if resp, err := nk.Enroll(ctx, code, "花园街道服务大厅 3号机"); err != nil || resp.Status != http.StatusOK || nk.ID == "" {
			t.Fatalf("enroll with the page's code: %+v, %v", resp, err)
		}
		if resp, err := nk.Heartbeat(ctx, wire.Heartbeat{AppVersion: "0.2.0", Devices: map[string]string{}}); err != nil || resp.Status != http.StatusOK {
			t.Fatalf("heartbeat: %+v, %v", resp, err)
		}
		p.open("/staff/kiosks")
		if p.text("#k-"+nk.ID) == "" {
			t.Fatalf("the new kiosk is not listed:\n%s", p.text("main"))
		}
		p.submit("#k-"+nk.ID+" form.revoke button", http.StatusOK, chromedp.Click(chromedp.CSS("#k-"+nk.ID+` input[name=confirm]`)))
		if flash := p.text("p.flash"); !strings.Contains(flash, "已停用自助机：花园街道服务大厅 3号机") {
			t.Errorf("revoke: %q", flash)
		}
		if resp, err := nk.Heartbeat(ctx, wire.Heartbeat{AppVersion: "0.2.0", Devices: map[string]string{}}); err != nil || resp.Status != http.StatusForbidden {
			t.Errorf("a revoked kiosk's heartbeat: %+v, %v", resp, err)
		}
	})
}
