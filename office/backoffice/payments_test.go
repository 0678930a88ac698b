package backoffice_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/office/sandbox"
	"bianmin/office/sqlite"
	"bianmin/sync/wire"
)

// record makes a record of the enrolled kiosk with its next number.
func (e *officeEnv) record(kind string, d any) wire.Record {
	e.seq++
	return e.sim.Record(kind, d)
}

func (e *officeEnv) cashPayment(biller string, due int64, notes ...int64) *bianmin.Payment {
	var paid int64
	for _, n := range notes {
		paid += n
	}
	return &bianmin.Payment{Receipt: e.sim.Number('P', e.seq+1), Biller: biller, Account: "12345678", DueFen: due,
		PaidFen: paid, Credit: paid - due, Method: bianmin.MethodCash, Notes: notes}
}

func (e *officeEnv) mobilePayment(biller, method string, due int64) *bianmin.Payment {
	return &bianmin.Payment{Receipt: e.sim.Number('P', e.seq+1), Biller: biller, Account: "87654321", DueFen: due,
		PaidFen: due, Method: method, Gateway: "sandbox"}
}

// payments stores a day of payments at the kiosk: cash for heating with
// credit, wechat for water, alipay for electricity.
func (e *officeEnv) payments(t *testing.T) {
	t.Helper()
	e.push(t, e.record(bianmin.KindPayment, e.cashPayment("heating", 4250, 5000)))
	e.push(t, e.record(bianmin.KindPayment, e.mobilePayment("water", bianmin.MethodWeChat, 1234)))
	e.push(t, e.record(bianmin.KindPayment, e.mobilePayment("electricity", bianmin.MethodAlipay, 999)))
}

// tableText is a page's text with tags and white space removed, for
// checking what a row shows.
func tableText(body string) string {
	return strings.Join(strings.Fields(tagPattern.ReplaceAllString(body, " ")), " ")
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

func TestLedgerPage(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	e.payments(t)
	b := e.login(t, "clerk")
	status, _, body := b.get("/staff/payments?from=2026-11-25&to=2026-11-25")
	if status != http.StatusOK {
		t.Fatalf("ledger: %d\n%s", status, body)
	}
	text := tableText(body)
	// One row for the kiosk's day: 3 payments, due 64.83, paid 72.33 of
	// which 50.00 cash, 12.34 wechat, 9.99 alipay, 7.50 credit.
	for _, want := range []string{"2026-11-25 花园街道服务大厅 1号机 3 64.83 72.33 50.00 12.34 9.99 7.50",
		"合计 3 64.83 72.33 50.00 12.34 9.99 7.50"} {
		if !strings.Contains(text, want) {
			t.Errorf("ledger lacks %q:\n%s", want, text)
		}
	}
	// Filters by method and biller.
	if _, _, body := b.get("/staff/payments?from=2026-11-25&to=2026-11-25&method=cash"); !strings.Contains(tableText(body), "合计 1 42.50 50.00 50.00 0.00 0.00 7.50") {
		t.Errorf("cash only:\n%s", tableText(body))
	}
	if _, _, body := b.get("/staff/payments?from=2026-11-25&to=2026-11-25&biller=water"); !strings.Contains(tableText(body), "合计 1 12.34 12.34 0.00 12.34 0.00 0.00") {
		t.Errorf("water only:\n%s", tableText(body))
	}
	// Another day has nothing.
	if _, _, body := b.get("/staff/payments?from=2026-11-24&to=2026-11-24"); !strings.Contains(body, "没有符合条件的缴费") {
		t.Errorf("a day without payments:\n%s", tableText(body))
	}
	// The default range is this month (the clock says 2026-11-25).
	if _, _, body := b.get("/staff/payments"); !strings.Contains(body, `value="2026-11-01"`) || !strings.Contains(tableText(body), "合计 3") {
		t.Errorf("default range:\n%s", tableText(body))
	}
	// The kiosk's day, payment by payment.
	status, _, body = b.get("/staff/payments/list?from=2026-11-25&to=2026-11-25&kiosk=" + e.kiosk.ID)
	text = tableText(body)
	if status != http.StatusOK || !strings.Contains(text, "供热费 12345678") || !strings.Contains(text, "42.50 50.00 7.50 现金") ||
		!strings.Contains(text, "水费 87654321") || !strings.Contains(text, "微信") || !strings.Contains(text, "支付宝") {
		t.Errorf("payment list: %d\n%s", status, text)
	}
}

func TestLedgerRefusals(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	e.payments(t)
	b := e.login(t, "clerk")
	for _, tc := range []struct{ query, want string }{
		{"from=2026-13-01&to=2026-11-25", "日期格式"},
		{"from=yesterday", "日期格式"},
		{"from=2026-11-25&to=2026-11-01", "早于"},
		{"from=2024-01-01&to=2026-11-25", "366 天"},
		{"biller=beer", "未知的缴费项目"},
		{"method=card", "未知的支付方式"},
		{"biller=<script>alert(1)</script>", "未知的缴费项目"},
	} {
		for _, path := range []string{"/staff/payments?", "/staff/payments/list?", "/staff/export/payments.csv?"} {
			status, _, body := b.get(path + tc.query)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || strings.Contains(body, "<script>alert") {
				t.Errorf("%s%s: %d, want 422 saying %q", path, tc.query, status, tc.want)
			}
		}
	}
}

// The money pages are the street office's own: unit staff do not see them
// (404, as a page that does not exist), strangers are sent to log in.
func TestPaymentPagesRoles(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	pages := []string{"/staff/payments", "/staff/payments/list", "/staff/payments/cash", "/staff/payments/incomplete",
		"/staff/export", "/staff/export/tickets.csv", "/staff/export/payments.csv"}
	unit := e.login(t, "water")
	for _, p := range pages {
		if status, _, _ := unit.get(p); status != http.StatusNotFound {
			t.Errorf("unit staff GET %s: %d, want 404", p, status)
		}
	}
	if _, _, body := unit.get("/staff/"); strings.Contains(body, `href="/staff/payments"`) {
		t.Error("unit staff see the payments link")
	}
	stranger := e.browser(t)
	for _, p := range pages {
		if status, loc, _ := stranger.get(p); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login?next=") {
			t.Errorf("stranger GET %s: %d %q", p, status, loc)
		}
	}
	for _, who := range []string{"admin", "clerk"} {
		b := e.login(t, who)
		for _, p := range pages[:5] {
			if status, _, body := b.get(p); status != http.StatusOK {
				t.Errorf("%s GET %s: %d\n%s", who, p, status, body)
			}
		}
	}
}

