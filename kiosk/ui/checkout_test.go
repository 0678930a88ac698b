package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"bianmin"
	"bianmin/devices/scanner"
	"bianmin/kiosk"
)

// memPayments is an in-memory payment back end: cash credits are injected
// with credit, mobile outcomes are scripted by the code's last digit like
// officed's sandbox (0–4 paid, 5 declined, 8 never confirmed).
type memPayments struct {
	cashErr, mobErr error
	open            *memCash
	completed       []kiosk.Paid
	incomplete      []kiosk.Incomplete
	orders          []string
	seq             int
}

type memCash struct {
	m       *memPayments
	order   kiosk.Order
	receipt string
	paid    int64
	notes   []int64
	update  func(kiosk.CashUpdate)
	closed  bool
}

func (m *memPayments) CashReady(context.Context) error   { return m.cashErr }
func (m *memPayments) MobileReady(context.Context) error { return m.mobErr }

func (m *memPayments) OpenCash(_ context.Context, o kiosk.Order, update func(kiosk.CashUpdate)) (CashPayment, error) {
	if m.open != nil && !m.open.closed {
		return nil, kiosk.ErrPaymentOpen
	}
	m.seq++
	m.open = &memCash{m: m, order: o, receipt: bianmin.NewNumber('P', testDay, "483920", int64(m.seq)), update: update}
	return m.open, nil
}

// credit is a note the acceptor stacked and the journal took.
func (m *memPayments) credit(fen int64) {
	c := m.open
	c.paid += fen
	c.notes = append(c.notes, fen)
	c.update(kiosk.CashUpdate{PaidFen: c.paid})
}

func (c *memCash) Receipt() string { return c.receipt }
func (c *memCash) Paid() int64     { return c.paid }
func (c *memCash) Complete(context.Context) (kiosk.Paid, error) {
	if c.paid < c.order.DueFen {
		return kiosk.Paid{}, kiosk.ErrUnpaid
	}
	c.closed = true
	p := bianmin.Payment{Receipt: c.receipt, Biller: c.order.Biller, Account: c.order.Account, DueFen: c.order.DueFen,
		PaidFen: c.paid, Credit: c.paid - c.order.DueFen, Method: bianmin.MethodCash, Notes: c.notes, Offline: c.order.Offline}
	if err := p.Validate(); err != nil {
		return kiosk.Paid{}, err
	}
	paid := kiosk.Paid{Payment: p, Record: "rec-" + c.receipt, At: testDay}
	c.m.completed = append(c.m.completed, paid)
	return paid, nil
}
func (c *memCash) Abandon(context.Context, string) (kiosk.Incomplete, error) {
	c.closed = true
	inc := kiosk.Incomplete{Receipt: c.receipt, PaidFen: c.paid, Printed: true}
	if c.paid > 0 {
		c.m.incomplete = append(c.m.incomplete, inc)
	}
	return inc, nil
}

func (m *memPayments) PayMobile(ctx context.Context, o kiosk.Order, code string, progress func(bianmin.PayResult)) (kiosk.Paid, error) {
	if m.mobErr != nil {
		return kiosk.Paid{}, m.mobErr
	}
	m.seq++
	order := bianmin.NewNumber('P', testDay, "483920", int64(m.seq))
	m.orders = append(m.orders, order)
	method, _ := bianmin.PaymentCodeMethod(code)
	switch code[len(code)-1] {
	case '5':
		return kiosk.Paid{}, &kiosk.PayFailed{Result: bianmin.PayResult{Order: order, Status: bianmin.PayDeclined, Message: "余额不足"}}
	case '8':
		progress(bianmin.PayResult{Order: order, Status: bianmin.PayPaying})
		return kiosk.Paid{}, &kiosk.PayFailed{Result: bianmin.PayResult{Order: order, Status: bianmin.PayCancelled}, TimedOut: true}
	}
	p := bianmin.Payment{Receipt: order, Biller: o.Biller, Account: o.Account, DueFen: o.DueFen, PaidFen: o.DueFen, Method: method}
	paid := kiosk.Paid{Payment: p, Record: "rec-" + order, At: testDay}
	m.completed = append(m.completed, paid)
	return paid, nil
}

// chanScanner hands out one channel the test sends scans on.
type chanScanner struct {
	mu sync.Mutex
	ch chan scanner.Scan
}

func (s *chanScanner) Scans(ctx context.Context) <-chan scanner.Scan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch) // a newer receiver takes over, as the driver does
	}
	s.ch = make(chan scanner.Scan, 4)
	return s.ch
}
func (s *chanScanner) Status(context.Context) (scanner.Status, error) {
	return scanner.Status{Connected: true}, nil
}
func (s *chanScanner) send(sc scanner.Scan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ch <- sc
}

