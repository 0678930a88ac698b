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

// detailScreen shows one guide in pages (basics, materials, steps and legal
// basis) with "print checklist" and "send to phone".
type detailScreen struct {
	app *App
	id  string
	pg  pager

	printed bool // a checklist printed: the service is complete and may be rated

	// widgets kept for tests
	rate   *widget.Button
	print  *widget.Button
	send   *widget.Button
	status *widget.Label
	body   *widget.RichText
}

func (s *detailScreen) build() fyne.CanvasObject {
	a := s.app
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := a.deps.Guides.Guide(ctx, s.id)
	if err != nil {
		a.deps.Log.Error("guide detail", "id", s.id, "err", err)
		return container.NewBorder(nil, a.navBar(), nil, nil, widget.NewLabel(tr("guides.none")))
	}
	s.pg.per = 1
	pages := s.pages(g)
	from, _ := s.pg.window(len(pages))
	s.body = widget.NewRichTextFromMarkdown(pages[from])
	s.body.Wrapping = fyne.TextWrapWord
	for _, seg := range s.body.Segments {
		// Markdown headings would use Fyne's default sizes; keep our theme's.
		if t, ok := seg.(*widget.TextSegment); ok && t.Style.SizeName == "" {
			t.Style.SizeName = "text"
		}
	}
	prev, next, pageLabel := a.pagerControls(&s.pg, len(pages))

	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.print = a.button(tr("guide.print"), widget.HighImportance, func() { s.printChecklist(g) })
	s.send = a.button(tr("guide.send"), widget.MediumImportance, func() { s.showQR(g) })

	title := widget.NewLabelWithStyle(g.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	title.Wrapping = fyne.TextWrapWord
	// Printing the checklist completes the guide service, so it is rated like
	// the others (SPEC §2.7), linked to the guide.
	s.rate = a.button(tr("rating.ask"), widget.MediumImportance, func() {
		if a.deps.Rate != nil {
			a.Push(&ratingScreen{app: a, record: g.ID, service: "guide"})
		}
	})
	if !s.printed || a.deps.Rate == nil {
		s.rate.Hide()
	}
	actions := container.NewGridWithColumns(3, big(s.print), big(s.send), big(s.rate))
	top := container.NewVBox(title, actions, s.status)
	bottom := a.navBar(big(prev), pageLabel, big(next))
	return container.NewBorder(top, bottom, nil, nil, container.NewVBox(s.body, layout.NewSpacer()))
}

// pages lays the guide out as markdown, one page per section group.
func (s *detailScreen) pages(g bianmin.Guide) []string {
	esc := func(v string) string {
		// Guide text is data, not markup: neutralise markdown control characters.
		r := strings.NewReplacer("*", "\\*", "_", "\\_", "#", "\\#", "`", "\\`", "[", "\\[", "]", "\\]", "<", "\\<")
		return r.Replace(v)
	}
	var p1, p2, p3 strings.Builder
	field := func(b *strings.Builder, key, v string) {
		fmt.Fprintf(b, "**%s**：%s\n\n", tr(key), esc(v))
	}
	field(&p1, "guide.category", g.Category)
	field(&p1, "guide.department", g.Department)
	fmt.Fprintf(&p1, "**%s**\n\n", tr("guide.conditions"))
	for i, c := range g.Conditions {
		fmt.Fprintf(&p1, "%d. %s\n", i+1, esc(c))
	}
	p1.WriteString("\n")
	field(&p1, "guide.time_limit", g.TimeLimit)
	field(&p1, "guide.fee", g.Fee)
	field(&p1, "guide.place", g.Place)
	field(&p1, "guide.hours", g.Hours)
	field(&p1, "guide.phone", g.Phone)

	fmt.Fprintf(&p2, "**%s**\n\n", tr("guide.materials"))
	for i, m := range g.Materials {
		fmt.Fprintf(&p2, "%d. %s — %s", i+1, esc(m.Name),
			tr("guide.copies", map[string]any{"Form": tr("form." + m.Form), "Count": m.Count}))
		if m.Note != "" {
			fmt.Fprintf(&p2, "（%s）", esc(m.Note))
		}
		p2.WriteString("\n")
	}

	fmt.Fprintf(&p3, "**%s**\n\n", tr("guide.steps"))
	for i, st := range g.Steps {
		fmt.Fprintf(&p3, "%d. %s\n", i+1, esc(st))
	}
	fmt.Fprintf(&p3, "\n**%s**\n\n", tr("guide.legal"))
	for _, l := range g.LegalBasis {
		fmt.Fprintf(&p3, "- %s\n", esc(l))
	}
	fmt.Fprintf(&p3, "\n%s\n", tr("guide.version", map[string]any{"Version": esc(g.Version), "Updated": g.Updated}))
	return []string{p1.String(), p2.String(), p3.String()}
}

// printChecklist checks the printer first (nothing is sent to a printer that
// cannot finish), then prints off the UI goroutine and reports back.
func (s *detailScreen) printChecklist(g bianmin.Guide) {
	a := s.app
	data, err := a.deps.Checklist(g, a.deps.Config())
	if err != nil {
		a.deps.Log.Error("checklist", "id", g.ID, "err", err)
		s.status.SetText(tr("print.failed", map[string]any{"Reason": tr("reason.fault")}))
		return
	}
	s.print.Disable()
	s.status.SetText(tr("print.printing"))
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := a.deps.Printer.Ready(ctx)
		key := "print.unavailable"
		if err == nil {
			key = "print.failed"
			err = a.deps.Printer.Print(ctx, data)
		}
		fyne.Do(func() {
			if a.Current() != Screen(s) {
				return // the session ended or moved on while printing
			}
			s.print.Enable()
			if err != nil {
				a.deps.Log.Warn("print checklist", "id", g.ID, "err", err)
				s.status.SetText(tr(key, map[string]any{"Reason": reason(err)}))
				return
			}
			s.status.SetText(tr("print.done"))
			s.printed = true
			if a.deps.Rate != nil {
				s.rate.Show()
			}
		})
	})
}

func (s *detailScreen) showQR(g bianmin.Guide) {
	a := s.app
	url := a.deps.Config().GuideURL(g.ID)
	img, err := qrImage(url, 480)
	if err != nil {
		a.deps.Log.Error("guide qr", "id", g.ID, "err", err)
		return
	}
	hint := widget.NewLabelWithStyle(tr("guide.qr_hint"), fyne.TextAlignCenter, fyne.TextStyle{})
	hint.Wrapping = fyne.TextWrapWord
	var pop *widget.PopUp
	closeBtn := a.button(tr("common.close"), widget.HighImportance, func() { pop.Hide() })
	pop = widget.NewModalPopUp(container.NewVBox(hint, img, widget.NewLabel(url), big(closeBtn)), a.win.Canvas())
	pop.Show()
}
