package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// homeScreen shows a large tile for every service of SPEC §2. Services that are
// not built yet say so on the tile and cannot be tapped: nothing is offered that
// would then fail.
type homeScreen struct {
	app   *App
	tiles map[string]*widget.Button // by service key, for tests
	qrURL string                    // what the report QR encodes, for tests
}

type service struct {
	key   string
	ready bool
	open  func()
}

func (s *homeScreen) build() fyne.CanvasObject {
	a := s.app
	services := []service{
		{key: "guides", ready: true, open: func() { a.Push(&guidesScreen{app: a}) }},
		{key: "tempid", ready: a.deps.TempIDOrder != nil && a.deps.Payments != nil, open: func() { a.Push(newTempID(a)) }},
		{key: "pay", ready: a.deps.LookupBill != nil && a.deps.Payments != nil && a.deps.PaymentSlip != nil,
			open: func() { a.Push(&payScreen{app: a}) }},
		{key: "report", ready: a.deps.SubmitTicket != nil, open: func() { a.Push(&reportScreen{app: a}) }},
		{key: "progress", ready: a.deps.LookupService != nil, open: func() { a.Push(&progressScreen{app: a}) }},
	}
	s.tiles = map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	for _, sv := range services {
		objs = append(objs, s.tile(sv))
	}
	cols := 1
	if a.deps.Config().Landscape {
		cols = 2
	}
	welcome := widget.NewLabelWithStyle(tr("home.welcome"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	welcome.SizeName = "headingText"
	return container.NewBorder(welcome, s.reportQR(), nil, nil, container.NewGridWithColumns(cols, objs...))
}

// reportQR is the "scan and order" channel that does not need the kiosk: a QR
// of officed's mobile report form, with a line saying what it is for.
func (s *homeScreen) reportQR() fyne.CanvasObject {
	a := s.app
	url := a.deps.Config().ReportURL()
	img, err := qrImage(url, 160)
	if err != nil {
		a.deps.Log.Error("report qr", "err", err)
		return nil
	}
	s.qrURL = url
	title := widget.NewLabelWithStyle(tr("home.qr_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel(tr("home.qr_hint"))
	hint.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, img, nil, container.NewVBox(title, hint))
}

func (s *homeScreen) tile(sv service) fyne.CanvasObject {
	sub := tr("tile." + sv.key + ".sub")
	if !sv.ready {
		sub = tr("tile.soon")
	}
	btn, obj := s.app.card(tr("tile."+sv.key), sub, true, sv.ready, 200, func() {
		if sv.open != nil {
			sv.open()
		}
	})
	s.tiles[sv.key] = btn
	return obj
}