func TestCashPage(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	// Two collections: the first matches the records (50 元 of payments and
	// 20 元 taken for a service that did not complete), the second is
	// 5 元 short.
	e.push(t, e.record(bianmin.KindPayment, e.cashPayment("heating", 4250, 5000)),
		e.record(bianmin.KindPayment, e.mobilePayment("water", bianmin.MethodWeChat, 1234)),
		e.record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: e.sim.Number('P', e.seq+1), Biller: "gas",
			Account: "12345678", PaidFen: 2000, Method: bianmin.MethodCash, Reason: "断电，业务未完成"}),
		e.record(bianmin.KindCashCollected, &bianmin.CashCollected{Notes: 3, TotalFen: 7000, Staff: "张收款"}))
	e.push(t, e.record(bianmin.KindPayment, e.cashPayment("gas", 1000, 1000)),
		e.record(bianmin.KindCashCollected, &bianmin.CashCollected{Notes: 1, TotalFen: 500, Staff: "李收款"}),
		e.record(bianmin.KindPayment, e.cashPayment("water", 2000, 2000)))
	hb := wire.Heartbeat{AppVersion: "1.0", Devices: map[string]string{"printer": "ready"}, Cash: wire.CashBox{Notes: 1, TotalFen: 2000}}
	if err := e.store.Heartbeat(ctx, office.Nonce{KioskID: e.kiosk.ID, Value: "hb-1", TS: officetest.T0}, hb, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, "clerk")
	status, _, body := b.get("/staff/payments/cash")
	if status != http.StatusOK {
		t.Fatalf("cash page: %d\n%s", status, body)
	}
	text := tableText(body)
	for _, want := range []string{
		"张收款 启用以来 1 笔 / 50.00 1 笔 / 20.00 70.00 3 张 / 70.00 相符",
		"李收款", "1 笔 / 10.00 0 笔 / 0.00 10.00 1 张 / 5.00 -5.00",
		"1 次不符",
		// The open period: 20 元 recorded since the last collection, and
		// the heartbeat's box agrees.
		"1 笔 / 20.00 0 笔 / 0.00 20.00 1 张 / 20.00 0.00",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("cash page lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(body, `class="mismatch"`) || !strings.Contains(body, `class="diff short"`) {
		t.Error("the short collection is not highlighted")
	}
	if strings.Count(body, `class="mismatch"`) != 1 {
		t.Error("a matching collection is highlighted")
	}
	// The kiosk filter.
	if _, _, body := b.get("/staff/payments/cash?kiosk=Knone"); strings.Contains(body, "张收款") {
		t.Error("another kiosk's filter shows this kiosk's collections")
	}
}

