package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin"
)

// tempidPage lets the technician set where and when temporary ID cards are
// collected (kiosk.TempIDConfig): the police station's counter differs per
// street office, and the slip prints it. The place and hours the street
// office sets centrally are shown read-only.
type tempidPage struct {
	app     *App
	tech    *techScreen
	place   string
	hours   string
	days    int
	loaded  bool
	message string
	// The office set the place or hours at the last build: when it stops,
	// the field is loaded again, now with the kiosk's own value.
	placeCentral, hoursCentral bool

	// widgets kept for tests
	placeEntry, hoursEntry *widget.Entry
	daysSelect             *widget.Select
	save                   *widget.Button
}

// readyDays are the choices for how many working days a card takes.
var readyDays = []string{"0", "1", "2", "3", "4", "5", "7", "10", "15"}

func (s *tempidPage) build() fyne.CanvasObject {
	a := s.app
	c, central := a.deps.Config().TempID, a.central()
	placeCentral, hoursCentral := central.Sets(bianmin.SettingTempIDPlace), central.Sets(bianmin.SettingTempIDHours)
	if !s.loaded || s.placeCentral && !placeCentral {
		s.place = c.Place
	}
	if !s.loaded || s.hoursCentral && !hoursCentral {
		s.hours = c.Hours
	}
	if !s.loaded {
		s.days = c.Days
	}
	s.loaded, s.placeCentral, s.hoursCentral = true, placeCentral, hoursCentral
	s.placeEntry = widget.NewEntry()
	s.placeEntry.SetText(s.place)
	s.placeEntry.OnChanged = func(v string) { a.Touch(); s.place = v }
	s.hoursEntry = widget.NewEntry()
	s.hoursEntry.SetText(s.hours)
	s.hoursEntry.OnChanged = func(v string) { a.Touch(); s.hours = v }
	s.daysSelect = widget.NewSelect(readyDays, func(v string) { a.Touch(); s.days, _ = strconv.Atoi(v) })
	s.daysSelect.SetSelected(strconv.Itoa(s.days))
	s.save = a.button(tr("tech.save"), widget.HighImportance, s.store)
	var place, hours fyne.CanvasObject = s.placeEntry, s.hoursEntry
	if placeCentral {
		place = centralField(c.Place)
	}
	if hoursCentral {
		hours = centralField(c.Hours)
	}
	form := widget.NewForm(
		widget.NewFormItem(tr("tech.tempid_place"), place),
		widget.NewFormItem(tr("tech.tempid_hours"), hours),
		widget.NewFormItem(tr("tech.tempid_days"), s.daysSelect),
	)
	return container.NewVBox(wrapLabel(tr("tech.tempid_hint")), form, big(s.save), wrapLabel(s.message))
}

// store validates and saves the collection settings; an invalid one changes
// nothing and says why.
func (s *tempidPage) store() {
	a := s.app
	cfg, central := a.deps.Config(), a.central()
	if !central.Sets(bianmin.SettingTempIDPlace) {
		cfg.TempID.Place = s.place
	}
	if !central.Sets(bianmin.SettingTempIDHours) {
		cfg.TempID.Hours = s.hours
	}
	cfg.TempID.Days = s.days
	if err := cfg.Validate(); err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else if err := a.deps.SaveConfig(cfg); err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else {
		s.message = tr("tech.saved")
	}
	a.render()
}
