package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin/kiosk"
)

// techScreen is technician mode (SPEC §2.8): a page per device and one for
// sync, chosen with large tabs. It leaves by itself after the technician idle
// time, or with the exit button.
type techScreen struct {
	app     *App
	page    string // key of the shown page
	message string // outcome of the last action outside a page (PIN change)

	printer, idReader, cash, scanner *devicePage
	sync                             *syncPage
	tempid                           *tempidPage

	tabs map[string]*widget.Button // for tests
}

// techPage is one page of technician mode.
type techPage interface{ build() fyne.CanvasObject }

func (s *techScreen) pages() []struct {
	key  string
	page techPage
} {
	a := s.app
	if s.printer == nil {
		s.printer, s.idReader, s.cash, s.scanner = a.printerPage(s), a.idReaderPage(s), a.cashPage(s), a.scannerPage(s)
		s.sync = &syncPage{app: a, tech: s}
		s.tempid = &tempidPage{app: a, tech: s}
	}
	return []struct {
		key  string
		page techPage
	}{
		{"tech.printer", s.printer},
		{"tech.idreader", s.idReader},
		{"tech.cash", s.cash},
		{"tech.scanner", s.scanner},
		{"tech.sync", s.sync},
		{"tech.tempid", s.tempid},
	}
}

// shown reports whether p is the page on screen now.
func (s *techScreen) shown(p techPage) bool {
	if s.app.Current() != Screen(s) {
		return false
	}
	for _, e := range s.pages() {
		if e.key == s.page {
			return e.page == p
		}
	}
	return false
}

func (s *techScreen) build() fyne.CanvasObject {
	a := s.app
	cfg := a.deps.Config()
	pages := s.pages()
	if s.page == "" {
		s.page = pages[0].key
	}
	s.tabs = map[string]*widget.Button{}
	var tabs []fyne.CanvasObject
	var body fyne.CanvasObject
	for _, e := range pages {
		imp := widget.MediumImportance
		if e.key == s.page {
			imp = widget.HighImportance
			body = e.page.build()
		}
		b := a.button(tr(e.key), imp, func() { s.page = e.key; a.render() })
		s.tabs[e.key] = b
		tabs = append(tabs, big(b))
	}
	title := widget.NewLabelWithStyle(tr("tech.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	info := widget.NewLabel(fmt.Sprintf("%s: %s", tr("tech.kiosk"), cfg.KioskName))
	var warn fyne.CanvasObject = layout.NewSpacer()
	if cfg.CheckPIN(kiosk.DefaultTechPIN) {
		warn = widget.NewLabelWithStyle(tr("tech.pin_default"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	changePIN := a.button(tr("tech.change_pin"), widget.MediumImportance, func() { a.Push(&pinScreen{app: a, set: true}) })
	exit := a.button(tr("tech.exit"), widget.DangerImportance, a.EndSession)
	top := container.NewVBox(container.NewHBox(title, layout.NewSpacer(), info), warn,
		widget.NewLabel(s.message), container.NewGridWithColumns(len(tabs), tabs...), widget.NewSeparator())
	return container.NewBorder(top, container.NewHBox(big(changePIN), big(exit)), nil, nil, body)
}
