package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/kiosk"
)

// withOffice makes the fixture's configuration the local one with entries
// laid over it, as kiosk.Runtime does; saving stores what the screens pass.
func withOffice(f *fixture, entries map[string]json.RawMessage) (saved *kiosk.Config) {
	saved = new(kiosk.Config)
	local := f.cfg
	f.app.deps.Config = func() kiosk.Config { c, _ := kiosk.Overlay(local, entries); return c }
	f.app.deps.Central = func() kiosk.Central { _, st := kiosk.Overlay(local, entries); return st }
	f.app.deps.SaveConfig = func(c kiosk.Config) error { *saved = c; return c.Validate() }
	return saved
}

// A setting the street office sets is shown read-only with the note where a
// technician would edit it, and saving the page does not touch it; the sync
// page lists what the office sets and what the kiosk did not apply.
func TestTechPagesShowOfficeSettingsReadOnly(t *testing.T) {
	f := newFixture(t)
	const place = "南岗区公安分局花园街派出所户籍室（中心设置）"
	saved := withOffice(f, map[string]json.RawMessage{
		bianmin.SettingTempIDPlace:     json.RawMessage(`"` + place + `"`),
		bianmin.SettingOverpayLimitFen: json.RawMessage(`2000`),
		bianmin.SettingOfficeName:      json.RawMessage(`"花园街道（中心设置）"`),
		bianmin.SettingCountdown:       json.RawMessage(`1`),
	})
	f.app.deps.Sync = func(context.Context) SyncInfo { return SyncInfo{} }
	f.app.tech = true
	ts := &techScreen{app: f.app, page: "tech.tempid"}
	f.app.Push(ts)

	page := texts(f.win)
	if !strings.Contains(page, place) || !strings.Contains(page, tr("central.note")) {
		t.Errorf("temporary-ID page does not show the office's place with the note:\n%s", page)
	}
	if _, ok := find(f.win, func(e *widget.Entry) bool { return e.Text == place }); ok {
		t.Error("the office's place is editable")
	}
	if _, ok := find(f.win, func(e *widget.Entry) bool { return e.Text == f.cfg.TempID.Hours }); !ok {
		t.Error("the hours, which the office does not set, are not editable")
	}
	ts.tempid.hoursEntry.SetText("工作日 9:00–16:00")
	ts.tempid.daysSelect.SetSelected("5")
	test.Tap(ts.tempid.save)
	if saved.TempID.Days != 5 || saved.TempID.Hours != "工作日 9:00–16:00" || saved.TempID.Place != place {
		t.Errorf("saved %+v: the local fields are not the edited ones, or the office's place was changed", saved.TempID)
	}

	test.Tap(ts.tabs["tech.cash"])
	if _, ok := find(f.win, func(s *widget.Select) bool { return len(s.Options) > 0 && s.Options[len(s.Options)-1] == "100.00" }); ok {
		t.Error("the office's overpayment limit can be picked")
	}
	if page := texts(f.win); !strings.Contains(page, "20.00") || !strings.Contains(page, tr("central.note")) {
		t.Errorf("cash page does not show the office's limit with the note:\n%s", page)
	}
	test.Tap(ts.cash.save)
	if saved.Cash.OverpayLimitFen != 2000 {
		t.Errorf("saving the cash page changed the office's limit to %d", saved.Cash.OverpayLimitFen)
	}

	test.Tap(ts.tabs["tech.sync"])
	page = texts(f.win)
	for _, want := range []string{tr("central.title"), "花园街道（中心设置）", place, "20.00",
		tr("central.ignored", map[string]any{"Key": tr("central.countdown"), "Reason": ""})} {
		if !strings.Contains(page, want) {
			t.Errorf("sync page lacks %q:\n%s", want, page)
		}
	}
	// The form's labels name the settings.
	for _, label := range []string{tr("central.office_name"), tr("central.tempid_place"), tr("central.overpay")} {
		if _, ok := find(f.win, func(c *canvas.Text) bool { return c.Text == label }); !ok {
			t.Errorf("sync page lacks the label %q", label)
		}
	}
	if strings.Contains(page, tr("central.none")) {
		t.Error("sync page says the office sets nothing")
	}
}

// Without office settings the pages edit everything, as before.
func TestTechPagesWithoutOfficeSettings(t *testing.T) {
	f := newFixture(t)
	withOffice(f, nil)
	f.app.deps.Sync = func(context.Context) SyncInfo { return SyncInfo{} }
	f.app.tech = true
	ts := &techScreen{app: f.app, page: "tech.sync"}
	f.app.Push(ts)
	if page := texts(f.win); !strings.Contains(page, tr("central.none")) {
		t.Errorf("sync page:\n%s", page)
	}
	test.Tap(ts.tabs["tech.tempid"])
	if _, ok := find(f.win, func(e *widget.Entry) bool { return e.Text == f.cfg.TempID.Place }); !ok {
		t.Error("the place is not editable")
	}
}

// A new office name or default language from the office shows on the home
// screen at the next tick; a resident's session keeps its screen.
func TestHomeFollowsTheOffice(t *testing.T) {
	f := newFixture(t)
	t.Cleanup(func() { setLanguage("zh") })
	entries := map[string]json.RawMessage{}
	withOffice(f, entries)
	f.app.Tick()
	if !strings.Contains(texts(f.win), f.cfg.OfficeName) {
		t.Fatalf("home lacks the local office name:\n%s", texts(f.win))
	}

	// In a session: nothing changes under the resident.
	test.Tap(f.home(t).tiles["guides"])
	entries[bianmin.SettingOfficeName] = json.RawMessage(`"花园街道便民服务中心"`)
	f.app.Tick()
	f.guides(t)

	f.app.EndSession()
	if page := texts(f.win); !strings.Contains(page, "花园街道便民服务中心") {
		t.Errorf("the session's end does not show the office's name:\n%s", page)
	}

	// At rest on home: at the next tick.
	entries[bianmin.SettingOfficeName] = json.RawMessage(`"花园街道办事处"`)
	entries[bianmin.SettingLanguage] = json.RawMessage(`"en"`)
	f.app.Tick()
	page := texts(f.win)
	if !strings.Contains(page, "花园街道办事处") || !strings.Contains(page, "Service guides") {
		t.Errorf("home did not follow the office's name and language:\n%s", page)
	}
	if f.app.inSession() {
		t.Error("the office's default language counts as a resident's session")
	}
}