// uiQueue runs the UI updates of device goroutines on the test goroutine.
type uiQueue chan func()

func (q uiQueue) do(f func()) { q <- f }

// waitFor drains updates until cond holds.
func (q uiQueue) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-t.Context().Done():
			return
		}
	}
}

var testDay = time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)

type checkoutFixture struct {
	*fixture
	pay  *memPayments
	scan *chanScanner
	q    uiQueue
	got  []kiosk.Paid
}

func newCheckoutFixture(t *testing.T, o kiosk.Order) (*checkoutFixture, *checkoutScreen) {
	f := &checkoutFixture{fixture: newFixture(t), pay: &memPayments{}, scan: &chanScanner{}, q: make(uiQueue, 16)}
	f.app.deps.Payments = f.pay
	f.app.deps.Scanner = f.scan
	f.app.deps.UI = f.q.do
	s := newCheckout(f.app, o, func(p kiosk.Paid) {
		f.got = append(f.got, p)
		f.app.Push(&doneScreen{app: f.app, key: "rating.thanks"})
	})
	f.app.Push(s)
	f.q.waitFor(t, "device check", func() bool { return s.checked })
	return f, s
}

var heatOrder = kiosk.Order{Biller: "heating", Account: "1200345678", Period: "2026-2027采暖季", DueFen: 3750}

