// Package ui is the kiosk's touch interface. It imports fyne.io/fyne/v2 but never
// fyne.io/fyne/v2/app, so it builds and tests without cgo or a display; the kiosk
// binary creates the window and hands it to New.
//
// Every screen is a small struct in its own file with a build method; the App
// keeps the navigation stack, the session (idle timeout and wipe) and the frame
// (header, footer) around the current screen. Goroutines reach widgets only
// through fyne.Do.
package ui

import (
	"context"
	"image/color"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/idcard"
	"bianmin/devices/printer"
	"bianmin/devices/scanner"
	"bianmin/kiosk"
	"bianmin/kiosk/store"
)

// Deps are the services the screens use.
type Deps struct {
	Guides   bianmin.GuideService
	Printer  printer.Printer // may report ErrDisconnected; never nil
	IDReader idcard.Reader
	Scanner  scanner.Scanner
	Cash     CashDevice
	// Checklist renders the 一次性告知 slip of a guide as printer bytes.
	Checklist func(g bianmin.Guide, cfg kiosk.Config) ([]byte, error)
	// TestPage renders the technician test page.
	TestPage func(cfg kiosk.Config) ([]byte, error)
	// Config returns the current configuration; SaveConfig validates, stores and
	// applies a new one (reopening devices) without restarting the app.
	Config     func() kiosk.Config
	SaveConfig func(kiosk.Config) error
	// Central reports which settings the street office sets (read-only in
	// technician mode); nil means none.
	Central func() kiosk.Central
	// Ports lists the serial ports a technician can choose from, live.
	Ports func() []string
	// OfficeOnline reports whether officed answers; nil means never checked.
	OfficeOnline func(ctx context.Context) bool
	Now          func() time.Time
	Log          *slog.Logger
	// Sync reports the sync state; SyncNow runs one round; Enroll enrolls the
	// kiosk with officed. Nil Sync hides the page's controls.
	Sync    func(ctx context.Context) SyncInfo
	SyncNow func(ctx context.Context) error
	Enroll  func(ctx context.Context, server, code string) error
	// Resident services. A nil function leaves its service "coming soon".
	Communities   func(ctx context.Context) ([]bianmin.Community, error)
	SubmitTicket  func(ctx context.Context, t *bianmin.Ticket) (record string, err error)
	TicketSlip    func(t bianmin.Ticket, place string, cfg kiosk.Config) ([]byte, error)
	LookupService func(ctx context.Context, number string) (store.Service, error)
	LastSync      func(ctx context.Context) time.Time
	Rate          func(ctx context.Context, r bianmin.Rating) error
	// TempIDOrder is the checkout order of the temporary-ID fee for a:
	// completing its payment queues a in the same transaction, setting a's
	// number and secret and *record (kiosk.Runtime.TempIDOrder).
	TempIDOrder func(ctx context.Context, a *bianmin.Application, record *string) (kiosk.Order, error)
	// ApplicationSlip renders the slip of a queued application paid by p.
	ApplicationSlip func(a bianmin.Application, p bianmin.Payment, cfg kiosk.Config) ([]byte, error)
	// Payments takes money (the checkout, SPEC §2.6); nil leaves the
	// services that need it "coming soon".
	Payments Payments
	// LookupBill finds the amount an account owes a biller, online or from
	// the cached bills (kiosk.Runtime.LookupBill); HouseholdBills finds the
	// bills held in a name read from an ID card (online only); PaymentSlip
	// renders a completed payment's receipt. Nil LookupBill leaves 生活缴费
	// "coming soon".
	LookupBill     func(ctx context.Context, biller, account string) (kiosk.FoundBill, error)
	HouseholdBills func(ctx context.Context, biller, holder string) ([]bianmin.Bill, error)
	PaymentSlip    func(p kiosk.Paid, cfg kiosk.Config) ([]byte, error)
	// CashBox counts the cash box since the last collection; CollectCash
	// records a collection (technician mode). Nil hides them.
	CashBox     func(ctx context.Context) (bianmin.CashCollected, error)
	CollectCash func(ctx context.Context, staff string) (bianmin.CashCollected, error)
	// Async runs slow device work off the UI goroutine; nil means `go f()`.
	// Tests pass a synchronous runner so flows finish before they assert.
	Async func(f func())
	// UI runs f on the UI goroutine, for updates that come from device
	// goroutines (a bill credited, a code scanned); nil means fyne.Do. Tests
	// pass a queue they drain on the test goroutine, so those updates never
	// race the test's taps.
	UI func(f func())
}

// Screen is one page of the app.
type Screen interface {
	// build returns the screen's content; it is called again after a language
	// or text-size switch, so screens keep their state in fields, not widgets.
	build() fyne.CanvasObject
}

