package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/idcard"
	"bianmin/kiosk"
)

// Steps of the pay flow.
const (
	payBiller    = iota // which biller
	payAccount          // the account on a keypad, or the household from an ID card
	payHousehold        // the households found under the card's name
	payBill             // the bill: amount due, then the checkout
)

// payScreen is 生活缴费 (SPEC §2.6): biller → account (keypad, or the
// household from an ID-card read) → the amount due from officed, or from the
// cached bills when officed cannot be reached (marked so) → the checkout →
// the receipt → the rating.
type payScreen struct {
	app     *App
	step    int
	biller  string
	account string
	letters bool // the keypad shows letters
	bill    *kiosk.FoundBill
	homes   []bianmin.Bill // households found under the card's name, masked
	message string
	busy    bool
	left    bool
	waiting context.CancelFunc // ends a card wait
	pg      pager              // of the billers

	// for tests
	billers map[string]*widget.Button
	keys    map[string]*widget.Button
	lookup  *widget.Button
	readID  *widget.Button
	homeBtn map[string]*widget.Button // by account
	toPay   *widget.Button
}

// accountKeys: account numbers are digits, some with letters or '-' as
// printed on the bill; letters are on a page of their own ("ABC" ↔ "123").
var (
	accountKeys = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", "⌫", "C", "ABC"}
	letterKeys  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// letterPad is the letters page of the account keypad. Its keys are the
// letters themselves (the digit page's "C" clears; here C is a letter),
// '-', delete and the way back to digits.
func (s *payScreen) letterPad(press func(string)) (fyne.CanvasObject, map[string]*widget.Button) {
	a := s.app
	buttons := map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	add := func(key, label string) {
		b := a.button(label, widget.MediumImportance, func() { press(key) })
		buttons[key] = b
		objs = append(objs, b)
	}
	for _, r := range letterKeys {
		add(string(r), string(r))
	}
	add("-", "-")
	add("⌫", tr("common.delete"))
	add("123", "123")
	return container.NewGridWithColumns(6, objs...), buttons
}

func (s *payScreen) build() fyne.CanvasObject {
	a := s.app
	title := screenTitle(tr("pay.title"))
	msg := wrapLabel(s.message)
	msg.Importance = widget.DangerImportance
	var body fyne.CanvasObject
	var extra []fyne.CanvasObject
	switch s.step {
	case payBiller:
		body = s.billerBody()
	case payAccount:
		body, extra = s.accountBody()
	case payHousehold:
		body = s.householdBody()
	case payBill:
		body, extra = s.billBody()
	}
	return container.NewBorder(container.NewVBox(title, s.summary()), a.stepBar(s.backward, extra...), nil, nil,
		container.NewVBox(body, msg, layout.NewSpacer()))
}

func (s *payScreen) summary() fyne.CanvasObject {
	var lines []string
	if name, ok := bianmin.BillerName(s.biller); ok && s.step > payBiller {
		lines = append(lines, tr("checkout.item")+"："+name)
	}
	if s.account != "" && s.step == payBill {
		lines = append(lines, tr("checkout.account")+"："+bianmin.MaskAccount(s.account))
	}
	return wrapLabel(strings.Join(lines, "\n"))
}

func (s *payScreen) billerBody() fyne.CanvasObject {
	s.billers = map[string]*widget.Button{}
	var names []string
	for _, b := range bianmin.Billers {
		names = append(names, b.Name)
	}
	pick := func(name string) {
		for _, b := range bianmin.Billers {
			if b.Name == name {
				s.biller = b.ID
			}
		}
		s.goTo(payAccount)
	}
	return container.NewVBox(widget.NewLabel(tr("pay.choose_biller")),
		s.app.optionGrid(&s.pg, fyne.NewSize(320, 120), names, pick, nil, s.billers))
}

func (s *payScreen) accountBody() (fyne.CanvasObject, []fyne.CanvasObject) {
	a := s.app
	shown := widget.NewLabelWithStyle(orBlank(s.account), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	shown.SizeName = "headingText"
	press := func(k string) {
		switch k {
		case "ABC", "123":
			s.letters = k == "ABC"
		case "C":
			if s.letters {
				s.account = edit(s.account, k, 32) // the letter
			} else {
				s.account = ""
			}
		default:
			s.account = edit(s.account, k, 32)
		}
		s.message = ""
		a.render()
	}
	var pad fyne.CanvasObject
	if s.letters {
		pad, s.keys = s.letterPad(press)
	} else {
		pad, s.keys = a.keypad(accountKeys, 3, press)
	}
	s.lookup = a.button(tr("pay.lookup"), widget.HighImportance, s.find)
	if len(s.account) < 4 || s.busy {
		s.lookup.Disable()
	}
	objs := []fyne.CanvasObject{widget.NewLabel(tr("pay.enter_account")), shown, pad}
	if a.deps.HouseholdBills != nil && a.deps.IDReader != nil {
		var card fyne.CanvasObject
		sub := tr("pay.by_card.sub")
		if s.waiting != nil {
			sub = tr("pay.insert_card")
		}
		s.readID, card = a.card(tr("pay.by_card"), sub, false, !s.busy && s.waiting == nil, 120, s.waitCard)
		objs = append(objs, widget.NewSeparator(), card)
	}
	return container.NewVBox(objs...), []fyne.CanvasObject{big(s.lookup)}
}

func (s *payScreen) householdBody() fyne.CanvasObject {
	a := s.app
	s.homeBtn = map[string]*widget.Button{}
	objs := []fyne.CanvasObject{wrapLabel(tr("pay.pick_household"))}
	for _, b := range s.homes {
		line := tr("pay.household_line", map[string]any{"Account": bianmin.MaskAccount(b.Account), "Holder": b.Holder,
			"Period": b.Period, "Amount": bianmin.FormatYuan(b.AmountFen)})
		btn, obj := a.card(bianmin.MaskAccount(b.Account), line, false, true, 120, func() {
			s.account = b.Account
			s.bill = &kiosk.FoundBill{Bill: b}
			s.goTo(payBill)
		})
		s.homeBtn[b.Account] = btn
		objs = append(objs, obj)
	}
	return container.NewVBox(objs...)
}

func (s *payScreen) billBody() (fyne.CanvasObject, []fyne.CanvasObject) {
	a := s.app
	b := s.bill.Bill
	due := widget.NewLabelWithStyle(tr("checkout.due", map[string]any{"Amount": bianmin.FormatYuan(b.AmountFen)}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	due.SizeName = "headingText"
	objs := []fyne.CanvasObject{
		widget.NewLabel(tr("pay.holder") + "：" + bianmin.MaskName(b.Holder)),
		widget.NewLabel(tr("checkout.period") + "：" + b.Period),
		due,
	}
	if s.bill.Offline {
		cached := wrapLabel(tr("pay.cached", map[string]any{"Updated": b.Updated.Local().Format("2006-01-02")}))
		cached.Importance = widget.WarningImportance
		objs = append(objs, cached)
	}
	s.toPay = a.button(tr("pay.to_checkout"), widget.HighImportance, s.checkout)
	return container.NewVBox(objs...), []fyne.CanvasObject{big(s.toPay)}
}

func orBlank(s string) string {
	if s == "" {
		return "_"
	}
	return s
}

func (s *payScreen) goTo(step int) {
	s.step = step
	s.message = ""
	s.app.render()
}

func (s *payScreen) backward() {
	switch s.step {
	case payBiller:
		s.app.Back()
	case payHousehold:
		s.homes = nil
		s.goTo(payAccount)
	case payBill:
		s.bill = nil
		s.goTo(payAccount)
	default:
		s.stopWaiting()
		s.account = ""
		s.goTo(payBiller)
	}
}

// find asks for the amount due of the typed account.
func (s *payScreen) find() {
	a := s.app
	s.busy = true
	a.render()
	biller, account := s.biller, s.account
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		found, err := a.deps.LookupBill(ctx, biller, account)
		a.deps.UI(func() { s.found(found, err) })
	})
}

func (s *payScreen) found(found kiosk.FoundBill, err error) {
	a := s.app
	s.busy = false
	if s.left {
		return
	}
	switch {
	case err == nil:
		s.bill = &found
		s.goTo(payBill)
		return
	case errors.Is(err, kiosk.ErrUnknownAccount):
		s.message = tr("pay.unknown_account")
	case errors.Is(err, kiosk.ErrBillsOffline):
		s.message = tr("pay.offline_unknown")
	case bianmin.ErrorCode(err) == bianmin.EINVALID:
		s.message = tr("pay.bad_account")
	default:
		a.deps.Log.Error("pay: bill lookup", "err", err)
		s.message = tr("pay.lookup_failed")
	}
	s.refresh()
}

func (s *payScreen) refresh() {
	if s.app.showing(s) {
		s.app.render()
	}
}

// waitCard reads the resident's ID card for the household lookup. Only the
// name is used, to ask officed; nothing of the card is kept or shown.
func (s *payScreen) waitCard() {
	a := s.app
	ctx, cancel := context.WithTimeout(context.Background(), cardWait)
	s.waiting = cancel
	s.message = ""
	a.render()
	biller := s.biller
	a.readCard(ctx, cancel, func(card idcard.Card, err error) func() {
		var homes []bianmin.Bill
		if err == nil {
			err = errCardName
			if name := strings.TrimSpace(card.Name); name != "" {
				homes, err = a.deps.HouseholdBills(ctx, biller, name)
			}
		}
		return func() {
			if s.left || s.step != payAccount {
				return
			}
			s.waiting = nil
			s.households(homes, err)
		}
	})
}

var errCardName = errors.New("the card carries no name")

func (s *payScreen) households(homes []bianmin.Bill, err error) {
	switch {
	case err == nil && len(homes) == 0:
		s.message = tr("pay.no_household")
	case err == nil:
		s.homes = homes
		s.goTo(payHousehold)
		return
	case errors.Is(err, kiosk.ErrNeedsNetwork):
		s.message = tr("pay.card_needs_network")
	case errors.Is(err, kiosk.ErrTooManyHouseholds):
		s.message = tr("pay.too_many_households")
	case errors.Is(err, context.DeadlineExceeded):
		s.message = tr("pay.card_timeout")
	default:
		s.app.deps.Log.Warn("pay: household lookup", "err", err)
		s.message = tr("pay.card_failed")
	}
	s.refresh()
}

func (s *payScreen) stopWaiting() {
	if s.waiting != nil {
		s.waiting()
		s.waiting = nil
	}
}

// leave forgets the card wait; the screen's fields go with it.
func (s *payScreen) leave() {
	s.left = true
	s.stopWaiting()
}

// checkout takes the money for the bill shown.
func (s *payScreen) checkout() {
	a := s.app
	b := s.bill.Bill
	o := kiosk.Order{Biller: b.Biller, Account: b.Account, Period: b.Period, DueFen: b.AmountFen, Offline: s.bill.Offline}
	a.Push(newCheckout(a, o, func(p kiosk.Paid) {
		// The filled form is done with: back from the receipt goes home.
		a.unstack(s)
		done := &payDoneScreen{app: a, paid: p, slip: printing}
		a.Push(done)
		done.print()
	}))
}

// payDoneScreen shows the completed payment and prints its receipt.
type payDoneScreen struct {
	app  *App
	paid kiosk.Paid
	slip slipStatus

	rate *widget.Button
	home *widget.Button
}

func (s *payDoneScreen) print() {
	a := s.app
	slip, err := a.deps.PaymentSlip(s.paid, a.deps.Config())
	a.printSlip(slip, err, s.printed)
}

func (s *payDoneScreen) printed(err error) {
	if err != nil {
		s.app.deps.Log.Warn("pay: receipt", "receipt", s.paid.Payment.Receipt, "err", err)
	}
	s.app.slipPrinted(s, &s.slip, err, "pay.slip_printed", "pay.no_slip")
}

func (s *payDoneScreen) build() fyne.CanvasObject {
	p := s.paid.Payment
	lines := append(doneHeader(tr("pay.done"), tr("pay.receipt_number"), p.Receipt, "subHeadingText"),
		widget.NewLabel(tr("pay.paid_line", map[string]any{"Paid": bianmin.FormatYuan(p.PaidFen), "Due": bianmin.FormatYuan(p.DueFen)})))
	if p.Credit > 0 {
		lines = append(lines, wrapLabel(tr("pay.credit_line", map[string]any{"Credit": bianmin.FormatYuan(p.Credit)})))
	}
	var row fyne.CanvasObject
	s.home, s.rate, row = s.app.doneButtons(s.paid.Record, bianmin.KindPayment)
	return container.NewVBox(append(lines, wrapLabel(s.slip.String()), row)...)
}
