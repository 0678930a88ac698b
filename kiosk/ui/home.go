package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// homeScreen shows a large tile for every service of SPEC §2. Services that are
// not built yet say so on the tile and cannot be tapped: nothing is offered that
// would then fail.
type homeScreen struct {
	app   *App
	tiles map[string]*widget.Button // by service key, for tests
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
		{key: "tempid"},
		{key: "pay"},
		{key: "report"},
		{key: "progress"},
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
	return container.NewBorder(welcome, nil, nil, nil, container.NewGridWithColumns(cols, objs...))
}

func (s *homeScreen) tile(sv service) fyne.CanvasObject {
	a := s.app
	title := widget.NewLabelWithStyle(tr("tile."+sv.key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	sub := widget.NewLabel(tr("tile." + sv.key + ".sub"))
	sub.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(color.NRGBA{0xff, 0xff, 0xff, 0xff})
	bg.CornerRadius = 16
	bg.StrokeWidth = 3
	bg.StrokeColor = a.th.Color(theme.ColorNamePrimary, theme.VariantLight)
	btn := a.button("", widget.LowImportance, func() {
		if sv.open != nil {
			sv.open()
		}
	})
	s.tiles[sv.key] = btn
	if !sv.ready {
		btn.Disable()
		bg.StrokeColor = color.NRGBA{0xc8, 0xcc, 0xd2, 0xff}
		title.Importance = widget.LowImportance
		sub.SetText(tr("tile.soon"))
	}
	min := canvas.NewRectangle(color.Transparent)
	min.SetMinSize(fyne.NewSize(400, 200))
	return container.NewStack(min, bg, container.NewPadded(container.NewVBox(title, sub)), btn)
}
