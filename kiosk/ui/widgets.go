package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"
)

// tapArea makes any object tappable without a button's look (the logo corner).
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	tapped  func()
}

func newTapArea(content fyne.CanvasObject, tapped func()) *tapArea {
	t := &tapArea{content: content, tapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapArea) Tapped(*fyne.PointEvent) { t.tapped() }

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(big(t.content)))
}

// qrImage renders data as a QR code image of at least side units.
func qrImage(data string, side float32) (fyne.CanvasObject, error) {
	q, err := qrcode.New(data, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	img := canvas.NewImageFromImage(q.Image(512))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	img.SetMinSize(fyne.NewSize(side, side))
	return img, nil
}

// pager splits n items into pages of size per page; the kiosk pages with buttons
// instead of swipe scrolling (SPEC §2.1).
type pager struct {
	page, per int
}

func (p *pager) pages(n int) int {
	if n == 0 {
		return 1
	}
	return (n + p.per - 1) / p.per
}

// window returns the [from, to) slice bounds of the current page, clamping the
// page when the item count shrank (a new search).
func (p *pager) window(n int) (int, int) {
	if p.page >= p.pages(n) {
		p.page = p.pages(n) - 1
	}
	if p.page < 0 {
		p.page = 0
	}
	from := p.page * p.per
	to := from + p.per
	if to > n {
		to = n
	}
	return from, to
}

// controls returns the previous/next buttons and the page label for n items.
func (a *App) pagerControls(p *pager, n int) (prev, next *widget.Button, label *widget.Label) {
	label = widget.NewLabel(tr("common.page", map[string]any{"Page": p.page + 1, "Pages": p.pages(n)}))
	prev = a.button(tr("common.prev"), widget.MediumImportance, func() { p.page--; a.render() })
	next = a.button(tr("common.next"), widget.MediumImportance, func() { p.page++; a.render() })
	if p.page <= 0 {
		prev.Disable()
	}
	if p.page >= p.pages(n)-1 {
		next.Disable()
	}
	return prev, next, label
}

// emblem is the red 便民 badge in the header's corner.
func emblem(red color.Color) fyne.CanvasObject {
	bg := canvas.NewRectangle(red)
	bg.CornerRadius = 12
	bg.SetMinSize(fyne.NewSize(96, 80))
	t := canvas.NewText("便民", color.White)
	t.TextSize = 30
	t.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewStack(bg, container.NewCenter(t))
}

// card is a large tappable panel with a title and a subtitle (home tiles, guide
// results). The returned button is the tap target, kept by screens for tests. A
// disabled card is greyed and cannot be tapped.
func (a *App) card(title, sub string, heading, enabled bool, minHeight float32, tapped func()) (*widget.Button, fyne.CanvasObject) {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.Wrapping = fyne.TextWrapWord
	if heading {
		t.SizeName = theme.SizeNameHeadingText
	}
	s := widget.NewLabel(sub)
	s.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(color.White)
	bg.CornerRadius = 16
	bg.StrokeWidth = 3
	bg.StrokeColor = a.th.Color(theme.ColorNamePrimary, theme.VariantLight)
	btn := a.button("", widget.LowImportance, tapped)
	if !enabled {
		btn.Disable()
		bg.StrokeColor = color.NRGBA{0xc8, 0xcc, 0xd2, 0xff}
		t.Importance = widget.LowImportance
	}
	min := canvas.NewRectangle(color.Transparent)
	min.SetMinSize(fyne.NewSize(minTouch.Width, minHeight))
	// The button lies under the card's face and text: no button shade can
	// hide the title or the border (the pointer a finger left on a tile
	// must not make it look disabled), and taps still reach the button
	// because rectangles and labels do not take taps.
	return btn, container.NewStack(min, btn, bg, container.NewVBox(t, s))
}
