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
	"bianmin/kiosk/pinyin"
)

// Steps of the temporary-ID flow.
const (
	tidStart    = iota // read the card, or type the number
	tidCard            // waiting for the card on the reader, reading it
	tidNumber          // the ID keypad
	tidName            // the name keyboard
	tidIdentity        // the identity, masked, to confirm
	tidReason          // why a temporary card
	tidPhone           // the phone keypad
	tidReview          // everything, masked, and the fee
)

// tempidScreen is the temporary resident ID application (SPEC §2.5): the
// identity from the card on the reader or typed on the ID keypad (number
// checked by GB 11643, name spelt in pinyin), the reason, a phone, then the
// 10 元 fee through the checkout; completing the payment queues the
// application in the same transaction, and a slip prints.
//
// Personal data lives only in this struct's fields while the session lasts;
// leave() drops it when the screen is left or the session ends, and a card
// read that answers after that is thrown away. Screens show it masked, except
// what the resident is typing.
type tempidScreen struct {
	app  *App
	step int
	back []int // the steps that led here, for the back button

	a      bianmin.Application // Name, IDNumber, Source, Reason, Phone as entered
	number string              // the ID keypad's input
	names  namePad
	table  *pinyin.Table

	reader  string             // "" while checking, "ok", or the key of why the reader cannot be used
	waiting context.CancelFunc // ends the card wait in progress
	msg     string             // translation key of the message shown, "" none
	msgData map[string]any
	left    bool // the screen was left: late device answers are dropped

	// widgets kept for tests
	readCard, typeNumber, next, confirm, pay *widget.Button
	keys                                     map[string]*widget.Button
	reasons                                  map[string]*widget.Button
}

func newTempID(a *App) *tempidScreen {
	s := &tempidScreen{app: a}
	s.checkReader()
	return s
}

// checkReader asks the reader whether it answers; "read my card" is offered
// only then (SPEC §2.2: nothing is offered that would then fail).
func (s *tempidScreen) checkReader() {
	a := s.app
	if a.deps.IDReader == nil {
		s.reader = "tempid.reader_none"
		return
	}
	s.reader = ""
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := a.deps.IDReader.Status(ctx)
		cancel()
		a.deps.UI(func() {
			if s.left {
				return
			}
			s.reader = "ok"
			if err != nil {
				a.deps.Log.Info("tempid: ID-card reader unavailable", "err", err)
				s.reader = readerKey(err)
			}
			s.refresh()
		})
	})
}

// readerKey puts why the reader cannot be used in a resident's words.
func readerKey(err error) string {
	switch {
	case errors.Is(err, kiosk.ErrNotConfigured):
		return "tempid.reader_none"
	case errors.Is(err, idcard.ErrDisconnected):
		return "tempid.reader_off"
	}
	return "tempid.reader_fault"
}

func (s *tempidScreen) shown() bool { return !s.left && s.app.showing(s) }

func (s *tempidScreen) refresh() {
	if s.shown() {
		s.app.render()
	}
}

// leave drops everything the resident entered or the card said, and stops a
// card wait: the screen is gone for good (Back, Home, the session's end).
func (s *tempidScreen) leave() {
	s.left = true
	if s.waiting != nil {
		s.waiting()
		s.waiting = nil
	}
	s.a = bianmin.Application{}
	s.number = ""
	s.names = namePad{}
	s.msg, s.msgData = "", nil
}

func (s *tempidScreen) say(key string, data map[string]any) {
	s.msg, s.msgData = key, data
}

// goTo moves forward to step, remembering where the back button returns.
func (s *tempidScreen) goTo(step int) {
	s.back = append(s.back, s.step)
	s.step = step
	s.msg, s.msgData = "", nil
	s.app.render()
}

