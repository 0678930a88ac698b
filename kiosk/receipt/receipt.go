// Package receipt lays out what the kiosk prints — the 一次性告知 checklist and
// the technician test page — as ESC/POS bytes. Layouts are pure functions of
// their inputs (the time is a parameter), so their exact bytes are golden-tested.
package receipt

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"bianmin/devices/escpos"
)

// Columns is the width of an 80 mm receipt in Font A half-width columns
// (576 dots / 12). A Chinese character takes two.
const Columns = 48

// usable is how many columns a text line may fill. A line that fills the paper
// exactly makes many printers wrap on their own, so the LF after it would feed
// an extra blank line.
const usable = Columns - 1

// DotsWide is the printable width in dots, for raster lines.
const DotsWide = 576

// writer adds line-oriented helpers on top of escpos.Doc: wrapping by display
// width, and printing lines the printer's 2-byte GB font cannot show as images.
type writer struct {
	d *escpos.Doc
}

func newWriter() *writer {
	return &writer{d: escpos.New().Init().ChineseMode(true)}
}

// line prints s wrapped to the paper, continuation lines indented by indent
// columns. A line with a character outside the 2-byte GB area is drawn as a
// raster image instead (escpos.md), so rare characters still print.
func (w *writer) line(s string, indent int) {
	for i, part := range wrap(s, usable, indent) {
		if i > 0 {
			part = strings.Repeat(" ", indent) + part
		}
		if escpos.TwoByteOnly(part) {
			w.d.Line(part)
			continue
		}
		bm, err := rasterText(part, DotsWide)
		if err != nil {
			w.d.Line(part) // let the encoder report the character it cannot send
			continue
		}
		w.d.Raster(bm, 0)
	}
}

// Letterhead is what every slip says about the street office: its name at
// the top and, if it has one, its footer line (a hotline, a notice) at the
// foot. The office sets both centrally (bianmin.SettingOfficeName,
// bianmin.SettingReceiptFooter).
type Letterhead struct {
	Office string
	Footer string // "" for none
}

// end prints the footer line, if any, centred, and cuts the paper.
func (w *writer) end(footer string) ([]byte, error) {
	if footer != "" {
		w.d.Align(escpos.AlignCenter)
		w.line(footer, 0)
	}
	w.d.FeedCut(4, true)
	return w.d.Bytes()
}

func (w *writer) rule(ch string) { w.d.Line(strings.Repeat(ch, usable/cellWidth(ch))) }

// runeWidth is the number of half-width columns r occupies on the printer.
func runeWidth(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	case width.EastAsianAmbiguous:
		// GB fonts print ambiguous characters (□, ●, “”) full width.
		if r >= 0x80 {
			return 2
		}
	}
	return 1
}

// cellWidth is the printed width of s in half-width columns.
func cellWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// wrap breaks s into lines of at most cols columns; continuation lines have
// indent columns less room. Latin words are not split when they fit a line.
func wrap(s string, cols, indent int) []string {
	var out []string
	room := cols
	var cur strings.Builder
	used := 0
	flush := func() {
		out = append(out, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		used = 0
		room = cols - indent
	}
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == '\n' {
			flush()
			s = s[size:]
			continue
		}
		// Keep a run of Latin letters/digits together.
		token := s[:size]
		if r < 0x80 && r != ' ' {
			end := strings.IndexFunc(s, func(c rune) bool { return c >= 0x80 || c == ' ' || c == '\n' })
			if end < 0 {
				end = len(s)
			}
			if tw := cellWidth(s[:end]); tw <= cols-indent {
				token = s[:end]
			}
		}
		tw := cellWidth(token)
		if used+tw > room && used > 0 {
			flush()
			if token == " " {
				s = s[size:]
				continue
			}
		}
		cur.WriteString(token)
		used += tw
		s = s[len(token):]
	}
	if cur.Len() > 0 || len(out) == 0 {
		out = append(out, strings.TrimRight(cur.String(), " "))
	}
	return out
}
