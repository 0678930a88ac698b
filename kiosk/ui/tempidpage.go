package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// tempidPage lets the technician set where and when temporary ID cards are
// collected (kiosk.TempIDConfig): the police station's counter differs per
// street office, and the slip prints it.
type tempidPage struct {
	app     *App
	tech    *techScreen
	place   string
	hours   string
	days    int
	loaded  bool
	message string

	// widgets kept for tests
	placeEntry, hoursEntry *widget.Entry
	daysSelect             *widget.Select
	save                   *widget.Button
}

// readyDays are the choices for how many working days a card takes.
var readyDays = []string{"0", "1", "2", "3", "4", "5", "7", "10", "15"}

func (s *tempidPage) build() fyne.CanvasObject {
	a := s.app
	if !s.loaded {
		c := a.deps.Config().TempID
		s.place, s.hours, s.days, s.loaded = c.Place, c.Hours, c.Days, true
	}
	s.placeEntry = widget.NewEntry()
	s.placeEntry.SetText(s.place)
	s.placeEntry.OnChanged = func(v string) { a.Touch(); s.place = v }
	s.hoursEntry = widget.NewEntry()
	s.hoursEntry.SetText(s.hours)
	s.hoursEntry.OnChanged = func(v string) { a.Touch(); s.hours = v }
	s.daysSelect = widget.NewSelect(readyDays, func(v string) { a.Touch(); s.days, _ = strconv.Atoi(v) })
	s.daysSelect.SetSelected(strconv.Itoa(s.days))
	s.save = a.button(tr("tech.save"), widget.HighImportance, s.store)
	form := widget.NewForm(
		widget.NewFormItem(tr("tech.tempid_place"), s.placeEntry),
		widget.NewFormItem(tr("tech.tempid_hours"), s.hoursEntry),
		widget.NewFormItem(tr("tech.tempid_days"), s.daysSelect),
	)
	return container.NewVBox(wrapLabel(tr("tech.tempid_hint")), form, big(s.save), wrapLabel(s.message))
}

// store validates and saves the collection settings; an invalid one changes
// nothing and says why.
func (s *tempidPage) store() {
	a := s.app
	cfg := a.deps.Config()
	cfg.TempID.Place, cfg.TempID.Hours, cfg.TempID.Days = s.place, s.hours, s.days
	if err := cfg.Validate(); err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else if err := a.deps.SaveConfig(cfg); err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else {
		s.message = tr("tech.saved")
	}
	a.render()
}
