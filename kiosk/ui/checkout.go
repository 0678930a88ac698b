package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/scanner"
	"bianmin/kiosk"
)

// Payments is the kiosk's payment back end as the checkout uses it
// (kiosk.Runtime in the binary, through RuntimeDeps).
type Payments interface {
	// CashReady is nil when the cash acceptor can take money now, else why
	// not (not configured, jammed, stacker out, disconnected …).
	CashReady(ctx context.Context) error
	// MobileReady is nil when a mobile payment can work now: the kiosk is
	// enrolled and officed answers. Else kiosk.ErrNeedsNetwork.
	MobileReady(ctx context.Context) error
	// OpenCash opens a cash payment of o in the journal and starts taking
	// cash. update is called, from any goroutine, after every credit is
	// journaled and when the acceptor reports a fault or its end.
	OpenCash(ctx context.Context, o kiosk.Order, update func(kiosk.CashUpdate)) (CashPayment, error)
	// PayMobile runs one attempt to pay o with a payment code: a fresh
	// receipt number as the order, pay, query while the resident confirms
	// on the phone (progress gets each answer), cancel when that takes too
	// long or ctx ends. It returns the completed payment, a *kiosk.PayFailed
	// when nothing was paid, or kiosk.ErrNeedsNetwork.
	PayMobile(ctx context.Context, o kiosk.Order, code string, progress func(bianmin.PayResult)) (kiosk.Paid, error)
}

// CashPayment is one cash payment in progress (kiosk.CashPayment).
type CashPayment interface {
	Receipt() string
	// Paid is the sum journaled so far, in 分.
	Paid() int64
	// Complete stops the acceptor and, once what is credited covers what
	// is due, closes the payment and queues its record in one transaction.
	Complete(ctx context.Context) (kiosk.Paid, error)
	// Abandon stops the acceptor and closes the payment: with money
	// credited it queues a payment.incomplete record and prints the
	// voucher (已收款 X 元，业务未完成，请到窗口处理), or leaves the voucher to
	// be printed when the printer is back; with nothing credited it just
	// ends.
	Abandon(ctx context.Context, reason string) (kiosk.Incomplete, error)
}

// Steps of the checkout.
const (
	checkoutChoose  = iota // the order, and the methods that can work now
	checkoutNotice         // 本机不找零, before any cash goes in
	checkoutCash           // taking cash
	checkoutScan           // waiting for a payment code
	checkoutPaying         // a payment code is being authorised
	checkoutVoucher        // the payment was abandoned with money taken
)

// checkoutScreen takes the money for one order (SPEC §2.6) and is shared by
// every service that charges: bill payments and the temporary-ID fee.
//
//	a.Push(newCheckout(a, kiosk.Order{Biller: "tempid", Account: …, DueFen: 1000},
//		func(p kiosk.Paid) { … continue the service … }))
//
// Before any money is taken it checks that the printer is ready, and it
// offers only the methods that can work now: cash when the acceptor
// answers, a payment code only when officed is reachable (else it says
// why). Cash starts only after the no-change notice. When the payment
// completes — its record queued — the checkout takes itself off the stack
// and calls done on the UI goroutine; done pushes the next screen. Leaving
// the checkout (back, home, the idle timeout) with cash credited turns the
// payment into a voucher and a payment.incomplete record; leaving while a
// payment code is being authorised cancels that order.
type checkoutScreen struct {
	app   *App
	order kiosk.Order
	done  func(kiosk.Paid)

	step     int
	checked  bool
	printErr error // the printer cannot print the receipt: no money is taken
	cashErr  error
	mobErr   error
	message  string // the last outcome, in the session's language
	fault    error  // the acceptor's current fault during a cash payment

	cash       CashPayment
	paid       int64
	completing bool
	voucher    kiosk.Incomplete
	stop       context.CancelFunc // ends scanning or a mobile payment in progress
	ended      bool               // left or completed: late updates are ignored

	// for tests
	cashBtn, mobileBtn, startCash, cancel *widget.Button
}

// newCheckout returns the checkout of o; it starts checking the devices at
// once, so the first screen already says what can work.
func newCheckout(a *App, o kiosk.Order, done func(kiosk.Paid)) *checkoutScreen {
	s := &checkoutScreen{app: a, order: o, done: done}
	s.check()
	return s
}

// check asks the printer, the acceptor and officed what can work now.
func (s *checkoutScreen) check() {
	a := s.app
	s.checked = false
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		perr := a.deps.Printer.Ready(ctx)
		cerr, merr := errNoPayments, errNoPayments
		if p := a.deps.Payments; p != nil {
			cerr, merr = p.CashReady(ctx), p.MobileReady(ctx)
		}
		a.deps.UI(func() {
			s.printErr, s.cashErr, s.mobErr, s.checked = perr, cerr, merr, true
			s.refresh()
		})
	})
}

