package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin/devices/idcard"
)

// What the service flows (report, pay, temporary ID, the checkout) are made
// of alike: the title, the bottom bar, the phone keypad, the grid of large
// option buttons, and the parts of the screens that end a service.

// screenTitle is a flow's title, at the top left.
func screenTitle(text string) *widget.Label {
	return styledLabel(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}, "headingText")
}

// centred is a centred label in style and the theme's text size size ("" for
// body text).
func centred(text string, style fyne.TextStyle, size fyne.ThemeSizeName) *widget.Label {
	return styledLabel(text, fyne.TextAlignCenter, style, size)
}

func styledLabel(text string, align fyne.TextAlign, style fyne.TextStyle, size fyne.ThemeSizeName) *widget.Label {
	l := widget.NewLabelWithStyle(text, align, style)
	if size != "" {
		l.SizeName = size
	}
	return l
}

// stepBar is the bottom row of a flow: back (to the previous step, or the
// previous screen), home, and the step's own buttons on the right.
func (a *App) stepBar(back func(), extra ...fyne.CanvasObject) fyne.CanvasObject {
	objs := []fyne.CanvasObject{
		big(a.button(tr("common.back"), widget.MediumImportance, back)),
		big(a.button(tr("common.home"), widget.MediumImportance, a.Home)),
		layout.NewSpacer(),
	}
	return container.NewHBox(append(objs, extra...)...)
}

// phonePad is the phone keypad: the number typed so far, grouped 3-4-4,
// and the digit keys, which edit *phone (11 digits at most) and then call
// changed. The keys are returned by label, for tests.
func (a *App) phonePad(phone *string, changed func()) (shown *widget.Label, pad fyne.CanvasObject, keys map[string]*widget.Button) {
	shown = centred(group(*phone, 3, 7), fyne.TextStyle{Monospace: true}, "headingText")
	pad, keys = a.keypad(digits, 3, func(k string) {
		*phone = edit(*phone, k, 11)
		changed()
	})
	return shown, pad, keys
}

// optionGrid lays out one large button per value, cells of size, paged by
// pg when there are more than twelve; values in selected are highlighted.
// Each button is put in buttons under its value, for tests.
func (a *App) optionGrid(pg *pager, size fyne.Size, values []string, pick func(string), selected []string, buttons map[string]*widget.Button) fyne.CanvasObject {
	pg.per = 12
	from, to := pg.window(len(values))
	var objs []fyne.CanvasObject
	for _, v := range values[from:to] {
		imp := widget.MediumImportance
		if indexOf(selected, v) >= 0 {
			imp = widget.HighImportance
		}
		b := a.button(v, imp, func() { pick(v) })
		buttons[v] = b
		objs = append(objs, b)
	}
	grid := container.NewGridWrap(size, objs...)
	if len(values) <= pg.per {
		return container.NewVBox(grid, layout.NewSpacer())
	}
	prev, next, label := a.pagerControls(pg, len(values))
	return container.NewBorder(nil, container.NewHBox(big(prev), label, big(next)), nil, nil, grid)
}

// doneHeader is the top of a screen that ends a service: the headline, then
// the number the resident keeps (a ticket's, an application's, a receipt's)
// under its label, in numberSize.
func doneHeader(headline, label, number string, numberSize fyne.ThemeSizeName) []fyne.CanvasObject {
	return []fyne.CanvasObject{
		centred(headline, fyne.TextStyle{Bold: true}, "headingText"),
		centred(label, fyne.TextStyle{}, ""),
		centred(number, fyne.TextStyle{Bold: true, Monospace: true}, numberSize),
	}
}

// statusQR is the QR of a status page, at least side units; a spacer when
// the URL does not fit a QR code (the number above still identifies it).
func statusQR(url string, side float32) fyne.CanvasObject {
	if img, err := qrImage(url, side); err == nil {
		return img
	}
	return layout.NewSpacer()
}

// slipStatus is what a screen that ends a service says of its slip, kept as
// translation keys so that it reads right after a language switch.
type slipStatus struct {
	key    string // "print.printing", then the screen's printed or failed key
	reason string // why the slip did not print (reasonKey), with the failed key
}

func (p slipStatus) String() string {
	if p.reason == "" {
		return tr(p.key)
	}
	return tr(p.key, map[string]any{"Reason": tr(p.reason)})
}

// printing is the status while the slip prints.
var printing = slipStatus{key: "print.printing"}

// slipPrinted records in *st how the slip of s printed — printedKey, or
// failedKey with the reason — and shows it if s is on top.
func (a *App) slipPrinted(s Screen, st *slipStatus, err error, printedKey, failedKey string) {
	*st = slipStatus{key: printedKey}
	if err != nil {
		*st = slipStatus{key: failedKey, reason: reasonKey(err)}
	}
	if a.showing(s) {
		a.render()
	}
}

// doneButtons are the last row of a screen that ends a service: home, which
// ends the session, and the rating of the service's record.
func (a *App) doneButtons(record, service string) (home, rate *widget.Button, row fyne.CanvasObject) {
	rate = a.button(tr("rating.ask"), widget.HighImportance, func() {
		a.Push(&ratingScreen{app: a, record: record, service: service})
	})
	home = a.button(tr("common.home"), widget.MediumImportance, a.EndSession)
	return home, rate, container.NewGridWithColumns(2, big(home), big(rate))
}

// showing reports whether s is the screen on top: a screen updated from a
// device's or the network's answer renders only then.
func (a *App) showing(s Screen) bool {
	return len(a.stack) > 0 && a.Current() == s
}

// unstack takes s off the stack, wherever it is above home, without leaving
// it: a screen that is done with (a filled form, a completed checkout) is
// not a place for back to return to.
func (a *App) unstack(s Screen) {
	for i := len(a.stack) - 1; i > 0; i-- {
		if a.stack[i] == s {
			a.stack = append(a.stack[:i], a.stack[i+1:]...)
			return
		}
	}
}

// readCard waits within ctx for a card on the ID reader and reads it, off
// the UI goroutine; use gets the card (or why there is none) there too, for
// any further work with it, and returns what to do with the outcome on the
// UI goroutine. That runs only if ctx was not cancelled meanwhile (the
// resident moved on); cancel ends ctx once all is done.
func (a *App) readCard(ctx context.Context, cancel context.CancelFunc, use func(card idcard.Card, err error) func()) {
	a.deps.Async(func() {
		defer cancel()
		err := a.deps.IDReader.WaitCard(ctx, 300*time.Millisecond)
		var card idcard.Card
		if err == nil {
			card, err = a.deps.IDReader.Read(ctx)
		}
		then := use(card, err)
		if errors.Is(ctx.Err(), context.Canceled) {
			return
		}
		a.deps.UI(then)
	})
}
