package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin"
)

// hotWords are tappable searches: free Chinese text is hard to type on a kiosk
// (SPEC §2.1), so the common matters are one touch away.
var hotWords = []string{"低保", "医保", "身份证", "居住证", "党", "老年", "残疾", "就业", "公租房"}

// guidesScreen browses guides by category and searches them.
type guidesScreen struct {
	app      *App
	category string // "" = all
	query    string
	pg       pager

	// widgets kept for tests
	entry   *widget.Entry
	search  *widget.Button
	results map[string]*widget.Button // by guide id
	cats    map[string]*widget.Button // by category, "" = all
	hot     map[string]*widget.Button
	message *widget.Label
}

func (s *guidesScreen) build() fyne.CanvasObject {
	a := s.app
	landscape := a.deps.Config().Landscape
	// As many results as fit below the search controls without scrolling.
	s.pg.per = map[[2]bool]int{{false, false}: 6, {false, true}: 4, {true, false}: 4, {true, true}: 3}[[2]bool{landscape, a.th.large}]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	s.entry = widget.NewEntry()
	s.entry.SetPlaceHolder(tr("guides.search.placeholder"))
	s.entry.SetText(s.query)
	s.entry.OnChanged = func(string) { a.Touch() }
	s.entry.OnSubmitted = func(q string) { a.Touch(); s.runSearch(q) }
	s.search = a.button(tr("guides.search"), widget.HighImportance, func() { s.runSearch(s.entry.Text) })
	searchRow := container.NewBorder(nil, nil, nil, big(s.search), big(s.entry))

	s.hot = map[string]*widget.Button{}
	hot := []fyne.CanvasObject{widget.NewLabel(tr("guides.hot"))}
	for _, w := range hotWords {
		b := a.button(w, widget.MediumImportance, func() { s.runSearch(w) })
		s.hot[w] = b
		hot = append(hot, b)
	}

	s.cats = map[string]*widget.Button{}
	cats, err := a.deps.Guides.Categories(ctx)
	catObjs := []fyne.CanvasObject{}
	for _, c := range append([]string{""}, cats...) {
		label := c
		if c == "" {
			label = tr("guides.all")
		}
		imp := widget.MediumImportance
		if c == s.category {
			imp = widget.HighImportance
		}
		b := a.button(label, imp, func() { s.category = c; s.pg.page = 0; a.render() })
		s.cats[c] = b
		catObjs = append(catObjs, b)
	}

	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	var found []bianmin.Guide
	if err == nil {
		found, err = a.deps.Guides.FindGuides(ctx, bianmin.GuideFilter{Category: s.category, Query: s.query})
	}
	s.results = map[string]*widget.Button{}
	list := container.NewVBox()
	switch {
	case err != nil:
		a.deps.Log.Error("guides", "err", err)
		s.message.SetText(tr("guides.none"))
	case len(found) == 0:
		s.message.SetText(tr("guides.none"))
	case s.query != "":
		s.message.SetText(tr("guides.results", map[string]any{"Query": s.query, "Count": len(found)}))
	default:
		s.message.SetText(tr("guides.count", map[string]any{"Count": len(found)}))
	}
	from, to := s.pg.window(len(found))
	for _, g := range found[from:to] {
		b, card := a.card(g.Title, g.Department, false, true, 100,
			func() { a.Push(&detailScreen{app: a, id: g.ID}) })
		s.results[g.ID] = b
		list.Add(card)
	}
	prev, next, pageLabel := a.pagerControls(&s.pg, len(found))

	title := widget.NewLabelWithStyle(tr("guides.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	controls := container.NewVBox(title, searchRow,
		container.NewGridWrap(fyne.NewSize(150, 80), hot...),
		container.NewGridWrap(fyne.NewSize(180, 80), catObjs...),
		s.message)
	bottom := a.navBar(big(prev), pageLabel, big(next))
	if landscape {
		// Side by side: the controls stay in view while results page.
		return container.NewBorder(nil, bottom, nil, nil,
			container.NewGridWithColumns(2, container.NewVBox(controls, layout.NewSpacer()), container.NewVBox(list, layout.NewSpacer())))
	}
	return container.NewBorder(controls, bottom, nil, nil, container.NewVBox(list, layout.NewSpacer()))
}

func (s *guidesScreen) runSearch(q string) {
	s.query = q
	s.pg.page = 0
	s.app.render()
}