func TestCheckoutCashShowsNoticeCreditsAndCompletes(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	page := texts(f.win)
	for _, want := range []string{"供热费", "12****5678", "应缴：37.50 元", "现金", "付款码支付"} {
		if !strings.Contains(page, want) {
			t.Errorf("checkout lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "1200345678") {
		t.Error("the account is shown unmasked")
	}
	test.Tap(s.cashBtn)
	if f.pay.open != nil {
		t.Fatal("cash payment opened before the no-change notice")
	}
	if !strings.Contains(texts(f.win), "本机不找零") || !strings.Contains(texts(f.win), "50.00 元") {
		t.Fatalf("notice missing:\n%s", texts(f.win))
	}
	test.Tap(s.startCash)
	if f.pay.open == nil || s.step != checkoutCash {
		t.Fatal("cash payment not opened")
	}
	f.pay.credit(2000)
	f.q.waitFor(t, "first credit", func() bool { return s.paid == 2000 })
	if page := texts(f.win); !strings.Contains(page, "已投入：20.00 元") || !strings.Contains(page, "还需：17.50 元") {
		t.Errorf("screen after 20 元:\n%s", page)
	}
	if s.cancel.Text != tr("checkout.stop_voucher") {
		t.Errorf("with money in, cancelling must say it prints a voucher, says %q", s.cancel.Text)
	}
	f.pay.credit(2000)
	f.q.waitFor(t, "completion", func() bool { return len(f.got) == 1 })
	p := f.got[0].Payment
	if p.PaidFen != 4000 || p.Credit != 250 || p.Method != "cash" {
		t.Errorf("payment %+v", p)
	}
	if _, ok := f.app.Current().(*doneScreen); !ok {
		t.Fatalf("after the payment: %T", f.app.Current())
	}
	for _, sc := range f.app.stack {
		if sc == Screen(s) {
			t.Error("the completed checkout is still on the stack")
		}
	}
	f.app.EndSession()
	if len(f.pay.incomplete) != 0 {
		t.Error("ending the session after a completed payment made a voucher")
	}
}

func TestCheckoutRefusesMoneyWithoutPrinter(t *testing.T) {
	f := newFixture(t)
	f.prn.status.PaperEnd, f.prn.status.PaperEndStop = true, true
	pay := &memPayments{}
	f.app.deps.Payments = pay
	s := newCheckout(f.app, heatOrder, func(kiosk.Paid) { t.Error("paid without a printer") })
	f.app.Push(s)
	page := texts(f.win)
	if !strings.Contains(page, tr("reason.paper_end")) || s.cashBtn != nil || s.mobileBtn != nil {
		t.Fatalf("checkout offers payment with the paper out:\n%s", page)
	}
}

func TestCheckoutOffersOnlyWhatWorks(t *testing.T) {
	f := newFixture(t)
	f.app.deps.Payments = &memPayments{cashErr: kiosk.ErrNoCash, mobErr: kiosk.ErrNeedsNetwork}
	s := newCheckout(f.app, heatOrder, func(kiosk.Paid) {})
	f.app.Push(s)
	if !s.cashBtn.Disabled() || !s.mobileBtn.Disabled() {
		t.Fatal("methods that cannot work are offered")
	}
	page := texts(f.win)
	for _, want := range []string{tr("checkout.cash_none"), "需要联网"} {
		if !strings.Contains(page, want) {
			t.Errorf("checkout does not say %q:\n%s", want, page)
		}
	}
}

func TestCheckoutLeavingWithCashMakesVoucher(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	test.Tap(s.cashBtn)
	test.Tap(s.startCash)
	f.pay.credit(1000)
	f.q.waitFor(t, "credit", func() bool { return s.paid == 1000 })
	// The resident walks away: the idle timeout ends the session.
	f.clock.advance(f.cfg.IdleTimeout + f.cfg.Countdown + 1)
	f.app.Tick()
	f.app.Tick()
	f.home(t)
	if len(f.pay.incomplete) != 1 || f.pay.incomplete[0].PaidFen != 1000 {
		t.Fatalf("leaving with 10 元 in: incomplete %+v", f.pay.incomplete)
	}
	if len(f.got) != 0 {
		t.Error("an unpaid order completed")
	}
}

func TestCheckoutStopWithCashShowsVoucher(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	test.Tap(s.cashBtn)
	test.Tap(s.startCash)
	f.pay.credit(500)
	f.q.waitFor(t, "credit", func() bool { return s.paid == 500 })
	test.Tap(s.cancel)
	f.q.waitFor(t, "voucher", func() bool { return s.step == checkoutVoucher })
	page := texts(f.win)
	if !strings.Contains(page, "已收款 5.00 元，业务未完成，请到窗口处理") || !strings.Contains(page, f.pay.incomplete[0].Receipt) {
		t.Fatalf("voucher screen:\n%s", page)
	}
}

func TestCheckoutCancelBeforeCashReturnsToMethods(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	test.Tap(s.cashBtn)
	test.Tap(s.startCash)
	test.Tap(s.cancel)
	f.q.waitFor(t, "methods again", func() bool { return s.step == checkoutChoose && s.checked })
	if s.step != checkoutChoose || len(f.pay.incomplete) != 0 {
		t.Fatalf("cancel with nothing paid: step %d, incomplete %v", s.step, f.pay.incomplete)
	}
}

func TestCheckoutMobile(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	test.Tap(s.mobileBtn)
	if s.step != checkoutScan {
		t.Fatalf("step %d after choosing the payment code", s.step)
	}
	for _, tc := range []struct {
		name string
		scan scanner.Scan
		want string
	}{
		{"garbage", scanner.Scan{Err: scanner.ErrGarbage}, tr("checkout.scan_unreadable")},
		{"slip", scanner.Scan{Code: "https://office.example.cn/status/T1?s=abc", Class: scanner.ClassSlip}, tr("checkout.not_a_code")},
		{"declined", scanner.Scan{Code: "134567890123456785", Class: scanner.ClassWeChat}, "余额不足"},
		{"timeout", scanner.Scan{Code: "134567890123456788", Class: scanner.ClassWeChat}, "已撤销"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.message = ""
			f.scan.send(tc.scan)
			f.q.waitFor(t, "message", func() bool { return s.message != "" && s.step == checkoutScan })
			if !strings.Contains(s.message, tc.want) {
				t.Errorf("message %q, want %q", s.message, tc.want)
			}
			if len(f.got) != 0 {
				t.Fatal("completed without a successful payment")
			}
		})
	}
	f.scan.send(scanner.Scan{Code: "134567890123456780", Class: scanner.ClassWeChat})
	f.q.waitFor(t, "payment", func() bool { return len(f.got) == 1 })
	if f.got[0].Payment.Method != "wechat" || f.got[0].Payment.PaidFen != 3750 {
		t.Errorf("payment %+v", f.got[0].Payment)
	}
	if len(f.pay.orders) != 3 || f.pay.orders[0] == f.pay.orders[1] || f.pay.orders[1] == f.pay.orders[2] {
		t.Errorf("each attempt needs its own order: %v", f.pay.orders)
	}
}

func TestCheckoutMobileOfflineGoesBack(t *testing.T) {
	f, s := newCheckoutFixture(t, heatOrder)
	test.Tap(s.mobileBtn)
	f.pay.mobErr = kiosk.ErrNeedsNetwork
	f.scan.send(scanner.Scan{Code: "134567890123456780", Class: scanner.ClassWeChat})
	f.q.waitFor(t, "back to methods", func() bool { return s.step == checkoutChoose && s.checked })
	if !s.mobileBtn.Disabled() || !strings.Contains(texts(f.win), "需要联网") {
		t.Fatalf("offline mobile payment:\n%s", texts(f.win))
	}
}
