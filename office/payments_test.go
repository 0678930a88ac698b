package office_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/sandbox"
	"bianmin/office/sqlite"
)

// Codes of every scripted outcome (office/sandbox): WeChat codes are 18
// digits starting 10–15, Alipay codes 16–24 digits starting 25–30.
func wechat(last byte) string { return "13456789012345678" + string(last) }
func alipay(last byte) string { return "2876543210987654" + string(last) }

type payFixture struct {
	path  string
	store *sqlite.Store
	gw    *sandbox.Gateway
	pay   *office.Payments
	logs  *bytes.Buffer
	seq   int
}

func newPayFixture(t *testing.T) *payFixture {
	t.Helper()
	f := &payFixture{path: filepath.Join(t.TempDir(), sqlite.FileName), logs: &bytes.Buffer{}}
	f.open(t)
	t.Cleanup(func() {
		f.store.Close()
		for _, c := range []string{wechat('0'), wechat('6'), alipay('8')} {
			if strings.Contains(f.logs.String(), c) {
				t.Errorf("a payment code reached the log:\n%s", f.logs)
			}
		}
	})
	return f
}

// open (re)opens the store and builds the service on it, as officed does on
// start.
func (f *payFixture) open(t *testing.T) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.store = st
	f.gw = sandbox.New(st, nil)
	f.pay = office.NewPayments(st, f.gw, slog.New(slog.NewTextHandler(f.logs, nil)), nil)
}

// order returns a new receipt number.
func (f *payFixture) order() string {
	f.seq++
	return bianmin.NewNumber('P', time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), "483920", int64(f.seq))
}

func req(order, code string) bianmin.PayRequest {
	return bianmin.PayRequest{Order: order, Biller: "heating", Account: "HR-1001", AmountFen: 245000, Code: code}
}

const kiosk = "K01TESTKIOSK"

func (f *payFixture) mustPay(t *testing.T, r bianmin.PayRequest) bianmin.PayResult {
	t.Helper()
	res, err := f.pay.Pay(context.Background(), kiosk, r)
	if err != nil {
		t.Fatalf("Pay(%s): %v", r.Order, err)
	}
	return res
}

func (f *payFixture) mustQuery(t *testing.T, order string) bianmin.PayResult {
	t.Helper()
	res, err := f.pay.Query(context.Background(), kiosk, order)
	if err != nil {
		t.Fatalf("Query(%s): %v", order, err)
	}
	return res
}

func TestPaymentOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    string
		method  string
		answers []string // Pay, then each Query
		message string   // of the last answer
	}{
		{"0 paid at once", wechat('0'), bianmin.MethodWeChat, []string{"success", "success"}, sandbox.MsgPaid},
		{"4 paid at once (alipay)", alipay('4'), bianmin.MethodAlipay, []string{"success"}, sandbox.MsgPaid},
		{"5 insufficient balance", wechat('5'), bianmin.MethodWeChat, []string{"declined", "declined"}, sandbox.MsgInsufficient},
		{"6 paying then paid on the 2nd query", wechat('6'), bianmin.MethodWeChat, []string{"paying", "paying", "success", "success"}, sandbox.MsgPaid},
		{"7 paying then given up", alipay('7'), bianmin.MethodAlipay, []string{"paying", "paying", "declined", "declined"}, sandbox.MsgGaveUp},
		{"8 paying forever", alipay('8'), bianmin.MethodAlipay, []string{"paying", "paying", "paying", "paying", "paying"}, sandbox.MsgPaying},
		{"9 gateway error", wechat('9'), bianmin.MethodWeChat, []string{"error", "error"}, sandbox.MsgError},
		{"17 digits starting 13", "13456789012345670", "", []string{"declined"}, "付款码无效，请出示微信或支付宝付款码"},
		{"18 digits starting 16", "164567890123456780", "", []string{"declined"}, "付款码无效，请出示微信或支付宝付款码"},
		{"letters", "1345678901234567ab", "", []string{"declined"}, "付款码无效，请出示微信或支付宝付款码"},
		{"a slip's QR", "https://office.example/status/T1", "", []string{"declined"}, "付款码无效，请出示微信或支付宝付款码"},
		{"empty", "", "", []string{"declined"}, "付款码无效，请出示微信或支付宝付款码"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPayFixture(t)
			order := f.order()
			var got []string
			res := f.mustPay(t, req(order, tc.code))
			got = append(got, res.Status)
			for range len(tc.answers) - 1 {
				res = f.mustQuery(t, order)
				got = append(got, res.Status)
			}
			if strings.Join(got, " ") != strings.Join(tc.answers, " ") || res.Message != tc.message || res.Method != tc.method ||
				res.Order != order || res.AmountFen != 245000 {
				t.Errorf("answers %v, last %+v; want %v ending with %q (method %q)", got, res, tc.answers, tc.message, tc.method)
			}
			if tc.method == "" && f.gw.Authorizations() != 0 {
				t.Error("an invalid code was sent to the gateway")
			}
		})
	}
}

