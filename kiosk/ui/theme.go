package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"bianmin/assets"
)

var fontResource = fyne.NewStaticResource("DroidSansFallbackFull.ttf", assets.Font())

// kioskTheme is the light kiosk look with the bundled CJK font, so text renders
// the same on every host. Large mode (适老化) enlarges text and controls and
// raises contrast.
type kioskTheme struct {
	large bool
}

var _ fyne.Theme = (*kioskTheme)(nil)

func (t *kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return color.NRGBA{0xf4, 0xf6, 0xf9, 0xff}
	case theme.ColorNamePrimary:
		return color.NRGBA{0xc0, 0x1f, 0x2f, 0xff} // the red of government service halls
	case theme.ColorNameButton:
		return color.NRGBA{0xff, 0xff, 0xff, 0xff}
	case theme.ColorNameForeground:
		if t.large {
			return color.Black
		}
		return color.NRGBA{0x1d, 0x23, 0x2b, 0xff}
	case theme.ColorNameDisabled:
		if t.large {
			return color.NRGBA{0x55, 0x55, 0x55, 0xff}
		}
		return color.NRGBA{0x8a, 0x90, 0x99, 0xff}
	case theme.ColorNamePlaceHolder:
		return color.NRGBA{0x6b, 0x72, 0x7c, 0xff}
	case theme.ColorNameHover:
		// A touch screen has no hover, but X leaves the pointer where the
		// last finger was: a hover shade would then sit on whatever button
		// is drawn there next, looking disabled. Taps still flash (pressed).
		return color.Transparent
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

func (t *kioskTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return theme.DefaultTheme().Font(s)
	}
	return fontResource
}

func (t *kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	scale := float32(1)
	if t.large {
		scale = 1.4
	}
	switch n {
	case theme.SizeNameText:
		return 24 * scale
	case theme.SizeNameHeadingText:
		return 40 * scale
	case theme.SizeNameSubHeadingText:
		return 30 * scale
	case theme.SizeNameCaptionText:
		return 18 * scale
	case theme.SizeNameInlineIcon:
		return 32 * scale
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 16 * scale
	case theme.SizeNameInputBorder:
		return 2
	}
	return theme.DefaultTheme().Size(n)
}
