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
	return container.NewBorder(welcome, nil, nil, nil, container.NewGridWithColumns(cols, objs...))
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
