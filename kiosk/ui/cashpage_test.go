package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin"
)

// find returns the first object on the window that matches.
func find[T fyne.CanvasObject](win fyne.Window, match func(T) bool) (found T, ok bool) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if ok || o == nil {
			return
		}
		if w, is := o.(T); is && match(w) {
			found, ok = w, true
			return
		}
		if c, is := o.(*fyne.Container); is {
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
		if w, is := o.(fyne.Widget); is {
			if r := test.WidgetRenderer(w); r != nil {
				for _, ch := range r.Objects() {
					walk(ch)
				}
			}
		}
	}
	walk(win.Content())
	return found, ok
}

// TestCashPageLimitAndCollection: the technician picks the overpayment limit
// from round amounts and records a cash collection; the box counts show.
func TestCashPageLimitAndCollection(t *testing.T) {
	f := newFixture(t)
	box := bianmin.CashCollected{Notes: 3, Coins: 2, TotalFen: 7150}
	var collected int
	f.app.deps.CashBox = func(context.Context) (bianmin.CashCollected, error) { return box, nil }
	f.app.deps.CollectCash = func(context.Context, string) (bianmin.CashCollected, error) {
		collected++
		c := box
		box = bianmin.CashCollected{}
		return c, nil
	}
	f.app.tech = true
	ts := &techScreen{app: f.app, page: "tech.cash"}
	f.app.Push(ts)
	if page := texts(f.win); !strings.Contains(page, "纸币 3 张，硬币 2 枚，共 71.50 元") {
		t.Fatalf("cash page lacks the box counts:\n%s", page)
	}
	limit, ok := find(f.win, func(s *widget.Select) bool { return len(s.Options) > 0 && s.Options[len(s.Options)-1] == "100.00" })
	if !ok || limit.Selected != "50.00" {
		t.Fatalf("overpay limit select: %v %+v", ok, limit)
	}
	limit.SetSelected("20.00")
	test.Tap(ts.cash.save)
	if f.cfg.Cash.OverpayLimitFen != 2000 {
		t.Errorf("saved limit %d 分", f.cfg.Cash.OverpayLimitFen)
	}
	collect, ok := find(f.win, func(b *widget.Button) bool { return b.Text == tr("tech.cash_collect") })
	if !ok || collect.Disabled() {
		t.Fatal("no collect button")
	}
	test.Tap(collect)
	if collected != 1 || !strings.Contains(ts.message, "71.50") {
		t.Fatalf("collect: %d calls, message %q", collected, ts.message)
	}
	if collect, _ := find(f.win, func(b *widget.Button) bool { return b.Text == tr("tech.cash_collect") }); !collect.Disabled() {
		t.Error("collecting an empty box is offered")
	}
}
