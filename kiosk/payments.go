package kiosk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"bianmin"
	"bianmin/kiosk/receipt"
	"bianmin/kiosk/store"
	"bianmin/sync/client"
)

// Payments on the kiosk (SPEC §2.6). Cash goes through the journal in
// kiosk/store: a payment is opened before the acceptor is enabled, every
// credit is committed before the driver is told it is taken, and the
// payment record is queued in the transaction that closes the payment.
// Mobile payments go through officed, one order per attempt, the receipt
// number as the order id.

// Defaults of the mobile payment's polling.
const (
	DefaultPayPoll = 2 * time.Second  // pause between queries while the resident confirms
	DefaultPayWait = 60 * time.Second // how long a payment may stay "paying" before the kiosk cancels it
)

// settleWait bounds how long closing a cash payment waits for a bill the
// escrow policy stacked to be credited.
const settleWait = 5 * time.Second

// CashPayment is a cash payment taking money. Its methods are safe for
// concurrent use.
type CashPayment struct {
	r       *Runtime
	receipt string
	order   Order
	update  func(CashUpdate)

	mu     sync.Mutex
	paid   int64
	fault  error
	closed bool
}

// Receipt is the payment's receipt number.
func (p *CashPayment) Receipt() string { return p.receipt }

// Paid is the sum journaled for it so far.
func (p *CashPayment) Paid() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paid
}

func (p *CashPayment) credited(paid int64) {
	p.mu.Lock()
	p.paid = max(p.paid, paid)
	u := CashUpdate{PaidFen: p.paid, Fault: p.fault}
	closed := p.closed
	p.mu.Unlock()
	if !closed && p.update != nil {
		p.update(u)
	}
}

func (p *CashPayment) faulted(err error) {
	p.mu.Lock()
	p.fault = err
	u := CashUpdate{PaidFen: p.paid, Fault: err}
	closed := p.closed
	p.mu.Unlock()
	if !closed && p.update != nil {
		p.update(u)
	}
}

// CashReady is nil when the cash acceptor can take money now.
func (r *Runtime) CashReady(ctx context.Context) error { return r.Cash.Ready(ctx) }

// MobileReady is nil when a mobile payment can work now: the kiosk is
// enrolled and officed answers; else ErrNeedsNetwork.
func (r *Runtime) MobileReady(ctx context.Context) error {
	if _, err := r.officeClient(ctx); err != nil {
		return err
	}
	if !r.OfficeOnline(ctx) {
		return ErrNeedsNetwork
	}
	return nil
}

// officeClient is the signed client of the enrolled kiosk.
func (r *Runtime) officeClient(ctx context.Context) (*client.Client, error) {
	e, ok, err := r.Enrollment(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: this kiosk is not enrolled", ErrNeedsNetwork)
	}
	return &client.Client{Server: e.Server, KioskID: e.KioskID, Key: r.Keys.Sign, HTTP: payHTTP}, nil
}

// OpenCash opens a cash payment of o and enables the acceptor. update is
// called after every credit is journaled and when the acceptor reports a
// fault or its end; from the driver's goroutine, so it must not block.
// Before any of this the acceptor must be Ready: no payment is opened for
// an acceptor that cannot take money.
func (r *Runtime) OpenCash(ctx context.Context, o Order, update func(CashUpdate)) (*CashPayment, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	d, err := r.Cash.get()
	if err != nil {
		return nil, err
	}
	if err := d.Ready(ctx); err != nil {
		return nil, err
	}
	code, err := r.Code(ctx)
	if err != nil {
		return nil, err
	}
	receipt, err := r.DB.OpenPayment(ctx, store.OpenPayment{Method: store.JournalCash, Biller: o.Biller, Account: o.Account,
		Period: o.Period, DueFen: o.DueFen, Offline: o.Offline}, code, time.Now())
	if errors.Is(err, store.ErrPaymentOpen) {
		return nil, ErrPaymentOpen
	}
	if err != nil {
		return nil, err
	}
	p := &CashPayment{r: r, receipt: receipt, order: o, update: update}
	s := r.Cash.sink
	s.mu.Lock()
	s.open, s.promised = p, 0
	s.mu.Unlock()
	if err := d.Enable(ctx); err != nil {
		s.mu.Lock()
		s.open = nil
		s.mu.Unlock()
		// Nothing can have been credited: the acceptor never took money.
		if _, aerr := r.DB.AbandonPayment(context.WithoutCancel(ctx), receipt, "cash acceptor did not start", false, time.Now()); aerr != nil {
			r.Log.Error("cash payment: closing after a failed start", "receipt", receipt, "err", aerr)
		}
		return nil, err
	}
	r.Log.Info("cash payment opened", "receipt", receipt, "biller", o.Biller, "due_fen", o.DueFen)
	return p, nil
}