func (s *tempidScreen) backward() {
	if s.waiting != nil {
		s.waiting()
		s.waiting = nil
	}
	if len(s.back) == 0 {
		s.app.Back()
		return
	}
	s.step = s.back[len(s.back)-1]
	s.back = s.back[:len(s.back)-1]
	s.msg, s.msgData = "", nil
	if s.step <= tidNumber {
		// Going back to the start of the identity forgets it: a card's
		// identity must not mix with a typed one.
		s.a.Name, s.a.IDNumber, s.a.Source = "", "", ""
	}
	s.app.render()
}

func (s *tempidScreen) build() fyne.CanvasObject {
	a := s.app
	title := screenTitle(tr("tempid.title"))
	prompt := widget.NewLabelWithStyle(tr(stepPrompts[s.step]), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	msg := wrapLabel("")
	if s.msg != "" {
		msg.SetText(tr(s.msg, s.msgData))
	}
	msg.Importance = widget.DangerImportance
	s.next, s.confirm, s.pay = nil, nil, nil

	var body fyne.CanvasObject
	var extra []fyne.CanvasObject
	switch s.step {
	case tidStart:
		body = s.startBody()
	case tidCard:
		body, extra = s.cardBody()
	case tidNumber:
		body = s.numberBody()
		s.next = a.button(tr("common.next_step"), widget.HighImportance, s.numberDone)
		extra = append(extra, big(s.next))
	case tidName:
		body = s.nameBody()
		s.next = a.button(tr("common.next_step"), widget.HighImportance, s.nameDone)
		extra = append(extra, big(s.next))
	case tidIdentity:
		body = s.identityBody()
		s.confirm = a.button(tr("tempid.identity_ok"), widget.HighImportance, func() { s.goTo(tidReason) })
		extra = append(extra, big(s.confirm))
	case tidReason:
		body = s.reasonBody()
	case tidPhone:
		body = s.phoneBody()
		s.next = a.button(tr("common.next_step"), widget.HighImportance, s.phoneDone)
		extra = append(extra, big(s.next))
	case tidReview:
		body = container.NewVBox(wrapLabel(s.summary()), wrapLabel(tr("tempid.fee_notice")), layout.NewSpacer())
		s.pay = a.button(tr("tempid.pay", map[string]any{"Fee": bianmin.FormatYuan(bianmin.TempIDFeeFen)}), widget.HighImportance, s.startPayment)
		extra = append(extra, big(s.pay))
	}
	return container.NewBorder(container.NewVBox(title, prompt, msg), a.stepBar(s.backward, extra...), nil, nil, body)
}

var stepPrompts = map[int]string{
	tidStart: "tempid.step_start", tidCard: "tempid.step_card", tidNumber: "tempid.step_number",
	tidName: "tempid.step_name", tidIdentity: "tempid.step_identity", tidReason: "tempid.step_reason",
	tidPhone: "tempid.step_phone", tidReview: "tempid.step_review",
}

func (s *tempidScreen) startBody() fyne.CanvasObject {
	a := s.app
	readSub := tr("tempid.read_card.sub")
	switch s.reader {
	case "":
		readSub = tr("tempid.reader_checking")
	case "ok":
	default:
		readSub = tr(s.reader)
	}
	var read fyne.CanvasObject
	s.readCard, read = a.card(tr("tempid.read_card"), readSub, true, s.reader == "ok", 200, func() {
		s.goTo(tidCard)
		s.waitCard()
	})
	var typ fyne.CanvasObject
	s.typeNumber, typ = a.card(tr("tempid.type_number"), tr("tempid.type_number.sub"), true, true, 200, func() {
		s.a.Source = "keypad"
		s.goTo(tidNumber)
	})
	return container.NewVBox(wrapLabel(tr("tempid.intro", map[string]any{"Fee": bianmin.FormatYuan(bianmin.TempIDFeeFen)})),
		read, typ, layout.NewSpacer())
}

// cardWait bounds how long the reader waits for a card before the screen
// offers to try again.
const cardWait = 60 * time.Second

// waitCard waits for a card with the reader's presence polling, then reads
// it. The card's answer reaches the screen only if the resident is still
// on this step: a card read after leaving is dropped with its data.
func (s *tempidScreen) waitCard() {
	a := s.app
	if s.waiting != nil {
		s.waiting()
	}
	ctx, cancel := context.WithTimeout(context.Background(), cardWait)
	s.waiting = cancel
	s.say("", nil)
	a.readCard(ctx, cancel, func(card idcard.Card, err error) func() {
		return func() {
			if s.left || s.step != tidCard {
				return
			}
			s.waiting = nil
			s.cardRead(card, err)
		}
	})
}

// cardRead takes the name and number from a card, nothing else: the
// address, dates and photo are not needed and not kept.
func (s *tempidScreen) cardRead(card idcard.Card, err error) {
	a := s.app
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.say("tempid.card_timeout", nil)
	case errors.Is(err, idcard.ErrNoCard):
		s.say("tempid.card_moved", nil)
	case errors.Is(err, idcard.ErrDisconnected), errors.Is(err, idcard.ErrNoAnswer), errors.Is(err, kiosk.ErrNotConfigured):
		a.deps.Log.Warn("tempid: card read", "err", err)
		s.say(readerKey(err), nil)
	case err != nil:
		a.deps.Log.Warn("tempid: card read", "err", err)
		s.say("tempid.card_unreadable", nil)
	case card.Type != idcard.Resident:
		s.say("tempid.card_type", nil)
	case bianmin.ValidateIDNumber(card.IDNumber) != nil || strings.TrimSpace(card.Name) == "":
		a.deps.Log.Warn("tempid: card data does not validate", "card", card)
		s.say("tempid.card_unreadable", nil)
	default:
		s.a.Name, s.a.IDNumber, s.a.Source = strings.TrimSpace(card.Name), bianmin.NormalizeIDNumber(card.IDNumber), "card"
		s.goTo(tidIdentity)
		return
	}
	s.refresh()
}

