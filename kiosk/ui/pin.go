package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pinScreen asks for the technician PIN on a digit keypad. Wrong PINs say so and
// clear; the screen is part of the session, so walking away returns home.
type pinScreen struct {
	app     *App
	set     bool // choosing a new PIN in technician mode instead of entering one
	digits  string
	message string

	keys map[string]*widget.Button // for tests: "0".."9", "clear", "ok"
}

func (s *pinScreen) build() fyne.CanvasObject {
	a := s.app
	prompt := "tech.pin"
	if s.set {
		prompt = "tech.new_pin"
	}
	title := widget.NewLabelWithStyle(tr(prompt), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = "headingText"
	dots := widget.NewLabelWithStyle(maskPIN(len(s.digits)), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	msg := widget.NewLabelWithStyle(s.message, fyne.TextAlignCenter, fyne.TextStyle{})
	s.keys = map[string]*widget.Button{}
	var keys []fyne.CanvasObject
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"} {
		label := k
		imp := widget.MediumImportance
		switch k {
		case "clear":
			label = tr("common.clear")
		case "ok":
			label, imp = tr("common.ok"), widget.HighImportance
		}
		b := a.button(label, imp, func() { s.press(k) })
		s.keys[k] = b
		keys = append(keys, b)
	}
	// Keys well above the minimum touch size: PINs are typed standing up.
	pad := container.NewGridWrap(fyne.NewSize(220, 130), keys...)
	pad = container.NewGridWrap(fyne.NewSize(3*220+2*theme.Padding(), 4*130+3*theme.Padding()), pad)
	return container.NewBorder(container.NewVBox(title, dots, msg), a.navBar(), nil, nil, container.NewCenter(pad))
}

func (s *pinScreen) press(k string) {
	a := s.app
	switch k {
	case "clear":
		s.digits = ""
	case "ok":
		if s.set {
			s.setPIN()
			return
		}
		if a.deps.Config().CheckPIN(s.digits) {
			a.tech = true
			a.stack = a.stack[:len(a.stack)-1] // the PIN screen is not a place to go back to
			a.Push(&techScreen{app: a})
			return
		}
		a.deps.Log.Warn("technician PIN rejected")
		s.digits, s.message = "", tr("tech.pin_wrong")
	default:
		if len(s.digits) < 8 {
			s.digits += k
		}
	}
	a.render()
}

func maskPIN(n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += "● "
	}
	if out == "" {
		return " "
	}
	return out
}

func (s *pinScreen) setPIN() {
	a := s.app
	cfg := a.deps.Config()
	err := cfg.SetPIN(s.digits)
	if err == nil {
		err = a.deps.SaveConfig(cfg)
	}
	s.digits = ""
	if err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
		a.render()
		return
	}
	a.deps.Log.Info("technician PIN changed")
	if t, ok := a.stack[len(a.stack)-2].(*techScreen); ok {
		t.message = tr("tech.pin_changed")
	}
	a.Back()
}
