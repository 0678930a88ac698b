package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/idcard"
	"bianmin/kiosk"
)

// tempidFixture opens the temporary-ID screen with a TempIDOrder that
// records whether a fee was ever asked for.
func tempidFixture(t *testing.T, reader idcard.Reader) (*fixture, *tempidScreen, *int) {
	t.Helper()
	f := newFixture(t)
	orders := 0
	f.app.deps.IDReader = reader
	f.app.deps.TempIDOrder = func(context.Context, *bianmin.Application, *string) (kiosk.Order, error) {
		orders++
		return kiosk.Order{}, errors.New("no payments in this test")
	}
	s := newTempID(f.app)
	f.app.Push(s)
	return f, s, &orders
}

// tapKeys taps a key per rune of typed; keys is asked again before each tap
// because every tap re-renders the screen.
func tapKeys(t *testing.T, keys func() map[string]*widget.Button, typed string) {
	t.Helper()
	for _, r := range typed {
		b, ok := keys()[string(r)]
		if !ok {
			t.Fatalf("no key %q", r)
		}
		test.Tap(b)
	}
}

func idKeysOf(s *tempidScreen) func() map[string]*widget.Button {
	return func() map[string]*widget.Button { return s.keys }
}

func nameKeysOf(s *tempidScreen) func() map[string]*widget.Button {
	return func() map[string]*widget.Button { return s.names.keys }
}

// TestTempIDKeypadPath: every bad input of the keypad path gets its own
// clear message and nothing moves on or is queued; a good one reaches the
// review with everything masked.
func TestTempIDKeypadPath(t *testing.T) {
	f, s, orders := tempidFixture(t, nil)
	if !s.readCard.Disabled() || !strings.Contains(texts(f.win), tr("tempid.reader_none")) {
		t.Fatalf("without a reader, reading the card is offered:\n%s", texts(f.win))
	}
	test.Tap(s.typeNumber)
	if s.step != tidNumber {
		t.Fatalf("step %d", s.step)
	}
	for _, tc := range []struct {
		name, typed, key string
		data             map[string]any
	}{
		{"wrong length", "23010319850312128", "tempid.id_length", map[string]any{"N": 17}},
		{"wrong check digit", "230103198503121238", "tempid.id_check", nil},
		{"impossible birth date", "230103198502301234", "tempid.id_birth", map[string]any{"Date": "1985-02-30"}},
		{"future birth date", "230103209901011234", "tempid.id_birth", map[string]any{"Date": "2099-01-01"}},
		{"no province", "990103198503121239", "tempid.id_region", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.Tap(s.keys["C"])
			tapKeys(t, idKeysOf(s), tc.typed)
			test.Tap(s.next)
			if s.step != tidNumber || s.msg != tc.key {
				t.Fatalf("step %d, message %q; want to stay with %q", s.step, s.msg, tc.key)
			}
			for k, v := range tc.data {
				if s.msgData[k] != v {
					t.Errorf("message data %v, want %s=%v", s.msgData, k, v)
				}
			}
			if want := tr(tc.key, tc.data); !strings.Contains(texts(f.win), want) {
				t.Errorf("screen does not say %q", want)
			}
		})
	}

	test.Tap(s.keys["C"])
	tapKeys(t, idKeysOf(s), "2301031985031212")
	if !s.keys["X"].Disabled() {
		t.Error("X can be typed before the 18th character")
	}
	tapKeys(t, idKeysOf(s), "8")
	if s.keys["X"].Disabled() {
		t.Fatal("X cannot be typed as the 18th character")
	}
	tapKeys(t, idKeysOf(s), "X")
	test.Tap(s.next)
	if s.step != tidName {
		t.Fatalf("a valid number did not move on: step %d, %q", s.step, s.msg)
	}

	// The name, spelt in pinyin: 张秀英.
	test.Tap(s.next)
	if s.msg != "tempid.name_short" {
		t.Errorf("an empty name: message %q", s.msg)
	}
	// The keys stay where they are when candidates appear: a finger aiming
	// at the next letter must not land on another.
	d := fyne.CurrentApp().Driver()
	before := d.AbsolutePositionForObject(s.names.keys["h"])
	tapKeys(t, nameKeysOf(s), "z")
	if after := d.AbsolutePositionForObject(s.names.keys["h"]); after != before {
		t.Errorf("key h moved from %v to %v when candidates appeared", before, after)
	}
	test.Tap(s.names.keys["⌫"])
	for _, part := range []struct{ py, char string }{{"zhang", "张"}, {"xiu", "秀"}, {"ying", "英"}} {
		tapKeys(t, nameKeysOf(s), part.py)
		b, ok := s.names.candidates[part.char]
		if !ok {
			t.Fatalf("%s does not offer %s on its first page", part.py, part.char)
		}
		test.Tap(b)
	}
	if s.names.name != "张秀英" {
		t.Fatalf("name %q", s.names.name)
	}
	tapKeys(t, nameKeysOf(s), "w")
	test.Tap(s.next)
	if s.step != tidName || s.msg != "tempid.name_pick" {
		t.Errorf("a dangling syllable moved on (step %d, %q)", s.step, s.msg)
	}
	test.Tap(s.names.keys["⌫"])
	test.Tap(s.next)
	if s.step != tidIdentity {
		t.Fatalf("step %d after the name, %q", s.step, s.msg)
	}
	page := texts(f.win)
	if !strings.Contains(page, "张**") || !strings.Contains(page, "2301**********128X") {
		t.Errorf("identity not shown masked:\n%s", page)
	}
	test.Tap(s.confirm)
	test.Tap(s.reasons["damaged"])
	if s.step != tidPhone || s.a.Reason != "damaged" {
		t.Fatalf("step %d reason %q", s.step, s.a.Reason)
	}
	tapKeys(t, idKeysOf(s), "1381234567")
	test.Tap(s.next)
	if s.step != tidPhone || s.msg != "tempid.bad_phone" || s.msgData["N"] != 10 {
		t.Fatalf("a 10-digit phone: step %d, %q %v", s.step, s.msg, s.msgData)
	}
	if !strings.Contains(texts(f.win), tr("tempid.bad_phone", map[string]any{"N": 10})) {
		t.Error("the phone message is not on screen")
	}
	tapKeys(t, idKeysOf(s), "8")
	test.Tap(s.next)
	if s.step != tidReview {
		t.Fatalf("step %d", s.step)
	}
	page = texts(f.win)
	for _, want := range []string{"张**", "2301**********128X", "138****5678", tr("tempid.reason.damaged"), "10.00"} {
		if !strings.Contains(page, want) {
			t.Errorf("review lacks %q:\n%s", want, page)
		}
	}
	for _, secret := range []string{"张秀英", "23010319850312128X", "13812345678"} {
		if strings.Contains(page, secret) {
			t.Errorf("review shows %q unmasked", secret)
		}
	}
	if *orders != 0 {
		t.Errorf("a fee was asked for %d times before the resident tapped pay", *orders)
	}
	// The order cannot be made (no payments here): a clear message, no checkout.
	test.Tap(s.pay)
	if *orders != 1 || f.app.Current() != Screen(s) || s.msg != "tempid.failed" {
		t.Errorf("orders %d, screen %T, message %q", *orders, f.app.Current(), s.msg)
	}

	// Back walks the steps; going back to the number forgets the identity.
	for s.step != tidNumber {
		s.backward()
	}
	if s.a.Name != "" || s.a.IDNumber != "" {
		t.Errorf("back to the number keeps the identity %q", s.a.IDNumber)
	}
}