func (s *tempidScreen) cardBody() (fyne.CanvasObject, []fyne.CanvasObject) {
	a := s.app
	if s.waiting != nil {
		return container.NewVBox(wrapLabel(tr("tempid.card_place")), layout.NewSpacer()), nil
	}
	again := a.button(tr("tempid.card_again"), widget.HighImportance, func() {
		s.waitCard()
		s.refresh()
	})
	typ := a.button(tr("tempid.type_number"), widget.MediumImportance, func() {
		s.a.Source = "keypad"
		s.goTo(tidNumber)
	})
	return container.NewVBox(wrapLabel(tr("tempid.card_failed")), layout.NewSpacer()), []fyne.CanvasObject{big(typ), big(again)}
}

// idKeys are the ID keypad's keys: digits, X for the check character.
var idKeys = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "⌫", "C"}

func (s *tempidScreen) numberBody() fyne.CanvasObject {
	a := s.app
	shown := widget.NewLabelWithStyle(group(s.number, 6, 14), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true, Bold: true})
	shown.SizeName = "headingText"
	pad, keys := a.keypad(idKeys, 3, func(k string) {
		s.number = edit(s.number, k, 18)
		s.say("", nil)
		a.render()
	})
	// X is only ever the 18th character (the check character).
	if len(s.number) != 17 {
		keys["X"].Disable()
	}
	s.keys = keys
	count := widget.NewLabelWithStyle(tr("tempid.typed", map[string]any{"N": len(s.number)}), fyne.TextAlignCenter, fyne.TextStyle{})
	return container.NewVBox(shown, count, pad)
}

// numberDone checks the typed number by GB 11643 and says what is wrong in
// the resident's words: the length, the birth date, the check digit.
func (s *tempidScreen) numberDone() {
	if err := bianmin.ValidateIDNumber(s.number); err != nil {
		key, data := idProblem(s.number, err)
		s.say(key, data)
		s.app.render()
		return
	}
	s.a.IDNumber = bianmin.NormalizeIDNumber(s.number)
	s.a.Source = "keypad"
	s.goTo(tidName)
}

