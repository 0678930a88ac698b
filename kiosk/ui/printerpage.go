package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/devices/printer"
	"bianmin/devices/serialport"
	"bianmin/kiosk"
)

// printerPage is technician mode's printer page. Changes apply at once through
// Deps.SaveConfig; nothing here needs a restart.
type printerPage struct {
	app     *App
	tech    *techScreen
	ports   []string
	message string
	live    string // last status line, refreshed while the page is shown
	polling bool

	// widgets kept for tests
	port, baud, flow *widget.Select
	save, test       *widget.Button
	status           *widget.Label
}

func (s *printerPage) build() fyne.CanvasObject {
	a := s.app
	cfg := a.deps.Config()
	if s.ports == nil {
		s.ports = a.deps.Ports()
	}
	ports := append([]string(nil), s.ports...)
	if cfg.Printer.Port != "" && !contains(ports, cfg.Printer.Port) {
		ports = append(ports, cfg.Printer.Port) // configured but absent now: still shown, status says why
	}
	s.port = widget.NewSelect(ports, func(string) { a.Touch() })
	s.port.PlaceHolder = tr("tech.no_port")
	s.port.Selected = cfg.Printer.Port
	var bauds []string
	for _, b := range serialport.Bauds {
		bauds = append(bauds, strconv.Itoa(b))
	}
	s.baud = widget.NewSelect(bauds, func(string) { a.Touch() })
	s.baud.Selected = strconv.Itoa(cfg.Printer.Baud)
	s.flow = widget.NewSelect([]string{"none", "rtscts", "xonxoff"}, func(string) { a.Touch() })
	s.flow.Selected = cfg.Printer.Flow.String()

	refresh := a.button(tr("tech.refresh_ports"), widget.MediumImportance, func() {
		s.ports = a.deps.Ports()
		a.render()
	})
	s.save = a.button(tr("tech.save"), widget.HighImportance, s.apply)
	s.test = a.button(tr("tech.test_print"), widget.MediumImportance, s.testPrint)

	s.status = widget.NewLabel(s.live)
	s.status.Wrapping = fyne.TextWrapWord
	msg := widget.NewLabel(s.message)
	msg.Wrapping = fyne.TextWrapWord

	form := widget.NewForm(
		widget.NewFormItem(tr("tech.port"), s.port),
		widget.NewFormItem(tr("tech.baud"), s.baud),
		widget.NewFormItem(tr("tech.flow"), s.flow),
	)
	body := container.NewVBox(form, big(refresh),
		container.NewGridWithColumns(2, big(s.save), big(s.test)),
		msg, widget.NewLabelWithStyle(tr("tech.status"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.status)
	if !s.polling && a.started {
		s.polling = true
		go s.poll()
	}
	return body
}

func (s *printerPage) apply() {
	a := s.app
	cfg := a.deps.Config()
	baud, _ := strconv.Atoi(s.baud.Selected)
	flow, err := serialport.ParseFlow(s.flow.Selected)
	if err == nil {
		cfg.Printer = kiosk.DeviceConfig{Port: s.port.Selected, Baud: baud, Flow: flow}
		err = a.deps.SaveConfig(cfg)
	}
	if err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else {
		s.message = tr("tech.saved")
		a.deps.Log.Info("printer settings applied", "port", cfg.Printer.Port, "baud", baud, "flow", flow.String())
	}
	a.render()
}

func (s *printerPage) testPrint() {
	a := s.app
	data, err := a.deps.TestPage(a.deps.Config())
	if err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
		a.render()
		return
	}
	s.test.Disable()
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := a.deps.Printer.Print(ctx, data)
		fyne.Do(func() {
			if err != nil {
				s.message = tr("tech.error", map[string]any{"Error": err.Error()})
			} else {
				s.message = tr("tech.test_printed")
			}
			if s.tech.shown(s) {
				a.render()
			}
		})
	})
}

// poll refreshes the live status every two seconds while the page is shown.
// Technicians see the raw status (English error text is fine here).
func (s *printerPage) poll() {
	a := s.app
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		st, err := a.deps.Printer.Status(ctx)
		cancel()
		line := ""
		if err != nil {
			line = err.Error()
		} else {
			line = statusText(st)
		}
		stop := false
		fyne.DoAndWait(func() {
			if !s.tech.shown(s) {
				s.polling, stop = false, true
				return
			}
			s.live = line
			s.status.SetText(line)
		})
		if stop {
			return
		}
		time.Sleep(2 * time.Second)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// statusText is the technician's live status line in the session's language.
func statusText(st printer.Status) string {
	var parts []string
	for _, f := range []struct {
		on  bool
		key string
	}{
		{st.Offline, "status.offline"},
		{st.CoverOpen, "status.cover_open"},
		{st.PaperEnd || st.PaperEndStop, "status.paper_end"},
		{st.PaperNearEnd && !st.PaperEnd, "status.paper_near_end"},
		{st.CutterError, "status.cutter"},
		{st.Mechanical, "status.mechanical"},
		{st.Unrecoverable, "status.unrecoverable"},
		{st.Error && !st.CutterError && !st.Mechanical && !st.Unrecoverable, "status.error"},
	} {
		if f.on {
			parts = append(parts, tr(f.key))
		}
	}
	if len(parts) == 0 {
		return tr("status.ok")
	}
	return strings.Join(parts, "，")
}
