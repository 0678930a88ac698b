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

// ratingReasons are the preset reasons a resident can add (SPEC §2.7).
var ratingReasons = []string{"办理快捷", "指引清楚", "操作简单", "等待太久", "操作复杂", "设备故障"}

// ratingScreen asks for a 好差评 of the service just completed. Skipping is
// always possible; a rating is queued like every record.
type ratingScreen struct {
	app     *App
	record  string // id of the rated service's record
	service string // its kind
	level   int
	reasons map[string]bool
	message string

	levels map[int]*widget.Button // for tests
	submit *widget.Button
	skip   *widget.Button
	reason map[string]*widget.Button
}

func (s *ratingScreen) build() fyne.CanvasObject {
	a := s.app
	if s.reasons == nil {
		s.reasons = map[string]bool{}
	}
	title := widget.NewLabelWithStyle(tr("rating.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	s.levels = map[int]*widget.Button{}
	var levels []fyne.CanvasObject
	for i, name := range bianmin.RatingLevels {
		level := 5 - i
		imp := widget.MediumImportance
		if level == s.level {
			imp = widget.HighImportance
		}
		b := a.button(tr("rating."+name), imp, func() { s.level = level; a.render() })
		s.levels[level] = b
		levels = append(levels, big(b))
	}
	s.reason = map[string]*widget.Button{}
	var reasons []fyne.CanvasObject
	for _, r := range ratingReasons {
		imp := widget.MediumImportance
		if s.reasons[r] {
			imp = widget.HighImportance
		}
		b := a.button(tr("rating."+r), imp, func() { s.reasons[r] = !s.reasons[r]; a.render() })
		s.reason[r] = b
		reasons = append(reasons, b)
	}
	s.submit = a.button(tr("rating.submit"), widget.HighImportance, s.send)
	if s.level == 0 {
		s.submit.Disable()
	}
	s.skip = a.button(tr("rating.skip"), widget.MediumImportance, a.EndSession)
	return container.NewBorder(container.NewVBox(title, wrapLabel(s.message)),
		container.NewGridWithColumns(2, big(s.skip), big(s.submit)), nil, nil,
		container.NewVBox(container.NewGridWithColumns(1, levels...),
			widget.NewLabel(tr("rating.reasons")), container.NewGridWrap(fyne.NewSize(240, 90), reasons...), layout.NewSpacer()))
}

func (s *ratingScreen) send() {
	a := s.app
	r := bianmin.Rating{Record: s.record, Service: s.service, Level: s.level}
	for _, reason := range ratingReasons {
		if s.reasons[reason] {
			r.Reasons = append(r.Reasons, reason)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.deps.Rate(ctx, r); err != nil {
		a.deps.Log.Error("rating", "err", err)
		s.message = tr("rating.failed")
		a.render()
		return
	}
	a.Push(&doneScreen{app: a, key: "rating.thanks"})
}

// doneScreen thanks the resident and ends the session on "home".
type doneScreen struct {
	app  *App
	key  string
	home *widget.Button
}

func (s *doneScreen) build() fyne.CanvasObject {
	a := s.app
	msg := widget.NewLabelWithStyle(tr(s.key), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	msg.SizeName = "headingText"
	s.home = a.button(tr("common.home"), widget.HighImportance, a.EndSession)
	return container.NewCenter(container.NewVBox(msg, big(s.home)))
}
