package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"bianmin"
)

// Steps of the report flow, in order.
const (
	stepCategory = iota
	stepCommunity
	stepBuilding
	stepUnit
	stepRoom
	stepPhrases
	stepPhone
	stepConfirm
)

// reportScreen is 扫码点单 on the kiosk (SPEC §2.4): category, location from
// grid data, preset phrases, phone on a keypad, then the ticket is queued at
// once (offline too) and a slip prints with its number and status QR.
type reportScreen struct {
	app   *App
	step  int
	t     bianmin.Ticket
	comm  *bianmin.Community
	bldg  *bianmin.Building
	pg    pager
	grid  []bianmin.Community
	error string

	// widgets kept for tests, by label or value
	choices map[string]*widget.Button
	keys    map[string]*widget.Button
	next    *widget.Button
	submit  *widget.Button
}

func (s *reportScreen) build() fyne.CanvasObject {
	a := s.app
	s.choices = map[string]*widget.Button{}
	if s.grid == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		grid, err := a.deps.Communities(ctx)
		cancel()
		if err != nil {
			a.deps.Log.Error("report: grid data", "err", err)
		}
		s.grid = grid
	}
	title := screenTitle(tr("report.title"))
	prompt := widget.NewLabelWithStyle(tr(fmt.Sprintf("report.step%d", s.step)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	summary := wrapLabel(s.summary())
	errLabel := wrapLabel(s.error)
	errLabel.Importance = widget.DangerImportance

	var body fyne.CanvasObject
	var extra []fyne.CanvasObject
	switch s.step {
	case stepCategory:
		body = s.options(bianmin.ReportCategories, func(c string) {
			if c != s.t.Category {
				s.t.Phrases = nil
			}
			s.t.Category = c
			s.forward()
		}, nil)
	case stepCommunity:
		var names []string
		for _, c := range s.grid {
			names = append(names, c.Name)
		}
		if len(names) == 0 {
			body = wrapLabel(tr("report.no_grid"))
			break
		}
		body = s.options(names, func(name string) {
			for i := range s.grid {
				if s.grid[i].Name == name {
					s.comm, s.t.Community = &s.grid[i], s.grid[i].ID
				}
			}
			s.forward()
		}, nil)
	case stepBuilding:
		var names []string
		for _, b := range s.comm.Buildings {
			names = append(names, b.Name)
		}
		body = s.options(names, func(name string) {
			for i := range s.comm.Buildings {
				if s.comm.Buildings[i].Name == name {
					s.bldg, s.t.Building = &s.comm.Buildings[i], s.comm.Buildings[i].ID
				}
			}
			s.forward()
		}, nil)
	case stepUnit:
		body = s.options(s.bldg.Units, func(u string) { s.t.Unit = u; s.forward() }, nil)
	case stepRoom:
		body = s.options(s.bldg.Rooms(), func(r string) { s.t.Room = r; s.forward() }, nil)
	case stepPhrases:
		body = s.options(bianmin.ReportPhrases[s.t.Category], func(p string) {
			if i := indexOf(s.t.Phrases, p); i >= 0 {
				s.t.Phrases = append(s.t.Phrases[:i], s.t.Phrases[i+1:]...)
			} else {
				s.t.Phrases = append(s.t.Phrases, p)
			}
			a.render()
		}, s.t.Phrases)
		s.next = a.button(tr("common.next_step"), widget.HighImportance, s.forward)
		if len(s.t.Phrases) == 0 {
			s.next.Disable()
		}
		extra = append(extra, big(s.next))
	case stepPhone:
		shown, pad, keys := a.phonePad(&s.t.Phone, func() { s.error = ""; a.render() })
		s.keys = keys
		body = container.NewVBox(shown, pad)
		s.next = a.button(tr("common.next_step"), widget.HighImportance, func() {
			if err := bianmin.ValidatePhone(s.t.Phone); err != nil {
				s.error = tr("report.bad_phone")
				a.render()
				return
			}
			s.forward()
		})
		extra = append(extra, big(s.next))
	case stepConfirm:
		body = container.NewVBox(wrapLabel(tr("report.confirm_hint")), layout.NewSpacer())
		s.submit = a.button(tr("report.submit"), widget.HighImportance, s.send)
		extra = append(extra, big(s.submit))
	}
	return container.NewBorder(container.NewVBox(title, prompt, summary, errLabel), a.stepBar(s.backward, extra...), nil, nil, body)
}

// options lays out choices as large buttons, paged; selected ones are marked.
func (s *reportScreen) options(values []string, pick func(string), selected []string) fyne.CanvasObject {
	return s.app.optionGrid(&s.pg, fyne.NewSize(320, 110), values, pick, selected, s.choices)
}

func (s *reportScreen) forward() {
	s.step++
	s.pg.page = 0
	s.error = ""
	s.app.render()
}

func (s *reportScreen) backward() {
	if s.step == stepCategory {
		s.app.Back()
		return
	}
	s.step--
	s.pg.page = 0
	s.error = ""
	s.app.render()
}

// place is the location in words, for the screen and the slip.
func (s *reportScreen) place() string {
	var parts []string
	if s.comm != nil {
		parts = append(parts, s.comm.Name)
	}
	if s.bldg != nil {
		parts = append(parts, s.bldg.Name)
	}
	for _, p := range []string{s.t.Unit, s.t.Room} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func (s *reportScreen) summary() string {
	var lines []string
	if s.t.Category != "" {
		lines = append(lines, tr("report.category")+"："+s.t.Category)
	}
	if p := s.place(); p != "" {
		lines = append(lines, tr("report.place")+"："+p)
	}
	if len(s.t.Phrases) > 0 && s.step > stepPhrases {
		lines = append(lines, tr("report.phrases")+"："+strings.Join(s.t.Phrases, "，"))
	}
	if s.step > stepPhone {
		lines = append(lines, tr("report.phone")+"："+bianmin.MaskPhone(s.t.Phone))
	}
	return strings.Join(lines, "\n")
}

// send queues the ticket, then prints its slip. The ticket stands even when
// the slip cannot print: the screen shows the number and the status QR.
func (s *reportScreen) send() {
	a := s.app
	s.submit.Disable()
	t := s.t
	place := s.place()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	record, err := a.deps.SubmitTicket(ctx, &t)
	cancel()
	if err != nil {
		a.deps.Log.Error("report: queue ticket", "err", err)
		s.error = tr("report.failed")
		a.render()
		return
	}
	done := &ticketDoneScreen{app: a, t: t, record: record, slip: printing}
	a.stack = a.stack[:len(a.stack)-1] // the filled form is not a place to go back to
	a.Push(done)
	slip, err := a.deps.TicketSlip(t, place, a.deps.Config())
	a.printSlip(slip, err, done.printed)
}

// ticketDoneScreen shows the queued ticket's number and status QR, and offers
// the rating.
type ticketDoneScreen struct {
	app    *App
	t      bianmin.Ticket
	record string
	slip   slipStatus

	rate *widget.Button
	home *widget.Button
}

func (s *ticketDoneScreen) printed(err error) {
	if err != nil {
		s.app.deps.Log.Warn("report: slip", "err", err)
	}
	s.app.slipPrinted(s, &s.slip, err, "report.slip_printed", "report.no_slip")
}

func (s *ticketDoneScreen) build() fyne.CanvasObject {
	a := s.app
	var row fyne.CanvasObject
	s.home, s.rate, row = a.doneButtons(s.record, bianmin.KindTicket)
	return container.NewVBox(append(doneHeader(tr("report.queued"), tr("report.number"), s.t.Number, "headingText"),
		statusQR(a.deps.Config().StatusURL(s.t.Number, s.t.Secret), 360),
		wrapLabel(tr("report.offline_ok")), wrapLabel(s.slip.String()), row)...)
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
