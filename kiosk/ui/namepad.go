package ui

import (
	"image/color"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"bianmin/kiosk/pinyin"
)

// namePad is the on-screen keyboard for a Chinese name (SPEC §2.1 keeps free
// text off the kiosk, but a temporary-ID applicant without a readable card
// must give the name on the card). The resident spells a syllable in pinyin
// on letter keys and picks the character from the candidates; letters that
// cannot continue any syllable are disabled, so nothing can be spelt that
// has no character. The · key joins the parts of a minority name
// (买买提·艾力).
type namePad struct {
	app   *App
	table *pinyin.Table
	name  string // the characters picked so far
	py    string // the syllable being spelt
	pg    pager

	// widgets kept for tests: letter keys by letter ("v" is shown as ü),
	// control keys by "⌫", "C" and "·", candidates by character
	keys       map[string]*widget.Button
	candidates map[string]*widget.Button
}

// maxNameRunes bounds a name: the ID card holds 15 characters on a line,
// minority names with · run longer, bianmin.Application allows 30.
const maxNameRunes = 30

// nameDot joins the parts of a minority name (U+00B7, as ID cards print it).
const nameDot = "·"

var letterRows = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"}

func (p *namePad) build(changed func()) fyne.CanvasObject {
	a := p.app
	p.keys = map[string]*widget.Button{}
	p.candidates = map[string]*widget.Button{}
	typed := p.name
	if p.py != "" {
		typed += " " + strings.ReplaceAll(p.py, "v", "ü")
	}
	if typed == "" {
		typed = "_"
	}
	shown := widget.NewLabelWithStyle(typed, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	shown.SizeName = "headingText"

	// Candidates, a page at a time (no swiping on the kiosk).
	p.pg.per = 10
	cands := p.table.Candidates(p.py)
	from, to := p.pg.window(len(cands))
	var cobjs []fyne.CanvasObject
	for _, c := range cands[from:to] {
		b := a.button(c, widget.HighImportance, func() {
			if utf8.RuneCountInString(p.name) < maxNameRunes {
				p.name += c
			}
			p.py, p.pg.page = "", 0
			changed()
		})
		p.candidates[c] = b
		cobjs = append(cobjs, b)
	}
	var candBox fyne.CanvasObject = wrapLabel(tr("tempid.name_spell"))
	if len(cands) > 0 {
		grid := container.NewGridWrap(fyne.NewSize(96, 96), cobjs...)
		prev, next, label := a.pagerControls(&p.pg, len(cands))
		candBox = container.NewVBox(grid, container.NewHBox(big(prev), label, big(next)))
	}

	next := p.table.Next(p.py)
	full := utf8.RuneCountInString(p.name) >= maxNameRunes
	var rows []fyne.CanvasObject
	for _, row := range letterRows {
		var objs []fyne.CanvasObject
		for _, r := range row {
			l := string(r)
			label := l
			if l == "v" {
				label = "ü"
			}
			b := a.button(label, widget.MediumImportance, func() {
				p.py += l
				p.pg.page = 0
				changed()
			})
			if !next[l[0]] || full {
				b.Disable()
			}
			p.keys[l] = b
			objs = append(objs, b)
		}
		rows = append(rows, keyRow(fyne.NewSize(90, 90), objs...))
	}
	dot := a.button(nameDot, widget.MediumImportance, func() { p.name += nameDot; changed() })
	if p.name == "" || strings.HasSuffix(p.name, nameDot) || p.py != "" || full {
		dot.Disable()
	}
	del := a.button(tr("common.delete"), widget.MediumImportance, func() {
		if p.py != "" {
			p.py = p.py[:len(p.py)-1]
		} else if p.name != "" {
			r := []rune(p.name)
			p.name = string(r[:len(r)-1])
		}
		p.pg.page = 0
		changed()
	})
	clear := a.button(tr("common.clear"), widget.MediumImportance, func() {
		p.name, p.py, p.pg.page = "", "", 0
		changed()
	})
	p.keys[nameDot], p.keys["⌫"], p.keys["C"] = dot, del, clear
	controls := keyRow(fyne.NewSize(180, 90), dot, del, clear)
	// The candidate area keeps its height whether or not there are
	// candidates, so the letter keys never move under a finger between taps.
	hold := canvas.NewRectangle(color.Transparent)
	hold.SetMinSize(fyne.NewSize(0, 96+minTouch.Height+3*theme.Padding()))
	return container.NewVBox(shown, container.NewStack(hold, candBox), container.NewVBox(rows...), controls)
}

// nameProblem is the translation key saying what is wrong with a typed
// name, "" when it will do: Chinese characters, at least two, a · only
// between parts.
func nameProblem(name string) string {
	r := []rune(name)
	if len(r) < 2 {
		return "tempid.name_short"
	}
	if strings.HasPrefix(name, nameDot) || strings.HasSuffix(name, nameDot) || strings.Contains(name, nameDot+nameDot) {
		return "tempid.name_dot"
	}
	for _, c := range r {
		if string(c) != nameDot && !unicode.Is(unicode.Han, c) {
			return "tempid.name_short"
		}
	}
	return ""
}

// keyRow lays keys of one size side by side, centred. GridWrap alone would
// collapse to one key per line: its minimum width is a single cell.
func keyRow(cell fyne.Size, keys ...fyne.CanvasObject) fyne.CanvasObject {
	pad := theme.Padding()
	n := float32(len(keys))
	row := fyne.NewSize(n*cell.Width+(n-1)*pad, cell.Height)
	return container.NewCenter(container.NewGridWrap(row, container.NewGridWrap(cell, keys...)))
}