// TestTempIDCardPath reads the card on the reader: name and number from the
// card, shown masked; a card of another type is refused with a reason.
func TestTempIDCardPath(t *testing.T) {
	card := idcard.Card{Type: idcard.Resident, Name: "王小明", Gender: "男", IDNumber: "230103198503121239",
		Address: "黑龙江省哈尔滨市南岗区", ValidTo: "2035-03-12"}
	reader := &memReader{card: card}
	f, s, _ := tempidFixture(t, reader)
	if s.readCard.Disabled() {
		t.Fatalf("a reader that answers is not offered:\n%s", texts(f.win))
	}
	test.Tap(s.readCard)
	if s.step != tidIdentity || s.a.Source != "card" || s.a.Name != "王小明" || s.a.IDNumber != card.IDNumber {
		t.Fatalf("after the read: step %d, %+v", s.step, s.a)
	}
	page := texts(f.win)
	if !strings.Contains(page, "王**") || !strings.Contains(page, "2301**********1239") || !strings.Contains(page, tr("tempid.take_card")) {
		t.Errorf("card identity not shown masked, or no reminder to take the card:\n%s", page)
	}
	if strings.Contains(page, "王小明") || strings.Contains(page, card.IDNumber) || strings.Contains(page, "黑龙江") {
		t.Errorf("card data shown unmasked:\n%s", page)
	}

	s.backward() // back to the card step, then to the start
	s.backward()
	if s.step != tidStart || s.a.IDNumber != "" {
		t.Fatalf("step %d, identity kept %q", s.step, s.a.IDNumber)
	}
	reader.card = idcard.Card{Type: idcard.HKMOTW, Name: "陈大文", IDNumber: "810000199001011230"}
	test.Tap(s.readCard)
	if s.step != tidCard || s.msg != "tempid.card_type" {
		t.Fatalf("a permit card: step %d, %q", s.step, s.msg)
	}
	if !strings.Contains(texts(f.win), tr("tempid.card_type")) {
		t.Error("the screen does not say why the card is refused")
	}
}

// failingReader answers its status with an error.
type failingReader struct{ memReader }