// App is the running kiosk interface.
type App struct {
	win  fyne.Window
	deps Deps
	th   *kioskTheme

	stack []Screen // navigation: stack[0] is home

	language  string
	lastTouch time.Time
	idle      *widget.PopUp
	idleLabel *widget.Label
	tech      bool // technician mode: longer idle, no wipe countdown
	started   bool // Start was called: background pollers may run

	logoTaps []time.Time
	shown    shownSettings // what home was built with (followOffice)

	clock       *widget.Label
	printerText *widget.Label
	networkText *widget.Label

	mu          sync.Mutex // guards the last device states written by pollers
	printerStat string     // translation keys, so a language switch re-renders them
	officeStat  string
}

// New builds the interface into win. Call Start to begin the clock and pollers.
func New(win fyne.Window, deps Deps) (*App, error) {
	if err := loadTranslations(); err != nil {
		return nil, err
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Async == nil {
		deps.Async = func(f func()) { go f() }
	}
	if deps.UI == nil {
		deps.UI = fyne.Do
	}
	a := &App{win: win, deps: deps, th: &kioskTheme{}}
	fyne.CurrentApp().Settings().SetTheme(a.th)
	a.printerStat = "state.checking"
	a.officeStat = "state.checking"
	a.resetSession()
	return a, nil
}

// Start runs the one-second tick (clock, idle timeout) and the device pollers
// until ctx ends.
func (a *App) Start(ctx context.Context) {
	a.started = true
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(a.Tick)
			}
		}
	}()
	go a.pollDevices(ctx)
}