// idProblem is the translation key (and its data) for why ValidateIDNumber
// refused id. Its messages name the rule that failed ("ID number length:",
// "… birth date:", "… check digit:" …); TestIDProblemsNamed keeps the two in
// step.
func idProblem(id string, err error) (string, map[string]any) {
	m := err.Error()
	switch {
	case strings.Contains(m, "ID number length"):
		return "tempid.id_length", map[string]any{"N": len([]rune(id))}
	case strings.Contains(m, "ID number characters"):
		return "tempid.id_chars", nil
	case strings.Contains(m, "ID number region"):
		return "tempid.id_region", nil
	case strings.Contains(m, "ID number birth date"):
		return "tempid.id_birth", map[string]any{"Date": id[6:10] + "-" + id[10:12] + "-" + id[12:14]}
	case strings.Contains(m, "ID number check digit"):
		return "tempid.id_check", nil
	}
	return "tempid.id_invalid", nil
}

func (s *tempidScreen) nameBody() fyne.CanvasObject {
	if s.table == nil {
		t, err := pinyin.Shipped()
		if err != nil {
			s.app.deps.Log.Error("tempid: pinyin table", "err", err)
			return wrapLabel(tr("tempid.name_unavailable"))
		}
		s.table = t
	}
	s.names.app, s.names.table = s.app, s.table
	return s.names.build(func() { s.say("", nil); s.app.render() })
}

func (s *tempidScreen) nameDone() {
	if key := nameProblem(s.names.name); key != "" || s.names.py != "" {
		if key == "" {
			key = "tempid.name_pick"
		}
		s.say(key, nil)
		s.app.render()
		return
	}
	s.a.Name = s.names.name
	s.goTo(tidIdentity)
}

func (s *tempidScreen) identityBody() fyne.CanvasObject {
	lines := []string{
		tr("tempid.name") + "：" + bianmin.MaskName(s.a.Name),
		tr("tempid.id_number") + "：" + bianmin.MaskIDNumber(s.a.IDNumber),
	}
	box := container.NewVBox(wrapLabel(strings.Join(lines, "\n")), wrapLabel(tr("tempid.identity_hint")))
	if s.a.Source == "card" {
		box.Add(wrapLabel(tr("tempid.take_card")))
	}
	box.Add(layout.NewSpacer())
	return box
}

func (s *tempidScreen) reasonBody() fyne.CanvasObject {
	a := s.app
	s.reasons = map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	for _, r := range bianmin.ApplicationReasons {
		imp := widget.MediumImportance
		if r == s.a.Reason {
			imp = widget.HighImportance
		}
		b := a.button(tr("tempid.reason."+r), imp, func() {
			s.a.Reason = r
			s.goTo(tidPhone)
		})
		s.reasons[r] = b
		objs = append(objs, big(b))
	}
	return container.NewVBox(container.NewGridWithColumns(1, objs...), layout.NewSpacer())
}

func (s *tempidScreen) phoneBody() fyne.CanvasObject {
	shown, pad, keys := s.app.phonePad(&s.a.Phone, func() {
		s.say("", nil)
		s.app.render()
	})
	s.keys = keys
	return container.NewVBox(wrapLabel(tr("tempid.phone_hint")), shown, pad)
}

func (s *tempidScreen) phoneDone() {
	if err := bianmin.ValidatePhone(s.a.Phone); err != nil {
		s.say("tempid.bad_phone", map[string]any{"N": len(s.a.Phone)})
		s.app.render()
		return
	}
	s.goTo(tidReview)
}