var errNoPayments = errors.New("payments are not wired")

// shown reports whether the checkout is the screen on top.
func (s *checkoutScreen) shown() bool { return s.app.showing(s) }

func (s *checkoutScreen) refresh() {
	if s.shown() {
		s.app.render()
	}
}

func (s *checkoutScreen) build() fyne.CanvasObject {
	a := s.app
	top := container.NewVBox(screenTitle(tr("checkout.title")), s.summary())
	msg := wrapLabel(s.message)
	msg.Importance = widget.DangerImportance
	var body fyne.CanvasObject
	var actions []fyne.CanvasObject
	nav := true
	switch s.step {
	case checkoutChoose:
		body, actions = s.chooseBody()
	case checkoutNotice:
		notice := centred(tr("checkout.no_change"), fyne.TextStyle{Bold: true}, "headingText")
		notice.Importance = widget.WarningImportance
		body = container.NewVBox(notice,
			wrapLabel(tr("checkout.no_change_body", map[string]any{"Limit": bianmin.FormatYuan(a.deps.Config().Cash.OverpayLimitFen)})),
			wrapLabel(tr("checkout.cash_kinds")))
		s.startCash = a.button(tr("checkout.start_cash"), widget.HighImportance, s.openCash)
		s.cancel = a.button(tr("checkout.other_method"), widget.MediumImportance, func() { s.step = checkoutChoose; a.render() })
		actions = []fyne.CanvasObject{big(s.cancel), big(s.startCash)}
	case checkoutCash:
		nav = false
		body = s.cashBody()
		if s.paid == 0 {
			s.cancel = a.button(tr("checkout.cancel"), widget.MediumImportance, s.abandon)
		} else {
			s.cancel = a.button(tr("checkout.stop_voucher"), widget.DangerImportance, s.abandon)
		}
		if s.completing {
			s.cancel.Disable()
		}
		actions = []fyne.CanvasObject{big(s.cancel)}
	case checkoutScan:
		hint := centred(tr("checkout.scan_hint"), fyne.TextStyle{Bold: true}, "subHeadingText")
		body = container.NewVBox(hint, wrapLabel(tr("checkout.scan_where")))
		s.cancel = a.button(tr("checkout.other_method"), widget.MediumImportance, s.backToChoose)
		actions = []fyne.CanvasObject{big(s.cancel)}
	case checkoutPaying:
		nav = false
		wait := centred(tr("checkout.paying"), fyne.TextStyle{Bold: true}, "subHeadingText")
		body = wait
		msg.Importance = widget.MediumImportance
	case checkoutVoucher:
		nav = false
		head := centred(tr("checkout.voucher_title"), fyne.TextStyle{Bold: true}, "headingText")
		lines := []fyne.CanvasObject{head,
			wrapLabel(tr("checkout.voucher_body", map[string]any{"Paid": bianmin.FormatYuan(s.voucher.PaidFen)})),
			widget.NewLabelWithStyle(s.voucher.Receipt, fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})}
		if s.voucher.Printed {
			lines = append(lines, wrapLabel(tr("checkout.voucher_printed")))
		} else {
			lines = append(lines, wrapLabel(tr("checkout.voucher_later")))
		}
		body = container.NewVBox(lines...)
		home := a.button(tr("common.home"), widget.HighImportance, a.EndSession)
		actions = []fyne.CanvasObject{big(home)}
	}
	var bottom fyne.CanvasObject
	if nav {
		bottom = a.navBar(actions...)
	} else {
		bottom = container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, actions...)...)
	}
	return container.NewBorder(top, bottom, nil, nil, container.NewVBox(body, msg, layout.NewSpacer()))
}

