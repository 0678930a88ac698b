package ui

import (
	"context"
	"strings"
	"time"
)

// printSlip waits for the printer to be ready and prints slip off the UI
// goroutine, then reports to done on the UI goroutine: nil when printed,
// otherwise why not. A slip that could not be rendered (renderErr) is reported
// at once. Every service prints its slip this way, so they behave alike when
// the paper runs out.
func (a *App) printSlip(slip []byte, renderErr error, done func(error)) {
	if renderErr != nil {
		done(renderErr)
		return
	}
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := a.deps.Printer.Ready(ctx)
		if err == nil {
			err = a.deps.Printer.Print(ctx, slip)
		}
		cancel()
		a.deps.UI(func() { done(err) })
	})
}

// group spaces a number typed on a keypad into the groups residents read it
// in, a space before each index of at: a phone 3-4-4 (group(p, 3, 7)), an ID
// number region-birth date-rest (group(n, 6, 14)). Nothing typed shows "_".
func group(s string, at ...int) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		for _, g := range at {
			if i == g {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
