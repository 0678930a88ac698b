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
	"bianmin/devices/scanner"
	"bianmin/kiosk/store"
)

// progressScreen is "check progress" (SPEC §2.4): type the number from a slip
// on the keypad, or hold the slip's QR code to the scanner. It shows the
// timeline as of the last sync and says how old that is.
type progressScreen struct {
	app      *App
	number   string
	found    *store.Service
	message  string
	scanning bool

	keys   map[string]*widget.Button // for tests
	lookup *widget.Button
}

// numberKeys: the prefix letters of tickets (T) and applications (A), digits.
var numberKeys = []string{"T", "A", "⌫", "1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0"}

func (s *progressScreen) build() fyne.CanvasObject {
	a := s.app
	title := widget.NewLabelWithStyle(tr("progress.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	shown := widget.NewLabelWithStyle(formatNumber(s.number), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	shown.SizeName = "subHeadingText"
	pad, keys := a.keypad(numberKeys, 3, func(k string) {
		s.number = edit(s.number, k, 21) // T + date 8 + kiosk 6 + sequence up to 6
		s.message, s.found = "", nil
		a.render()
	})
	s.keys = keys
	s.lookup = a.button(tr("progress.lookup"), widget.HighImportance, func() { s.find(formatNumber(s.number)) })
	if len(s.number) < 10 {
		s.lookup.Disable()
	}
	var result fyne.CanvasObject = wrapLabel(s.message)
	if s.found != nil {
		result = s.timeline()
	}
	if !s.scanning && a.started && a.deps.Scanner != nil {
		s.scanning = true
		go s.listen()
	}
	top := container.NewVBox(title, wrapLabel(tr("progress.hint")), shown)
	return container.NewBorder(top, a.navBar(big(s.lookup)), nil, nil,
		container.NewVBox(pad, widget.NewSeparator(), result, layout.NewSpacer()))
}

// listen takes slips' QR codes from the scanner while the screen is shown.
func (s *progressScreen) listen() {
	a := s.app
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			time.Sleep(time.Second)
			shown := false
			fyne.DoAndWait(func() { shown = a.Current() == Screen(s) })
			if !shown {
				cancel()
				return
			}
		}
	}()
	for sc := range a.deps.Scanner.Scans(ctx) {
		fyne.Do(func() { s.scanned(sc) })
	}
	fyne.Do(func() { s.scanning = false })
}

func (s *progressScreen) scanned(sc scanner.Scan) {
	if s.app.Current() != Screen(s) {
		return
	}
	switch {
	case sc.Err != nil:
		s.message = tr("progress.scan_unreadable")
	case sc.Class != scanner.ClassSlip:
		s.message = tr("progress.not_a_slip")
	default:
		s.number = strings.ReplaceAll(sc.Number, "-", "")
		s.find(sc.Number)
		return
	}
	s.app.render()
}

func (s *progressScreen) find(number string) {
	a := s.app
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	svc, err := a.deps.LookupService(ctx, number)
	s.found = nil
	switch {
	case errors.Is(err, store.ErrUnknownService) || bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		s.message = tr("progress.unknown")
	case err != nil:
		a.deps.Log.Error("progress lookup", "err", err)
		s.message = tr("progress.failed")
	default:
		s.found = &svc
	}
	a.render()
}

// timeline shows the service's states from officed's last status, or its
// local submission when officed has not answered yet.
func (s *progressScreen) timeline() fyne.CanvasObject {
	a := s.app
	f := s.found
	box := container.NewVBox(widget.NewLabelWithStyle(f.Number, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if sum := serviceSummary(*f); sum != "" {
		box.Add(widget.NewLabel(sum))
	}
	if f.Status == nil {
		box.Add(wrapLabel(tr("progress.submitted_local", map[string]any{"At": f.Created.Local().Format("2006-01-02 15:04")})))
	} else {
		for _, e := range f.Status.Timeline {
			box.Add(wrapLabel(e.At.Local().Format("01-02 15:04") + "  " + stateText(e.State) + "  " + e.Note))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if last := a.deps.LastSync(ctx); last.IsZero() {
		box.Add(wrapLabel(tr("progress.never_synced")))
	} else {
		box.Add(wrapLabel(tr("progress.as_of", map[string]any{"Age": age(a.deps.Now().Sub(last))})))
	}
	return box
}

// serviceSummary says what a service is: a ticket's category, or that it is
// a temporary-ID application and why (the reason is stored as its key).
func serviceSummary(f store.Service) string {
	if f.Kind != bianmin.KindApplication {
		return f.Summary
	}
	if f.Summary == "" {
		return tr("tempid.kind")
	}
	return tr("tempid.kind") + "：" + tr("tempid.reason."+f.Summary)
}

// stateText names a service state in the session's language.
func stateText(state string) string {
	key := "state." + state
	if t := tr(key); t != key {
		return t
	}
	return state
}

// age says how old information is, coarsely.
func age(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return tr("age.now")
	case d < time.Hour:
		return tr("age.minutes", map[string]any{"N": int(d.Minutes())})
	case d < 48*time.Hour:
		return tr("age.hours", map[string]any{"N": int(d.Hours())})
	}
	return tr("age.days", map[string]any{"N": int(d.Hours() / 24)})
}

// formatNumber puts the dashes into a typed number: T + 8-digit date, the
// kiosk's 6-digit code, the sequence (T20261125-483920-0042).
func formatNumber(s string) string {
	if len(s) > 15 {
		return s[:9] + "-" + s[9:15] + "-" + s[15:]
	}
	if len(s) > 9 {
		return s[:9] + "-" + s[9:]
	}
	if s == "" {
		return "_"
	}
	return s
}