// summary is what is paid: the payee, the masked account, the period and the
// amount due in 元, marked when it came from the cached bills.
func (s *checkoutScreen) summary() fyne.CanvasObject {
	o := s.order
	name, ok := bianmin.BillerName(o.Biller)
	if !ok {
		name = tr("checkout.tempid_fee")
	}
	lines := []fyne.CanvasObject{widget.NewLabel(tr("checkout.item") + "：" + name)}
	if o.Biller != "tempid" {
		lines = append(lines, widget.NewLabel(tr("checkout.account")+"："+bianmin.MaskAccount(o.Account)))
	}
	if o.Period != "" {
		lines = append(lines, widget.NewLabel(tr("checkout.period")+"："+o.Period))
	}
	due := widget.NewLabelWithStyle(tr("checkout.due", map[string]any{"Amount": bianmin.FormatYuan(o.DueFen)}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	due.SizeName = "subHeadingText"
	lines = append(lines, due)
	if o.Offline {
		cached := wrapLabel(tr("checkout.cached"))
		cached.Importance = widget.WarningImportance
		lines = append(lines, cached)
	}
	return container.NewVBox(lines...)
}

func (s *checkoutScreen) chooseBody() (fyne.CanvasObject, []fyne.CanvasObject) {
	a := s.app
	if !s.checked {
		return wrapLabel(tr("checkout.checking")), nil
	}
	if s.printErr != nil {
		return wrapLabel(tr("checkout.no_printer", map[string]any{"Reason": reason(s.printErr)})), nil
	}
	var sub string
	if s.cashErr != nil {
		sub = tr("checkout.cash_unavailable", map[string]any{"Reason": s.cashReason(s.cashErr)})
	} else {
		sub = tr("checkout.cash_sub")
	}
	var cashObj, mobObj fyne.CanvasObject
	s.cashBtn, cashObj = a.card(tr("checkout.cash"), sub, true, s.cashErr == nil, 160, func() {
		s.message = ""
		s.step = checkoutNotice
		a.render()
	})
	if s.mobErr != nil {
		sub = tr("checkout.mobile_unavailable")
	} else {
		sub = tr("checkout.mobile_sub")
	}
	s.mobileBtn, mobObj = a.card(tr("checkout.mobile"), sub, true, s.mobErr == nil, 160, s.startScan)
	return container.NewVBox(widget.NewLabel(tr("checkout.choose")), cashObj, mobObj), nil
}

// cashReason puts an acceptor error in a resident's words.
func (s *checkoutScreen) cashReason(err error) string {
	if errors.Is(err, kiosk.ErrNoCash) || errors.Is(err, errNoPayments) {
		return tr("checkout.cash_none")
	}
	return tr("checkout.cash_fault")
}

func (s *checkoutScreen) cashBody() fyne.CanvasObject {
	left := s.order.DueFen - s.paid
	if left < 0 {
		left = 0
	}
	insert := centred(tr("checkout.insert"), fyne.TextStyle{Bold: true}, "subHeadingText")
	paid := centred(tr("checkout.paid", map[string]any{"Amount": bianmin.FormatYuan(s.paid)}), fyne.TextStyle{Bold: true}, "headingText")
	rest := widget.NewLabelWithStyle(tr("checkout.left", map[string]any{"Amount": bianmin.FormatYuan(left)}), fyne.TextAlignCenter, fyne.TextStyle{})
	objs := []fyne.CanvasObject{insert, paid, rest, wrapLabel(tr("checkout.no_change"))}
	if s.fault != nil {
		f := wrapLabel(tr("checkout.cash_fault_now"))
		f.Importance = widget.DangerImportance
		objs = append(objs, f)
	}
	if s.completing {
		objs = append(objs, wrapLabel(tr("checkout.completing")))
	}
	return container.NewVBox(objs...)
}

// openCash opens the payment and enables the acceptor.
func (s *checkoutScreen) openCash() {
	a := s.app
	s.startCash.Disable()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cp, err := a.deps.Payments.OpenCash(ctx, s.order, func(u kiosk.CashUpdate) {
		a.deps.UI(func() { s.cashUpdate(u) })
	})
	if err != nil {
		a.deps.Log.Warn("checkout: open cash", "err", err)
		s.message = tr("checkout.cash_failed", map[string]any{"Reason": s.cashReason(err)})
		s.step = checkoutChoose
		s.check()
		a.render()
		return
	}
	s.cash, s.paid, s.fault, s.message = cp, cp.Paid(), nil, ""
	s.step = checkoutCash
	a.render()
	if s.paid >= s.order.DueFen {
		s.completeCash()
	}
}

func (s *checkoutScreen) cashUpdate(u kiosk.CashUpdate) {
	if s.ended || s.cash == nil {
		return
	}
	s.app.Touch() // feeding bills is activity: no idle countdown mid-payment
	s.paid, s.fault = u.PaidFen, u.Fault
	if s.paid >= s.order.DueFen && !s.completing {
		s.completeCash()
		return
	}
	s.refresh()
}

// completeCash closes the payment once the credits cover what is due.
func (s *checkoutScreen) completeCash() {
	a := s.app
	s.completing = true
	s.refresh()
	cp := s.cash
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		paid, err := cp.Complete(ctx)
		a.deps.UI(func() {
			s.completing = false
			if err != nil {
				// The payment stays open and its credits journaled: leaving
				// turns it into a voucher.
				a.deps.Log.Error("checkout: complete cash payment", "receipt", cp.Receipt(), "err", err)
				s.message = tr("checkout.complete_failed")
				s.refresh()
				return
			}
			s.finish(paid)
		})
	})
}

// finish hands the completed payment to the service.
func (s *checkoutScreen) finish(p kiosk.Paid) {
	a := s.app
	s.ended = true
	s.cash = nil
	if s.stop != nil {
		s.stop()
	}
	// The checkout is done with: back from the next screen must not return
	// to it, and the session's end has nothing of it to settle.
	a.unstack(s)
	s.done(p)
}