// summary is the application as the review step shows it, masked.
func (s *tempidScreen) summary() string {
	return strings.Join([]string{
		tr("tempid.name") + "：" + bianmin.MaskName(s.a.Name),
		tr("tempid.id_number") + "：" + bianmin.MaskIDNumber(s.a.IDNumber),
		tr("tempid.reason") + "：" + tr("tempid.reason."+s.a.Reason),
		tr("tempid.phone") + "：" + bianmin.MaskPhone(s.a.Phone),
		tr("tempid.fee") + "：" + bianmin.FormatYuan(bianmin.TempIDFeeFen) + " " + tr("tempid.yuan"),
	}, "\n")
}

// startPayment checks the whole application before any money is asked for,
// then hands the fee to the checkout. Completing the payment queues the
// application in the payment's own transaction (kiosk.Order.Finish), so
// money is never taken for an application that was not queued.
func (s *tempidScreen) startPayment() {
	a := s.app
	app := s.a
	app.FeeFen = bianmin.TempIDFeeFen
	probe := app
	probe.Number, probe.Secret, probe.Payment = "A20000101-000000-0001", "probe000", "P20000101-000000-0001"
	if err := probe.Validate(); err != nil {
		a.deps.Log.Error("tempid: application incomplete before payment", "err", err)
		s.say("tempid.incomplete", nil)
		a.render()
		return
	}
	queued := &app
	var record string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	order, err := a.deps.TempIDOrder(ctx, queued, &record)
	cancel()
	if err != nil {
		a.deps.Log.Error("tempid: fee order", "err", err)
		s.say("tempid.failed", nil)
		a.render()
		return
	}
	a.Push(newCheckout(a, order, func(p kiosk.Paid) {
		// The checkout has taken itself off the stack; the filled form is
		// not a place to go back to either.
		if len(a.stack) > 1 && a.Current() == Screen(s) {
			a.drop(len(a.stack) - 1)
		}
		done := &tempidDoneScreen{app: a, a: *queued, paid: p, record: record, slip: printing}
		a.Push(done)
		done.print()
	}))
}

// tempidDoneScreen shows the queued application's number and status QR,
// where and when to collect the card, prints the slip, and offers the
// rating.
type tempidDoneScreen struct {
	app    *App
	a      bianmin.Application
	paid   kiosk.Paid
	record string
	slip   slipStatus

	rate, home *widget.Button
}

func (s *tempidDoneScreen) print() {
	a := s.app
	slip, err := a.deps.ApplicationSlip(s.a, s.paid.Payment, a.deps.Config())
	a.printSlip(slip, err, s.printed)
}

func (s *tempidDoneScreen) printed(err error) {
	if err != nil {
		// The application stands: the number and QR are on screen.
		s.app.deps.Log.Warn("tempid: slip", "number", s.a.Number, "err", err)
	}
	s.app.slipPrinted(s, &s.slip, err, "tempid.slip_printed", "tempid.no_slip")
}

// leave drops the applicant's data with the screen.
func (s *tempidDoneScreen) leave() {
	s.a = bianmin.Application{Number: s.a.Number}
}

func (s *tempidDoneScreen) build() fyne.CanvasObject {
	a := s.app
	cfg := a.deps.Config()
	collect := tr("tempid.collect", map[string]any{
		"Place": cfg.TempID.Place, "Hours": cfg.TempID.Hours,
		"Date": cfg.TempID.ReadyOn(s.paid.At.Local()).Format("2006-01-02"),
	})
	var row fyne.CanvasObject
	s.home, s.rate, row = a.doneButtons(s.record, bianmin.KindApplication)
	return container.NewVBox(append(doneHeader(tr("tempid.queued"), tr("tempid.number"), s.a.Number, "headingText"),
		wrapLabel(tr("tempid.paid", map[string]any{"Fee": bianmin.FormatYuan(s.paid.Payment.DueFen), "Receipt": s.paid.Payment.Receipt})),
		statusQR(cfg.StatusURL(s.a.Number, s.a.Secret), 320), wrapLabel(collect), wrapLabel(s.slip.String()), row)...)
}