func (failingReader) Status(context.Context) error { return idcard.ErrDisconnected }

func TestTempIDReaderDownOffersKeypadOnly(t *testing.T) {
	f, s, _ := tempidFixture(t, &failingReader{})
	if !s.readCard.Disabled() || s.typeNumber.Disabled() {
		t.Fatal("a disconnected reader is offered, or the keypad is not")
	}
	if !strings.Contains(texts(f.win), tr("tempid.reader_off")) {
		t.Errorf("the screen does not say why:\n%s", texts(f.win))
	}
}

// blockingReader holds a card wait until released, as a resident who has
// not yet placed the card.
type blockingReader struct {
	memReader
	release chan struct{}
}

func (r *blockingReader) WaitCard(ctx context.Context, _ time.Duration) error {
	select {
	case <-r.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestTempIDSessionEndWipes: the end of the session drops what the resident
// entered, and a card that answers after it never reaches the screen.
func TestTempIDSessionEndWipes(t *testing.T) {
	reader := &blockingReader{memReader: memReader{card: idcard.Card{Type: idcard.Resident, Name: "王小明", IDNumber: "230103198503121239"}},
		release: make(chan struct{})}
	f, s, _ := tempidFixture(t, reader)
	done := make(chan struct{})
	queue := make(chan func(), 4)
	f.app.deps.Async = func(fn func()) {
		go func() { fn(); close(done) }()
	}
	f.app.deps.UI = func(fn func()) { queue <- fn }
	test.Tap(s.readCard)
	if s.step != tidCard || s.waiting == nil {
		t.Fatalf("not waiting for a card: step %d", s.step)
	}
	s.number = "2301031985"
	f.app.EndSession()
	if s.a != (bianmin.Application{}) || s.number != "" || !s.left {
		t.Errorf("after the session: %+v %q", s.a, s.number)
	}
	close(reader.release) // the card arrives too late
	<-done
	for len(queue) > 0 {
		(<-queue)()
	}
	if s.a.Name != "" || s.a.IDNumber != "" || s.step == tidIdentity {
		t.Errorf("a card read after the session's end reached the screen: %+v", s.a)
	}
	if _, ok := f.app.Current().(*homeScreen); !ok {
		t.Errorf("current screen %T", f.app.Current())
	}
}

// TestIDProblemsNamed keeps idProblem in step with the messages of
// bianmin.ValidateIDNumber: every rule maps to its own resident message.
func TestIDProblemsNamed(t *testing.T) {
	for id, want := range map[string]string{
		"2301031985":         "tempid.id_length",
		"2301031985031212X8": "tempid.id_chars",
		"000103198503121239": "tempid.id_region",
		"230103198513121239": "tempid.id_birth",
		"230103198503121230": "tempid.id_check",
	} {
		err := bianmin.ValidateIDNumber(id)
		if err == nil {
			t.Fatalf("%s validates", id)
		}
		if got, _ := idProblem(id, err); got != want {
			t.Errorf("%s (%v): %s, want %s", id, err, got, want)
		}
	}
}

func TestNameProblems(t *testing.T) {
	for name, want := range map[string]string{
		"张": "tempid.name_short", "张秀英": "", "买买提·艾力": "", "·艾力": "tempid.name_dot", "买买提··艾力": "tempid.name_dot",
		"Zhang": "tempid.name_short",
	} {
		if got := nameProblem(name); got != want {
			t.Errorf("%q: %q, want %q", name, got, want)
		}
	}
}

// TestTechnicianSetsCollection: the technician page saves where and when
// cards are collected; an empty place is refused and changes nothing.
func TestTechnicianSetsCollection(t *testing.T) {
	f := newFixture(t)
	f.app.tech = true
	f.app.Push(&techScreen{app: f.app})
	ts := f.app.Current().(*techScreen)
	test.Tap(ts.tabs["tech.tempid"])
	p := ts.tempid
	if p.placeEntry.Text != kiosk.DefaultTempID.Place {
		t.Fatalf("place shown %q", p.placeEntry.Text)
	}
	p.placeEntry.SetText(" ")
	test.Tap(p.save)
	if f.cfg.TempID != kiosk.DefaultTempID || !strings.Contains(p.message, "collection place") {
		t.Fatalf("an empty place was saved (%+v) or not explained (%q)", f.cfg.TempID, p.message)
	}
	ts.tempid.placeEntry.SetText("南岗区公安分局红军街派出所（红军街1号）")
	ts.tempid.daysSelect.SetSelected("5")
	test.Tap(ts.tempid.save)
	if f.cfg.TempID.Place != "南岗区公安分局红军街派出所（红军街1号）" || f.cfg.TempID.Days != 5 || ts.tempid.message != tr("tech.saved") {
		t.Errorf("saved %+v, message %q", f.cfg.TempID, ts.tempid.message)
	}
}
