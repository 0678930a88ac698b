package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SyncInfo is the sync state the technician page shows.
type SyncInfo struct {
	Enrolled          bool
	KioskID, Server   string
	Pending, Rejected int
	Cursor            int64
	LastSuccess       time.Time
	LastError         string
}

// syncPage shows the kiosk's enrollment and queue, runs a sync round on demand
// and enrolls the kiosk with a one-time code.
type syncPage struct {
	app     *App
	tech    *techScreen
	message string
	server  string
	code    string

	// widgets kept for tests
	syncNow, enroll      *widget.Button
	serverEntry, codeEnt *widget.Entry
}

func (s *syncPage) build() fyne.CanvasObject {
	a := s.app
	if a.deps.Sync == nil {
		return widget.NewLabel(tr("tech.sync_unavailable"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	info := a.deps.Sync(ctx)
	cancel()
	never := tr("tech.never")
	last := never
	if !info.LastSuccess.IsZero() {
		last = info.LastSuccess.Local().Format("2006-01-02 15:04:05")
	}
	kiosk := tr("tech.not_enrolled")
	if info.Enrolled {
		kiosk = info.KioskID
	}
	form := widget.NewForm(
		widget.NewFormItem(tr("tech.kiosk_id"), widget.NewLabel(kiosk)),
		widget.NewFormItem(tr("tech.server"), widget.NewLabel(info.Server)),
		widget.NewFormItem(tr("tech.queue"), widget.NewLabel(tr("tech.queue_counts", map[string]any{"Pending": info.Pending, "Rejected": info.Rejected}))),
		widget.NewFormItem(tr("tech.last_success"), widget.NewLabel(last)),
		widget.NewFormItem(tr("tech.last_error"), wrapLabel(info.LastError)),
	)
	s.syncNow = a.button(tr("tech.sync_now"), widget.HighImportance, s.runSync)
	if !info.Enrolled {
		s.syncNow.Disable()
	}
	s.serverEntry = widget.NewEntry()
	s.serverEntry.SetPlaceHolder("https://…")
	s.serverEntry.SetText(s.server)
	s.serverEntry.OnChanged = func(v string) { a.Touch(); s.server = v }
	s.codeEnt = widget.NewEntry()
	s.codeEnt.SetText(s.code)
	s.codeEnt.OnChanged = func(v string) { a.Touch(); s.code = v }
	s.enroll = a.button(tr("tech.enroll"), widget.MediumImportance, s.runEnroll)
	enrollForm := widget.NewForm(
		widget.NewFormItem(tr("tech.server"), s.serverEntry),
		widget.NewFormItem(tr("tech.code"), s.codeEnt),
	)
	return container.NewVBox(form, big(s.syncNow), wrapLabel(s.message), widget.NewSeparator(),
		widget.NewLabelWithStyle(tr("tech.enroll_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		enrollForm, big(s.enroll), widget.NewSeparator(), a.centralSection())
}

func (s *syncPage) runSync() {
	a := s.app
	s.syncNow.Disable()
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		err := a.deps.SyncNow(ctx)
		cancel()
		fyne.Do(func() {
			s.message = tr("tech.synced")
			if err != nil {
				s.message = tr("tech.error", map[string]any{"Error": err.Error()})
			}
			if s.tech.shown(s) {
				a.render()
			}
		})
	})
}

func (s *syncPage) runEnroll() {
	a := s.app
	server, code := s.server, s.code
	s.enroll.Disable()
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := a.deps.Enroll(ctx, server, code)
		cancel()
		fyne.Do(func() {
			if err != nil {
				s.message = tr("tech.error", map[string]any{"Error": err.Error()})
			} else {
				s.message, s.code = tr("tech.enrolled"), ""
			}
			if s.tech.shown(s) {
				a.render()
			}
		})
	})
}

func wrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
