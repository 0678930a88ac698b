package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keypad is an on-screen key grid (SPEC §2.1: text comes from built-in
// keypads, never a system keyboard). keys are labels; "⌫" deletes and "C"
// clears, handled by the caller like any key.
func (a *App) keypad(keys []string, cols int, press func(key string)) (fyne.CanvasObject, map[string]*widget.Button) {
	buttons := map[string]*widget.Button{}
	var objs []fyne.CanvasObject
	for _, k := range keys {
		label := k
		switch k {
		case "C":
			label = tr("common.clear")
		case "⌫":
			label = tr("common.delete")
		}
		b := a.button(label, widget.MediumImportance, func() { press(k) })
		buttons[k] = b
		objs = append(objs, b)
	}
	grid := container.NewGridWrap(fyne.NewSize(200, 110), objs...)
	// The outer wrap fixes the width at exactly cols keys, so the keys never
	// reflow into a different shape.
	pad := theme.Padding()
	rows := (len(objs) + cols - 1) / cols
	size := fyne.NewSize(float32(cols)*200+float32(cols-1)*pad, float32(rows)*110+float32(rows-1)*pad)
	return container.NewCenter(container.NewGridWrap(size, grid)), buttons
}

// digits are the keys of the phone and number keypads.
var digits = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"}

// edit applies a keypad key to s, keeping at most max characters.
func edit(s, key string, max int) string {
	switch key {
	case "C":
		return ""
	case "⌫":
		if s == "" {
			return s
		}
		r := []rune(s)
		return string(r[:len(r)-1])
	}
	if len([]rune(s)) >= max {
		return s
	}
	return s + key
}