// abandon ends a cash payment before it covered what is due. Closing it
// may print a voucher, so it runs off the UI goroutine.
func (s *checkoutScreen) abandon() {
	a := s.app
	cp := s.cash
	if cp == nil {
		return
	}
	s.completing = true // no second tap while it closes
	s.refresh()
	a.deps.Async(func() {
		inc, err := settle(a, cp, "resident stopped the payment")
		a.deps.UI(func() {
			s.completing = false
			if s.ended {
				return
			}
			if err != nil {
				s.message = tr("checkout.complete_failed")
				s.refresh()
				return
			}
			s.cash = nil
			if inc.PaidFen > 0 {
				s.voucher = inc
				s.step = checkoutVoucher
				s.refresh()
				return
			}
			s.step = checkoutChoose
			s.check()
			s.refresh()
		})
	})
}

// settle closes an open cash payment; see CashPayment.Abandon.
func settle(a *App, cp CashPayment, why string) (kiosk.Incomplete, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inc, err := cp.Abandon(ctx, why)
	if err != nil {
		a.deps.Log.Error("checkout: abandon cash payment", "receipt", cp.Receipt(), "err", err)
	}
	return inc, err
}

// leave settles what the checkout holds when the resident goes away: the
// session ends at once, the payment is closed (and its voucher printed)
// off the UI goroutine.
func (s *checkoutScreen) leave() {
	if s.ended {
		return
	}
	s.ended = true
	if s.stop != nil {
		s.stop()
	}
	cp := s.cash
	s.cash = nil
	if cp == nil {
		return
	}
	a := s.app
	a.deps.Async(func() {
		// On an error the payment stays open in the journal; the next
		// start turns it into a voucher and a payment.incomplete record.
		settle(a, cp, "session ended during the payment")
	})
}

// startScan waits for a payment code at the scanner.
func (s *checkoutScreen) startScan() {
	a := s.app
	s.message = ""
	s.step = checkoutScan
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	scans := a.deps.Scanner.Scans(ctx)
	go func() {
		for sc := range scans {
			a.deps.UI(func() { s.scanned(ctx, sc) })
		}
	}()
	a.render()
}

func (s *checkoutScreen) backToChoose() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.message = ""
	s.step = checkoutChoose
	s.check()
	s.app.render()
}

func (s *checkoutScreen) scanned(ctx context.Context, sc scanner.Scan) {
	a := s.app
	if s.ended || s.step != checkoutScan || ctx.Err() != nil {
		return
	}
	switch {
	case errors.Is(sc.Err, kiosk.ErrNoScanner) || errors.Is(sc.Err, scanner.ErrDisconnected):
		s.message = tr("checkout.scanner_down")
	case sc.Err != nil:
		s.message = tr("checkout.scan_unreadable")
	case !sc.Class.Payment():
		s.message = tr("checkout.not_a_code")
	default:
		s.pay(ctx, sc.Code)
		return
	}
	a.render()
}

// pay authorises one payment code; PayMobile makes a fresh order for it.
func (s *checkoutScreen) pay(ctx context.Context, code string) {
	a := s.app
	s.step = checkoutPaying
	s.message = ""
	a.render()
	a.deps.Async(func() {
		paid, err := a.deps.Payments.PayMobile(ctx, s.order, code, func(r bianmin.PayResult) {
			a.deps.UI(func() {
				if !s.ended && s.step == checkoutPaying && r.Status == bianmin.PayPaying {
					s.message = tr("checkout.confirm_on_phone")
					s.refresh()
				}
			})
		})
		a.deps.UI(func() { s.paidMobile(paid, err) })
	})
}

func (s *checkoutScreen) paidMobile(p kiosk.Paid, err error) {
	a := s.app
	if err == nil {
		s.finish(p)
		return
	}
	if s.ended {
		return
	}
	var failed *kiosk.PayFailed
	switch {
	case errors.As(err, &failed) && failed.TimedOut:
		s.message = tr("checkout.timed_out")
	case errors.As(err, &failed):
		msg := failed.Result.Message
		if msg == "" {
			msg = tr("checkout.declined_generic")
		}
		s.message = tr("checkout.declined", map[string]any{"Message": msg})
	case errors.Is(err, kiosk.ErrNeedsNetwork):
		// officed went away: the methods are offered again as they are now.
		s.backToChoose()
		s.message = tr("checkout.mobile_unavailable")
		a.render()
		return
	default:
		a.deps.Log.Error("checkout: mobile payment", "err", err)
		s.message = tr("checkout.mobile_failed")
	}
	// Scanning goes on: the next code is a new attempt with a new order.
	s.step = checkoutScan
	a.render()
}
