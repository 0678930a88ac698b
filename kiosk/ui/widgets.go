package ui

import (

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