// incomplete stores two incomplete payments and returns their records.
func (e *officeEnv) incomplete(t *testing.T) (cash, mobile wire.Record) {
	t.Helper()
	cash = e.record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: e.sim.Number('P', e.seq+1), Biller: "heating",
		Account: "12345678", PaidFen: 2000, Method: bianmin.MethodCash, Reason: "断电，业务未完成"})
	mobile = e.record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: e.sim.Number('P', e.seq+1), Biller: "tempid",
		Account: "12345678", PaidFen: 1000, Method: bianmin.MethodWeChat, Reason: "打印机缺纸"})
	e.push(t, cash, mobile)
	return cash, mobile
}

func TestSettleIncomplete(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	cash, mobile := e.incomplete(t)
	b := e.login(t, "clerk")
	status, _, body := b.get("/staff/payments/incomplete?state=open")
	if status != http.StatusOK || strings.Count(body, `class="settle"`) != 2 || !strings.Contains(body, "断电，业务未完成") ||
		strings.Count(body, "商户后台原路退款") != 1 {
		t.Fatalf("open incomplete payments: %d\n%s", status, tableText(body))
	}
	path := "/staff/payments/incomplete/" + e.kiosk.ID + "/" + cash.ID + "/settle"
	good := url.Values{"action": {"refund"}, "reason": {"已当面退还现金 20 元"}}
	settled := func() *office.Settlement {
		en, err := e.store.IncompleteEntry(ctx, e.kiosk.ID, cash.ID)
		if err != nil {
			t.Fatal(err)
		}
		return en.Settlement
	}

	// Refusals change nothing.
	unit := e.login(t, "water")
	before := e.counts(t)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no CSRF token", url.Values{"action": {"refund"}, "reason": {"退款"}, "csrf": {""}}, http.StatusForbidden, "安全令牌"},
		{"a wrong CSRF token", url.Values{"action": {"refund"}, "reason": {"退款"}, "csrf": {"forged"}}, http.StatusForbidden, "安全令牌"},
		{"no action", url.Values{"reason": {"退款"}}, http.StatusUnprocessableEntity, "请选择处理方式"},
		{"unknown action", url.Values{"action": {"forget"}, "reason": {"退款"}}, http.StatusUnprocessableEntity, "请选择处理方式"},
		{"no reason", url.Values{"action": {"refund"}, "reason": {"   "}}, http.StatusUnprocessableEntity, "请填写处理原因"},
		{"reason too long", url.Values{"action": {"refund"}, "reason": {strings.Repeat("退", 201)}}, http.StatusUnprocessableEntity, "请填写处理原因"},
		{"control character", url.Values{"action": {"refund"}, "reason": {"退\x1b款"}}, http.StatusUnprocessableEntity, "处理原因"},
	} {
		b.get("/staff/payments/incomplete")
		status, _, body := b.post(path, tc.form)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d saying %q\n%s", tc.name, status, tc.status, tc.want, tableText(body))
		}
		// A refused form keeps what was typed, next to its payment.
		if tc.status == http.StatusUnprocessableEntity && tc.form.Get("reason") == "退款" && !strings.Contains(body, `value="退款"`) {
			t.Errorf("%s: the typed reason is gone", tc.name)
		}
	}
	for _, p := range []string{"/staff/payments/incomplete/" + e.kiosk.ID + "/0190a1b2-0000-7000-8000-000000000000/settle",
		"/staff/payments/incomplete/Knone/" + cash.ID + "/settle"} {
		if status, _, _ := b.post(p, good); status != http.StatusNotFound {
			t.Errorf("settle %s: %d, want 404", p, status)
		}
	}
	unit.get("/staff/")
	if status, _, _ := unit.post(path, good); status != http.StatusNotFound {
		t.Errorf("unit staff settle: %d, want 404", status)
	}
	if c := e.counts(t); c != before || settled() != nil {
		t.Fatalf("refusals changed something: %+v → %+v, %+v", before, c, settled())
	}

	// Settled, audited, and shown as settled afterwards.
	b.get("/staff/payments/incomplete")
	status, loc, _ := b.post(path, good)
	if status != http.StatusSeeOther || loc != "/staff/payments/incomplete?state=settled" {
		t.Fatalf("settle: %d %q", status, loc)
	}
	st := settled()
	if st == nil || st.Action != office.SettleRefund || st.Reason != "已当面退还现金 20 元" || st.Staff != "clerk" || !st.At.Equal(e.clock.Now()) {
		t.Errorf("settlement = %+v", st)
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "payment.settle"})
	if len(log) != 1 || log[0].Actor != "clerk" || log[0].Subject == "" || log[0].Before != "未处理" ||
		log[0].After != "退款：已当面退还现金 20 元" || log[0].IP == "" {
		t.Errorf("audit = %+v", log)
	}
	_, _, body = b.get(loc)
	text := tableText(body)
	if !strings.Contains(text, "已处理未完成缴费") || !strings.Contains(text, "已退款 已当面退还现金 20 元 clerk") {
		t.Errorf("settled list:\n%s", text)
	}
	// Once: a second settlement is refused with who settled it.
	status, _, body = b.post(path, url.Values{"action": {"complete"}, "reason": {"补办"}})
	if status != http.StatusConflict || !strings.Contains(body, "已由 clerk 处理过") {
		t.Errorf("second settlement: %d\n%s", status, tableText(body))
	}
	// The mobile one is completed at the window by an admin.
	admin := e.login(t, "admin")
	admin.get("/staff/payments/incomplete")
	if status, _, _ := admin.post("/staff/payments/incomplete/"+e.kiosk.ID+"/"+mobile.ID+"/settle",
		url.Values{"action": {"complete"}, "reason": {"窗口受理临时身份证申请"}}); status != http.StatusSeeOther {
		t.Errorf("admin settle: %d", status)
	}
	if _, _, body := b.get("/staff/payments/incomplete?state=open"); !strings.Contains(body, "没有待处理的未完成缴费") {
		t.Errorf("open list after settling both:\n%s", tableText(body))
	}
}