// stop disables the acceptor and waits (briefly) until a bill the escrow
// policy stacked has been credited, so it belongs to this payment; then the
// payment stops taking money.
func (p *CashPayment) stop(ctx context.Context) {
	r := p.r
	s := r.Cash.sink
	s.mu.Lock()
	if s.open == p {
		// From here every bill in escrow is returned.
		s.open = nil
	}
	s.mu.Unlock()
	if d, err := r.Cash.get(); err == nil {
		if err := d.Disable(ctx); err != nil {
			r.Log.Warn("cash payment: disabling the acceptor", "receipt", p.receipt, "err", err)
		}
	}
	deadline := time.Now().Add(settleWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		s.mu.Lock()
		promised := s.promised
		s.mu.Unlock()
		if promised == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
}

// Complete stops the acceptor and closes the payment as paid: the payment
// record (with every note and coin, and the overpayment as credit) is queued
// and o.Finish runs in the same transaction. ErrUnpaid when the credits do
// not cover what is due: the payment stays open and the acceptor is enabled
// again.
func (p *CashPayment) Complete(ctx context.Context) (Paid, error) {
	r := p.r
	p.stop(ctx)
	now := time.Now()
	pay, rec, err := r.DB.CompletePayment(ctx, p.receipt, now, func(jp store.JournalPayment) bianmin.Payment {
		return bianmin.Payment{Receipt: jp.Receipt, Biller: jp.Biller, Account: jp.Account, Period: jp.Period, DueFen: jp.DueFen,
			PaidFen: jp.PaidFen, Credit: jp.PaidFen - jp.DueFen, Method: bianmin.MethodCash, Notes: jp.Notes, Offline: jp.Offline,
			Secret: bianmin.NewSecret()}
	}, p.finisher(ctx))
	if errors.Is(err, store.ErrPaymentShort) {
		// A credit counted on screen is not in the journal after all:
		// take more cash.
		p.reopen(ctx)
		return Paid{}, ErrUnpaid
	}
	if err != nil {
		// The money is in and journaled, but the service refused to
		// finish: the acceptor stays off, and leaving turns the payment
		// into a voucher.
		return Paid{}, err
	}
	r.Log.Info("cash payment completed", "receipt", p.receipt, "paid_fen", pay.PaidFen, "credit_fen", pay.Credit)
	return Paid{Payment: pay, Record: rec.ID, At: now}, nil
}

// reopen lets a payment that could not complete take money again.
func (p *CashPayment) reopen(ctx context.Context) {
	r := p.r
	s := r.Cash.sink
	p.mu.Lock()
	p.closed = false
	p.mu.Unlock()
	s.mu.Lock()
	if s.open == nil {
		s.open = p
	}
	s.mu.Unlock()
	if d, err := r.Cash.get(); err == nil {
		d.Enable(ctx)
	}
}

func (p *CashPayment) finisher(ctx context.Context) func(*store.Tx, bianmin.Payment) error {
	if p.order.Finish == nil {
		return nil
	}
	return func(tx *store.Tx, pay bianmin.Payment) error { return p.order.Finish(ctx, tx, pay) }
}

// Abandon stops the acceptor and closes the payment unfinished. With money
// credited it becomes incomplete — the payment.incomplete record queued in
// the closing transaction — and the voucher prints now if the printer is
// ready, else later (RunPayments). With nothing credited it just ends.
func (p *CashPayment) Abandon(ctx context.Context, reason string) (Incomplete, error) {
	r := p.r
	p.stop(ctx)
	jp, err := r.DB.AbandonPayment(ctx, p.receipt, reason, false, time.Now())
	if err != nil {
		return Incomplete{}, err
	}
	inc := Incomplete{Receipt: jp.Receipt, PaidFen: jp.PaidFen}
	if jp.PaidFen > 0 {
		r.Log.Warn("cash payment abandoned with money taken: voucher", "receipt", jp.Receipt, "paid_fen", jp.PaidFen, "reason", reason)
		inc.Printed = r.printVoucher(ctx, jp) == nil
	} else {
		r.Log.Info("cash payment cancelled before any money", "receipt", jp.Receipt)
	}
	return inc, nil
}

// voucherWhy puts the journal's reason in a resident's words.
func voucherWhy(reason string) string {
	switch {
	case reason == store.StrayReason:
		return "缴费流程外投入的现金"
	case strings.Contains(reason, "restart"):
		return "设备重启，缴费中断"
	case strings.Contains(reason, "session"):
		return "缴费未完成时离开"
	}
	return "缴费中止"
}

// printVoucher prints the voucher of an incomplete payment and marks it
// printed. The printer must be ready: a voucher is never half printed on
// purpose.
func (r *Runtime) printVoucher(ctx context.Context, jp store.JournalPayment) error {
	c := r.Config()
	b, err := receipt.Voucher(jp.Receipt, jp.PaidFen, jp.Biller, jp.Account, receipt.PaymentInfo{
		Office: c.OfficeName, Kiosk: c.KioskName, Footer: c.ReceiptFooter, At: jp.Created.Local(), Why: voucherWhy(jp.Reason)})
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.Printer.Ready(pctx); err != nil {
		return err
	}
	if err := r.Printer.Print(pctx, b); err != nil {
		return err
	}
	return r.DB.VoucherPrinted(context.WithoutCancel(ctx), jp.Receipt)
}

// ReceiptURL is officed's page of a payment receipt, the QR on the slip;
// the secret travels only there, so receipts cannot be enumerated.
func (c Config) ReceiptURL(number, secret string) string {
	return strings.TrimRight(c.PublicBaseURL, "/") + "/receipts/" + url.PathEscape(number) + "?s=" + url.QueryEscape(secret)
}

// PaymentSlip renders the receipt of a completed payment.
func (r *Runtime) PaymentSlip(p Paid, c Config) ([]byte, error) {
	return receipt.PaymentReceipt(p.Payment, receipt.PaymentInfo{Office: c.OfficeName, Kiosk: c.KioskName, Footer: c.ReceiptFooter,
		QR: c.ReceiptURL(p.Payment.Receipt, p.Payment.Secret), At: p.At})
}

// payHTTP bounds every call to officed's payment API: a kiosk must not
// wait on a dead link longer than a resident waits at the screen.
var payHTTP = &http.Client{Timeout: 20 * time.Second}

// PayMobile runs one mobile payment attempt: it opens a payment under a
// fresh receipt number (the order id), asks officed to authorise code,
// queries while the resident confirms on the phone (progress gets each
// answer) for at most Runtime.PayWait, and cancels the order
// when that runs out or ctx ends. On success the payment record is queued
// (with o.Finish) in the transaction that closes the payment.
//
// Nothing is ever charged without a completed payment: an order whose
// outcome the kiosk could not learn, or that succeeded but could not be
// recorded, is cancelled at officed (reversed), now or — when officed
// cannot be reached — by RunPayments later. A lost answer is retried with
// the same order, which officed answers with the first result and never
// charges twice.
func (r *Runtime) PayMobile(ctx context.Context, o Order, code string, progress func(bianmin.PayResult)) (Paid, error) {
	if err := o.Validate(); err != nil {
		return Paid{}, err
	}
	cl, err := r.officeClient(ctx)
	if err != nil {
		return Paid{}, err
	}
	kcode, err := r.Code(ctx)
	if err != nil {
		return Paid{}, err
	}
	order, err := r.DB.OpenPayment(ctx, store.OpenPayment{Method: store.JournalMobile, Biller: o.Biller, Account: o.Account,
		Period: o.Period, DueFen: o.DueFen, Offline: o.Offline}, kcode, time.Now())
	if errors.Is(err, store.ErrPaymentOpen) {
		return Paid{}, ErrPaymentOpen
	}
	if err != nil {
		return Paid{}, err
	}
	log := r.Log.With("order", order)
	req := bianmin.PayRequest{Order: order, Biller: o.Biller, Account: o.Account, AmountFen: o.DueFen, Code: code}
	res, err := r.payOnce(ctx, cl, req)
	if err != nil {
		var se *client.StatusError
		if errors.As(err, &se) && !se.Temporary() {
			// officed refused the request itself: no order exists there.
			log.Warn("mobile payment refused by officed", "err", err)
			r.closeMobile(ctx, order, "refused by officed", false)
			return Paid{}, &PayFailed{Result: bianmin.PayResult{Order: order, Status: bianmin.PayError, Message: "支付请求被拒绝，未扣款"}}
		}
		log.Warn("mobile payment: officed unreachable", "err", err)
		r.cancelMobile(ctx, cl, order, "officed unreachable during the payment")
		return Paid{}, fmt.Errorf("%w: %v", ErrNeedsNetwork, err)
	}
	deadline := time.Now().Add(r.payWait())
	for res.Status == bianmin.PayPaying {
		if progress != nil {
			progress(res)
		}
		if time.Now().After(deadline) || !sleepCtx(ctx, r.payPoll()) {
			log.Info("mobile payment not confirmed in time: cancelling")
			r.cancelMobile(ctx, cl, order, "not confirmed in time")
			return Paid{}, &PayFailed{Result: bianmin.PayResult{Order: order, Status: bianmin.PayCancelled, Message: "未在规定时间内确认，已撤销"}, TimedOut: true}
		}
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		next, err := cl.PayQuery(qctx, order)
		cancel()
		if err != nil {
			log.Warn("mobile payment query failed; asking again", "err", err)
			continue
		}
		res = next
	}
	if res.Status != bianmin.PaySuccess {
		log.Info("mobile payment did not succeed", "status", res.Status)
		r.closeMobile(ctx, order, "mobile payment "+res.Status, false)
		return Paid{}, &PayFailed{Result: res}
	}
	if res.AmountFen != 0 && res.AmountFen != o.DueFen {
		log.Error("officed confirmed another amount: cancelling", "amount_fen", res.AmountFen, "due_fen", o.DueFen)
		r.cancelMobile(ctx, cl, order, "amount mismatch")
		return Paid{}, &PayFailed{Result: bianmin.PayResult{Order: order, Status: bianmin.PayError, Message: "金额不符，已撤销"}}
	}
	now := time.Now()
	pay, rec, err := r.DB.CompletePayment(context.WithoutCancel(ctx), order, now, func(jp store.JournalPayment) bianmin.Payment {
		return bianmin.Payment{Receipt: jp.Receipt, Biller: jp.Biller, Account: jp.Account, Period: jp.Period, DueFen: jp.DueFen,
			PaidFen: jp.DueFen, Method: res.Method, Gateway: res.GatewayRef, Offline: jp.Offline, Secret: bianmin.NewSecret()}
	}, func(tx *store.Tx, p bianmin.Payment) error {
		if o.Finish == nil {
			return nil
		}
		return o.Finish(ctx, tx, p)
	})
	if err != nil {
		// Paid at the provider but the service cannot complete: the money
		// goes back.
		log.Error("mobile payment could not be recorded: cancelling (refund)", "err", err)
		r.cancelMobile(ctx, cl, order, "payment could not be recorded")
		return Paid{}, err
	}
	log.Info("mobile payment completed", "method", pay.Method)
	return Paid{Payment: pay, Record: rec.ID, At: now}, nil
}

// payOnce sends the pay request, again with the same order when the answer
// is lost (a network error or a 5xx): officed returns the first result.
func (r *Runtime) payOnce(ctx context.Context, cl *client.Client, req bianmin.PayRequest) (bianmin.PayResult, error) {
	var err error
	for try := 0; try < 3; try++ {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		var res bianmin.PayResult
		res, err = cl.Pay(pctx, req)
		cancel()
		if err == nil {
			return res, nil
		}
		var se *client.StatusError
		if errors.As(err, &se) && !se.Temporary() {
			return res, err
		}
		if !sleepCtx(ctx, 500*time.Millisecond*time.Duration(try+1)) {
			break
		}
	}
	return bianmin.PayResult{}, err
}

// cancelMobile makes sure an order ends without money taken: cancelled at
// officed now, or left "cancelling" in the journal for RunPayments.
func (r *Runtime) cancelMobile(ctx context.Context, cl *client.Client, order, reason string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	_, err := cl.PayCancel(cctx, order)
	if err != nil {
		r.Log.Warn("mobile payment: cancel failed; will retry", "order", order, "err", err)
	}
	r.closeMobile(ctx, order, reason, err != nil)
	if err != nil {
		r.kickPayments()
	}
}

func (r *Runtime) closeMobile(ctx context.Context, order, reason string, cancelling bool) {
	if _, err := r.DB.AbandonPayment(context.WithoutCancel(ctx), order, reason, cancelling, time.Now()); err != nil {
		r.Log.Error("mobile payment: closing in the journal", "order", order, "err", err)
	}
}

func (r *Runtime) payPoll() time.Duration {
	if r.PayPoll > 0 {
		return r.PayPoll
	}
	return DefaultPayPoll
}

func (r *Runtime) payWait() time.Duration {
	if r.PayWait > 0 {
		return r.PayWait
	}
	return DefaultPayWait
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// RecoverPayments settles what a crash or power cut left open, at start
// before residents are served: credits still in the acceptor's buffers are
// journaled first (the driver resumes from the journal's counters), then
// every open payment is closed — with money taken, as incomplete with its
// payment.incomplete record queued and its voucher due — and due vouchers
// print if the printer is ready. Each payment is closed exactly once.
func (r *Runtime) RecoverPayments(ctx context.Context) error {
	open, err := r.DB.Payments(ctx, store.PaymentOpen)
	if err != nil {
		return err
	}
	if len(open) > 0 {
		r.settleCash(ctx)
	}
	closed, err := r.DB.RecoverPayments(ctx, "kiosk restarted during the payment", time.Now())
	for _, p := range closed {
		r.Log.Warn("payment left open by a restart", "receipt", p.Receipt, "method", p.Method, "paid_fen", p.PaidFen, "now", p.State)
	}
	if err != nil {
		return err
	}
	r.settlePayments(ctx)
	return nil
}

// settleCash opens the acceptor (if one is configured) and waits until the
// credits its buffers held at start are journaled: the driver polls at once
// after opening, and delivers what it finds; a device whose buffer was
// already journaled delivers nothing. It gives up after a few seconds: a
// credit found later still gets its own voucher.
func (r *Runtime) settleCash(ctx context.Context) {
	d, err := r.Cash.get()
	if err != nil {
		if !errors.Is(err, ErrNoCash) {
			r.Log.Warn("recovery: cash acceptor", "err", err)
		}
		return
	}
	deadline := time.Now().Add(3 * time.Second)
	polled := false
	for time.Now().Before(deadline) && ctx.Err() == nil {
		st := d.State()
		s := r.Cash.sink
		s.mu.Lock()
		caught := st.Bill.Counter == 0 || st.Bill.Counter == s.seen["bill"]
		if st.Coin != nil {
			caught = caught && (st.Coin.Counter == 0 || st.Coin.Counter == s.seen["coin"])
		}
		s.mu.Unlock()
		if caught && st.Pending == 0 && polled {
			return
		}
		// One more round trip under the port lock: the first poll has run
		// by the time it returns, or runs next.
		if _, err := d.Status(ctx); err == nil {
			polled = true
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// RunPayments keeps settling in the background until ctx ends: due
// vouchers print once the printer is ready, and mobile orders whose outcome
// the kiosk never learnt are cancelled at officed.
func (r *Runtime) RunPayments(ctx context.Context) {
	r.mu.Lock()
	if r.payKick == nil {
		r.payKick = make(chan struct{}, 1)
	}
	kick := r.payKick
	r.mu.Unlock()
	for {
		r.settlePayments(ctx)
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-time.After(30 * time.Second):
		}
	}
}

// kickPayments asks RunPayments for a round now.
func (r *Runtime) kickPayments() {
	r.mu.Lock()
	k := r.payKick
	r.mu.Unlock()
	if k != nil {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// settlePayments prints due vouchers and cancels undecided mobile orders,
// as far as the printer and officed allow now.
func (r *Runtime) settlePayments(ctx context.Context) {
	due, err := r.DB.DueVouchers(ctx)
	if err != nil {
		r.Log.Error("vouchers", "err", err)
	}
	for _, p := range due {
		if err := r.printVoucher(ctx, p); err != nil {
			r.Log.Warn("voucher waits for the printer", "receipt", p.Receipt, "err", err)
			break
		}
		r.Log.Info("voucher printed", "receipt", p.Receipt, "paid_fen", p.PaidFen)
	}
	cancelling, err := r.DB.Payments(ctx, store.PaymentCancelling)
	if err != nil || len(cancelling) == 0 {
		return
	}
	cl, err := r.officeClient(ctx)
	if err != nil {
		return
	}
	for _, p := range cancelling {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_, err := cl.PayCancel(cctx, p.Receipt)
		cancel()
		if err != nil {
			r.Log.Warn("order still to cancel", "order", p.Receipt, "err", err)
			return
		}
		if err := r.DB.Cancelled(ctx, p.Receipt, time.Now()); err != nil {
			r.Log.Error("cancelled order", "order", p.Receipt, "err", err)
		}
		r.Log.Info("undecided order cancelled at officed", "order", p.Receipt)
	}
}

// CollectCash records the emptying of the cash box (technician mode): a
// cash.collected record with the counts since the last collection.
func (r *Runtime) CollectCash(ctx context.Context, staff string) (bianmin.CashCollected, error) {
	c, _, err := r.DB.CollectCash(ctx, staff, time.Now())
	if err == nil {
		r.Log.Info("cash collected", "notes", c.Notes, "coins", c.Coins, "total_fen", c.TotalFen)
	}
	return c, err
}