func TestCodeIsUsedOnce(t *testing.T) {
	f := newPayFixture(t)
	first := f.mustPay(t, req(f.order(), wechat('5'))) // declined: still used
	second := f.mustPay(t, req(f.order(), wechat('5')))
	if first.Status != bianmin.PayDeclined || second.Status != bianmin.PayDeclined || second.Message != "付款码已使用，请刷新付款码后重试" {
		t.Errorf("a code used twice: %+v then %+v", first, second)
	}
	paid := f.mustPay(t, req(f.order(), wechat('0')))
	again := f.mustPay(t, req(f.order(), wechat('0')))
	if paid.Status != bianmin.PaySuccess || again.Status != bianmin.PayDeclined || again.Message != "付款码已使用，请刷新付款码后重试" {
		t.Errorf("a paid code used again: %+v then %+v", paid, again)
	}
	if n := f.gw.Authorizations(); n != 2 {
		t.Errorf("the gateway was asked %d times, want 2 (used codes never reach it)", n)
	}
}

func TestOrderIsIdempotent(t *testing.T) {
	f := newPayFixture(t)
	order := f.order()
	first := f.mustPay(t, req(order, wechat('0')))
	// The kiosk retries after a lost answer, even with the code scanned again.
	for _, code := range []string{wechat('0'), wechat('5'), "garbage"} {
		if again := f.mustPay(t, req(order, code)); again != first {
			t.Errorf("Pay again with %s: %+v, want the first result %+v", code, again, first)
		}
	}
	if n := f.gw.Authorizations(); n != 1 {
		t.Errorf("%d charges for one order", n)
	}
	if c, _ := f.store.Counts(context.Background()); c.Orders != 1 || c.SandboxCharges != 1 {
		t.Errorf("orders %d, charges %d; want 1 and 1", c.Orders, c.SandboxCharges)
	}
	// Many retries at once: still one charge.
	order = f.order()
	var wg sync.WaitGroup
	results := make([]bianmin.PayResult, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = f.pay.Pay(context.Background(), kiosk, req(order, wechat('1')))
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.Status != bianmin.PaySuccess {
			t.Errorf("concurrent retry: %+v", r)
		}
	}
	if n := f.gw.Authorizations(); n != 2 {
		t.Errorf("%d charges after concurrent retries, want 2 in all", n)
	}
}