// flakyGateway is the sandbox gateway whose Cancel can be made unreachable.
type flakyGateway struct {
	*sandbox.Gateway
	down bool
}

func (g *flakyGateway) Cancel(ctx context.Context, id string) (office.GatewayResult, error) {
	if g.down {
		return office.GatewayResult{}, errors.New("connection refused")
	}
	return g.Gateway.Cancel(ctx, id)
}

// TestRefundMobileAtProvider: refunding an incomplete WeChat payment reverses
// the charge at the provider before the refund is recorded; with the
// provider unreachable nothing is recorded; a payment officed never saw
// online cannot be "refunded" by a click.
func TestRefundMobileAtProvider(t *testing.T) {
	var gw *flakyGateway
	var pay *office.Payments
	e := newOffice(t, backoffice.Config{}, func(st *sqlite.Store, cfg *backoffice.Config) {
		gw = &flakyGateway{Gateway: sandbox.New(st, nil)}
		pay = office.NewPayments(st, gw, nil, nil)
		cfg.Payments = pay
	})
	ctx := context.Background()
	receipt := e.sim.Number('P', e.seq+1)
	res, err := pay.Pay(ctx, e.kiosk.ID, bianmin.PayRequest{Order: receipt, Biller: "tempid", Account: "12345678",
		AmountFen: 1000, Code: "130000000000000010"})
	if err != nil || res.Status != bianmin.PaySuccess {
		t.Fatalf("pay: %+v, %v", res, err)
	}
	paid := e.record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: receipt, Biller: "tempid",
		Account: "12345678", PaidFen: 1000, Method: bianmin.MethodWeChat, Reason: "打印机缺纸"})
	unseen := e.record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: e.sim.Number('P', e.seq+1), Biller: "tempid",
		Account: "12345678", PaidFen: 1000, Method: bianmin.MethodAlipay, Reason: "断电"})
	e.push(t, paid, unseen)
	b := e.login(t, "clerk")
	if _, _, body := b.get("/staff/payments/incomplete?state=open"); !strings.Contains(body, "由本系统通过支付机构原路退回") {
		t.Errorf("the page does not say the refund goes back through the provider:\n%s", tableText(body))
	}
	settle := func(rec wire.Record) (int, string) {
		status, _, body := b.post("/staff/payments/incomplete/"+e.kiosk.ID+"/"+rec.ID+"/settle",
			url.Values{"action": {"refund"}, "reason": {"申请人取消，原路退款"}})
		return status, body
	}
	open := func(rec wire.Record) bool {
		en, err := e.store.IncompleteEntry(ctx, e.kiosk.ID, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return en.Settlement == nil
	}

	gw.down = true
	if status, body := settle(paid); status != http.StatusServiceUnavailable || !strings.Contains(body, "暂时无法连接支付机构") || !open(paid) {
		t.Fatalf("provider down: %d, settled=%v\n%s", status, !open(paid), tableText(body))
	}
	gw.down = false
	if status, body := settle(paid); status != http.StatusSeeOther || open(paid) {
		t.Fatalf("refund: %d\n%s", status, tableText(body))
	}
	if r, err := pay.Query(ctx, e.kiosk.ID, receipt); err != nil || r.Status != bianmin.PayCancelled {
		t.Errorf("after the refund the order stands %+v, %v; want cancelled (reversed)", r, err)
	}
	if status, body := settle(unseen); status != http.StatusConflict || !strings.Contains(body, "无法原路退款") || !open(unseen) {
		t.Fatalf("an order officed never saw: %d, settled=%v\n%s", status, !open(unseen), tableText(body))
	}
}
