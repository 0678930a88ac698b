package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/kiosk"
)

// The settings the street office sets centrally (kiosk.Overlay) are shown in
// technician mode for what they are: the sync page lists them with their
// values and any entry the kiosk did not apply, and the pages that edit a
// setting the office sets show it read-only with a note instead.

// central reports which settings the office sets; none without Deps.Central.
func (a *App) central() kiosk.Central {
	if a.deps.Central == nil {
		return kiosk.Central{}
	}
	return a.deps.Central()
}

// centralLabel names a central setting in the session's language.
func centralLabel(key string) string {
	switch key {
	case bianmin.SettingOfficeName:
		return tr("central.office_name")
	case bianmin.SettingPublicBaseURL:
		return tr("central.public_base_url")
	case bianmin.SettingIdleTimeout:
		return tr("central.idle_timeout")
	case bianmin.SettingCountdown:
		return tr("central.countdown")
	case bianmin.SettingLanguage:
		return tr("central.language")
	case bianmin.SettingTempIDPlace:
		return tr("central.tempid_place")
	case bianmin.SettingTempIDHours:
		return tr("central.tempid_hours")
	case bianmin.SettingOverpayLimitFen:
		return tr("central.overpay")
	case bianmin.SettingReceiptFooter:
		return tr("central.footer")
	}
	return key
}

// centralValue is the value of a central setting in cfg, as shown.
func centralValue(cfg kiosk.Config, key string) string {
	seconds := func(d time.Duration) string { return tr("central.seconds", map[string]any{"N": int(d / time.Second)}) }
	switch key {
	case bianmin.SettingOfficeName:
		return cfg.OfficeName
	case bianmin.SettingPublicBaseURL:
		return cfg.PublicBaseURL
	case bianmin.SettingIdleTimeout:
		return seconds(cfg.IdleTimeout)
	case bianmin.SettingCountdown:
		return seconds(cfg.Countdown)
	case bianmin.SettingLanguage:
		if cfg.Language == "en" {
			return "English"
		}
		return "中文"
	case bianmin.SettingTempIDPlace:
		return cfg.TempID.Place
	case bianmin.SettingTempIDHours:
		return cfg.TempID.Hours
	case bianmin.SettingOverpayLimitFen:
		return tr("central.yuan", map[string]any{"Yuan": bianmin.FormatYuan(cfg.Cash.OverpayLimitFen)})
	case bianmin.SettingReceiptFooter:
		return cfg.ReceiptFooter
	}
	return ""
}

// centralSection lists the office's settings on the sync page.
func (a *App) centralSection() fyne.CanvasObject {
	st, cfg := a.central(), a.deps.Config()
	title := widget.NewLabelWithStyle(tr("central.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title)
	if len(st.Set) == 0 {
		box.Add(wrapLabel(tr("central.none")))
	} else {
		form := widget.NewForm()
		for _, key := range st.Set {
			form.Append(centralLabel(key), wrapLabel(centralValue(cfg, key)))
		}
		box.Add(form)
		box.Add(wrapLabel(tr("central.note")))
	}
	keys := make([]string, 0, len(st.Ignored))
	for k := range st.Ignored {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		box.Add(wrapLabel(tr("central.ignored", map[string]any{"Key": centralLabel(k), "Reason": st.Ignored[k]})))
	}
	return box
}

// centralField shows the value of a setting the office sets, read-only,
// with the note saying why it cannot be changed here.
func centralField(value string) fyne.CanvasObject {
	return container.NewVBox(wrapLabel(value), wrapLabel(tr("central.note")))
}

// followOffice shows a new office name or default language the office set
// while the kiosk waits on its home screen: the screen is rebuilt at once.
// A resident's session is left alone; it ends with the new settings.
func (a *App) followOffice() bool {
	if len(a.stack) != 1 || a.tech || a.th.large || a.language != a.shown.language {
		return false
	}
	cfg := a.deps.Config()
	if cfg.Language == a.shown.language && cfg.OfficeName == a.shown.office {
		return false
	}
	a.resetSession()
	return true
}

// shownSettings are the office name and default language the home screen
// was built with.
type shownSettings struct{ office, language string }