func TestOrderConflicts(t *testing.T) {
	f := newPayFixture(t)
	ctx := context.Background()
	order := f.order()
	f.mustPay(t, req(order, wechat('0')))
	changed := []func(*bianmin.PayRequest){
		func(r *bianmin.PayRequest) { r.AmountFen++ },
		func(r *bianmin.PayRequest) { r.Biller = "water" },
		func(r *bianmin.PayRequest) { r.Account = "HR-1002" },
	}
	for i, change := range changed {
		r := req(order, wechat('1'))
		change(&r)
		if _, err := f.pay.Pay(ctx, kiosk, r); bianmin.ErrorCode(err) != bianmin.ECONFLICT {
			t.Errorf("change %d: %v, want %s", i, err, bianmin.ECONFLICT)
		}
	}
	if _, err := f.pay.Pay(ctx, "K02OTHER", req(order, wechat('1'))); bianmin.ErrorCode(err) != bianmin.ECONFLICT {
		t.Errorf("another kiosk's order id: %v", err)
	}
	if _, err := f.pay.Query(ctx, "K02OTHER", order); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("another kiosk queries the order: %v", err)
	}
	if _, err := f.pay.Cancel(ctx, "K02OTHER", order); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("another kiosk cancels the order: %v", err)
	}
	if n := f.gw.Authorizations(); n != 1 {
		t.Errorf("%d charges", n)
	}
	for _, bad := range []bianmin.PayRequest{
		{Order: "12", Biller: "heating", Account: "HR-1001", AmountFen: 1, Code: wechat('0')},
		{Order: order, Biller: "bribes", Account: "HR-1001", AmountFen: 1, Code: wechat('0')},
		{Order: order, Biller: "heating", Account: "x", AmountFen: 1, Code: wechat('0')},
		{Order: order, Biller: "heating", Account: "HR-1001", AmountFen: 0, Code: wechat('0')},
		{Order: order, Biller: "heating", Account: "HR-1001", AmountFen: 1, Code: strings.Repeat("1", 65)},
	} {
		if _, err := f.pay.Pay(ctx, kiosk, bad); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("Pay(%+v) = %v, want %s", bad, err, bianmin.EINVALID)
		}
	}
	if _, err := f.pay.Query(ctx, kiosk, "P20261125-483920-9999"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Query(unknown) = %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		code    string
		queries int
		want    string // after the cancel
	}{
		{"paying forever: the kiosk timed out", alipay('8'), 3, bianmin.PayCancelled},
		{"paying, not yet decided", wechat('6'), 0, bianmin.PayCancelled},
		{"paid: reversed", wechat('0'), 0, bianmin.PayCancelled},
		{"declined stays declined", wechat('5'), 0, bianmin.PayDeclined},
		{"error stays error", wechat('9'), 0, bianmin.PayError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPayFixture(t)
			order := f.order()
			f.mustPay(t, req(order, tc.code))
			for range tc.queries {
				f.mustQuery(t, order)
			}
			res, err := f.pay.Cancel(ctx, kiosk, order)
			if err != nil || res.Status != tc.want {
				t.Fatalf("Cancel = %+v, %v; want %s", res, err, tc.want)
			}
			// Afterwards nothing turns it into a success: not queries (the
			// 6 would have been paid on the 2nd), not a retried pay.
			for range 3 {
				if q := f.mustQuery(t, order); q.Status != tc.want {
					t.Errorf("query after cancel: %+v", q)
				}
			}
			if again := f.mustPay(t, req(order, tc.code)); again.Status != tc.want {
				t.Errorf("pay after cancel: %+v", again)
			}
			if again, err := f.pay.Cancel(ctx, kiosk, order); err != nil || again != res {
				t.Errorf("second cancel: %+v, %v; want %+v", again, err, res)
			}
		})
	}
}

// TestRestartMidPayment stops officed with an order undecided and with one
// paid: after a restart the paid one is still paid (and not charged again)
// and the undecided one goes on where it was.
func TestRestartMidPayment(t *testing.T) {
	f := newPayFixture(t)
	paying, paid := f.order(), f.order()
	if r := f.mustPay(t, req(paying, wechat('6'))); r.Status != bianmin.PayPaying {
		t.Fatal(r)
	}
	if r := f.mustQuery(t, paying); r.Status != bianmin.PayPaying { // 1st query
		t.Fatal(r)
	}
	first := f.mustPay(t, req(paid, alipay('3')))
	f.store.Close()

	f.open(t) // a new process: new service, new gateway value, same database
	if r := f.mustQuery(t, paying); r.Status != bianmin.PaySuccess {
		t.Errorf("2nd query after the restart: %+v, want success", r)
	}
	if r := f.mustPay(t, req(paid, alipay('3'))); r != first {
		t.Errorf("retry after the restart: %+v, want %+v", r, first)
	}
	if n := f.gw.Authorizations(); n != 0 {
		t.Errorf("the restarted gateway charged %d times", n)
	}
	if r := f.mustPay(t, req(f.order(), alipay('3'))); r.Status != bianmin.PayDeclined {
		t.Errorf("the code used before the restart: %+v", r)
	}
}