// pollDevices refreshes the footer's printer and network states. The I/O runs
// here, off the UI goroutine; only the text update goes through fyne.Do.
func (a *App) pollDevices(ctx context.Context) {
	for {
		ps := a.printerState(ctx)
		os := "state.offline"
		if a.deps.OfficeOnline != nil {
			c, cancel := context.WithTimeout(ctx, 3*time.Second)
			if a.deps.OfficeOnline(c) {
				os = "state.online"
			}
			cancel()
		}
		a.mu.Lock()
		a.printerStat, a.officeStat = ps, os
		a.mu.Unlock()
		fyne.Do(a.refreshFooter)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// printerState is the translation key describing the printer.
func (a *App) printerState(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := a.deps.Printer.Status(c)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		return reasonKey(err)
	}
	if st.PaperNearEnd {
		return "state.near_end"
	}
	return "state.ok"
}

// Touch records resident activity; every control calls it before acting.
func (a *App) Touch() {
	a.lastTouch = a.deps.Now()
	if a.idle != nil {
		a.idle.Hide()
		a.idle = nil
	}
}

// Tick advances the clock and the idle timeout. Start calls it every second;
// tests call it directly with an injected clock.
func (a *App) Tick() {
	now := a.deps.Now()
	if a.clock != nil {
		a.clock.SetText(now.Format("2006-01-02 15:04"))
	}
	if a.followOffice() || !a.inSession() {
		return
	}
	cfg := a.deps.Config()
	quiet := now.Sub(a.lastTouch)
	if a.tech {
		if quiet >= cfg.TechIdle {
			a.EndSession()
		}
		return
	}
	if quiet < cfg.IdleTimeout {
		return
	}
	left := cfg.IdleTimeout + cfg.Countdown - quiet
	if left <= 0 {
		a.EndSession()
		return
	}
	secs := int((left + time.Second - 1) / time.Second)
	if a.idle == nil {
		a.idleLabel = widget.NewLabel("")
		a.idleLabel.Alignment = fyne.TextAlignCenter
		title := widget.NewLabelWithStyle(tr("idle.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		title.SizeName = "headingText"
		stay := a.button(tr("idle.stay"), widget.HighImportance, func() {})
		a.idle = widget.NewModalPopUp(container.NewVBox(title, a.idleLabel, big(stay)), a.win.Canvas())
		a.idle.Show()
	}
	a.idleLabel.SetText(tr("idle.body", map[string]any{"Seconds": secs}))
}

// inSession reports whether anything would need wiping: a screen other than
// home, or a resident's language or text-size choice.
func (a *App) inSession() bool {
	return len(a.stack) > 1 || a.tech || a.language != a.deps.Config().Language || a.th.large
}

// EndSession wipes everything a resident entered or saw and shows home in the
// kiosk's default language. Screens hold their state in fields, so dropping
// them drops the data.
func (a *App) EndSession() {
	if a.idle != nil {
		a.idle.Hide()
		a.idle = nil
	}
	a.resetSession()
}

func (a *App) resetSession() {
	a.drop(0)
	a.tech = false
	if a.th.large {
		a.setLarge(false)
	}
	cfg := a.deps.Config()
	a.language, a.shown = cfg.Language, shownSettings{office: cfg.OfficeName, language: cfg.Language}
	setLanguage(a.language)
	a.stack = []Screen{&homeScreen{app: a}}
	a.lastTouch = a.deps.Now()
	a.render()
}

// Push shows s on top of the current screen.
func (a *App) Push(s Screen) {
	a.stack = append(a.stack, s)
	a.render()
}

// Back returns to the previous screen.
func (a *App) Back() {
	if len(a.stack) > 1 {
		a.drop(len(a.stack) - 1)
	}
	a.render()
}

// Home returns to the home screen, keeping the session (language, text size).
func (a *App) Home() {
	a.drop(1)
	a.render()
}

// leaver is a screen that holds something to settle when it is left for
// good (Back, Home, the end of the session): a cash payment in progress
// turns into a voucher, a mobile payment in progress is cancelled.
type leaver interface{ leave() }

// drop removes the screens from index from on, newest first, letting each
// settle what it holds.
func (a *App) drop(from int) {
	for i := len(a.stack) - 1; i >= from && i >= 0; i-- {
		if l, ok := a.stack[i].(leaver); ok {
			l.leave()
		}
	}
	if from < len(a.stack) {
		a.stack = a.stack[:from]
	}
}

// Current is the screen on top.
func (a *App) Current() Screen { return a.stack[len(a.stack)-1] }

func (a *App) setLanguageChoice(code string) {
	a.language = code
	setLanguage(code)
	a.render()
}

func (a *App) toggleLarge() {
	a.setLarge(!a.th.large)
	a.render()
}

func (a *App) setLarge(on bool) {
	a.th = &kioskTheme{large: on}
	fyne.CurrentApp().Settings().SetTheme(a.th)
}

// render rebuilds the frame around the current screen.
func (a *App) render() {
	body := a.Current().build()
	a.win.SetContent(container.NewBorder(a.header(), a.footer(), nil, nil, container.NewPadded(body)))
	a.refreshFooter()
}

func (a *App) header() fyne.CanvasObject {
	cfg := a.deps.Config()
	office := widget.NewLabelWithStyle(cfg.OfficeName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	office.SizeName = "subHeadingText"
	// The logo corner doubles as the technician gesture: five taps within three
	// seconds ask for the PIN. It looks like a plain emblem to residents.
	logo := newTapArea(emblem(a.th.Color(theme.ColorNamePrimary, theme.VariantLight)), a.logoTapped)
	a.clock = widget.NewLabel(a.deps.Now().Format("2006-01-02 15:04"))
	other := "en"
	if a.language == "en" {
		other = "zh"
	}
	langBtn := a.button(tr("lang.other"), widget.MediumImportance, func() { a.setLanguageChoice(other) })
	sizeKey := "elder.on"
	if a.th.large {
		sizeKey = "elder.off"
	}
	sizeBtn := a.button(tr(sizeKey), widget.MediumImportance, a.toggleLarge)
	top := container.NewHBox(logo, office, layout.NewSpacer(), a.clock)
	row := container.NewHBox(widget.NewLabel(tr("app.title")), layout.NewSpacer(), big(sizeBtn), big(langBtn))
	return container.NewVBox(top, row, widget.NewSeparator())
}

func (a *App) footer() fyne.CanvasObject {
	a.printerText = widget.NewLabel("")
	a.networkText = widget.NewLabel("")
	return container.NewVBox(widget.NewSeparator(),
		container.NewHBox(a.printerText, layout.NewSpacer(), a.networkText))
}

func (a *App) refreshFooter() {
	if a.printerText == nil {
		return
	}
	a.mu.Lock()
	ps, os := a.printerStat, a.officeStat
	a.mu.Unlock()
	a.printerText.SetText(tr("footer.printer", map[string]any{"State": tr(ps)}))
	a.networkText.SetText(tr("footer.network", map[string]any{"State": tr(os)}))
}

func (a *App) logoTapped() {
	now := a.deps.Now()
	keep := a.logoTaps[:0]
	for _, t := range a.logoTaps {
		if now.Sub(t) < 3*time.Second {
			keep = append(keep, t)
		}
	}
	a.logoTaps = append(keep, now)
	if len(a.logoTaps) >= 5 {
		a.logoTaps = nil
		a.Touch()
		a.Push(&pinScreen{app: a})
	}
}

// button makes a large touch button that counts as activity.
func (a *App) button(label string, imp widget.Importance, tapped func()) *widget.Button {
	b := widget.NewButton(label, func() {
		a.Touch()
		tapped()
	})
	b.Importance = imp
	return b
}

// minTouch is the smallest target a finger hits reliably (SPEC §2.1: ≥ 80 px).
var minTouch = fyne.NewSize(120, 80)

// big gives obj at least the touch-target size.
func big(obj fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(minTouch)
	return container.NewStack(r, obj)
}

// navBar is the bottom row of every inner screen: back and home.
func (a *App) navBar(extra ...fyne.CanvasObject) fyne.CanvasObject {
	return a.stepBar(a.Back, extra...)
}