// flaky is a gateway whose network fails on demand.
type flaky struct {
	office.PaymentGateway
	mu   sync.Mutex
	down bool
	// lostAnswer: the call reaches the provider but the answer is lost.
	lostAnswer bool
}

var errNetwork = errors.New("dial tcp 10.0.0.1:443: connection refused")

func (g *flaky) fail() (bool, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down, g.lostAnswer
}

func (g *flaky) Authorize(ctx context.Context, o office.GatewayOrder) (office.GatewayResult, error) {
	down, lost := g.fail()
	if down {
		return office.GatewayResult{}, errNetwork
	}
	res, err := g.PaymentGateway.Authorize(ctx, o)
	if lost {
		return office.GatewayResult{}, errNetwork
	}
	return res, err
}

func (g *flaky) Query(ctx context.Context, id string) (office.GatewayResult, error) {
	if down, _ := g.fail(); down {
		return office.GatewayResult{}, errNetwork
	}
	return g.PaymentGateway.Query(ctx, id)
}

func (g *flaky) Cancel(ctx context.Context, id string) (office.GatewayResult, error) {
	if down, _ := g.fail(); down {
		return office.GatewayResult{}, errNetwork
	}
	return g.PaymentGateway.Cancel(ctx, id)
}

func TestGatewayUnreachable(t *testing.T) {
	f := newPayFixture(t)
	ctx := context.Background()
	gw := &flaky{PaymentGateway: f.gw, lostAnswer: true}
	pay := office.NewPayments(f.store, gw, slog.New(slog.NewTextHandler(f.logs, nil)), nil)

	// The charge went through but the answer was lost: the order is
	// undecided, and the next query learns it was paid.
	order := f.order()
	if r, err := pay.Pay(ctx, kiosk, req(order, wechat('0'))); err != nil || r.Status != bianmin.PayPaying {
		t.Fatalf("Pay with a lost answer: %+v, %v; want paying", r, err)
	}
	gw.lostAnswer = false
	if r, err := pay.Query(ctx, kiosk, order); err != nil || r.Status != bianmin.PaySuccess {
		t.Errorf("Query after a lost answer: %+v, %v", r, err)
	}
	// The gateway is down: pay and query say paying, cancel fails and
	// changes nothing; once it is back, cancel works and nothing was paid.
	gw.down = true
	order = f.order()
	if r, _ := pay.Pay(ctx, kiosk, req(order, wechat('1'))); r.Status != bianmin.PayPaying {
		t.Errorf("Pay with the gateway down: %+v", r)
	}
	if r, _ := pay.Query(ctx, kiosk, order); r.Status != bianmin.PayPaying {
		t.Errorf("Query with the gateway down: %+v", r)
	}
	if _, err := pay.Cancel(ctx, kiosk, order); !errors.Is(err, office.ErrGatewayUnavailable) {
		t.Errorf("Cancel with the gateway down: %v", err)
	}
	gw.down = false
	if r, err := pay.Cancel(ctx, kiosk, order); err != nil || r.Status != bianmin.PayCancelled {
		t.Errorf("Cancel once the gateway is back: %+v, %v", r, err)
	}
	// The provider never got that order: querying it would have said so.
	order = f.order()
	gw.down = true
	pay.Pay(ctx, kiosk, req(order, wechat('2')))
	gw.down = false
	if r, _ := pay.Query(ctx, kiosk, order); r.Status != bianmin.PayError || r.Message != sandbox.MsgUnknown {
		t.Errorf("Query of an order the provider never got: %+v", r)
	}
}
