package ui

import (
	"context"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin/devices/serialport"
	"bianmin/kiosk"
)

// devicePage is technician mode's page for one serial device: port from the
// live port list, baud and flow control, saved and applied at once through
// Deps.SaveConfig (no restart), a live status line, and the device's test.
// Each role fills in what differs.
type devicePage struct {
	app  *App
	tech *techScreen
	role string // translation key of the role: tech.printer …

	// config reads the role's settings; setConfig writes them back.
	config    func(kiosk.Config) kiosk.DeviceConfig
	setConfig func(*kiosk.Config, kiosk.DeviceConfig)
	// options adds role-specific form items; applyOptions stores them.
	options      func() []*widget.FormItem
	applyOptions func(*kiosk.Config) error
	// liveStatus describes the device now, in the session's language.
	liveStatus func(ctx context.Context) string
	// testKey labels the test button; runTest runs off the UI goroutine and
	// reports lines through report (safe from any goroutine).
	testKey string
	runTest func(ctx context.Context, report func(line string)) error

	ports   []string
	message string
	live    string
	output  []string // the test's lines, newest last
	polling bool
	testing bool

	// widgets kept for tests
	port, baud, flow *widget.Select
	save, test       *widget.Button
	status           *widget.Label
}

func (s *devicePage) build() fyne.CanvasObject {
	a := s.app
	dc := s.config(a.deps.Config())
	if s.ports == nil {
		s.ports = a.deps.Ports()
	}
	ports := append([]string(nil), s.ports...)
	if dc.Port != "" && !contains(ports, dc.Port) {
		ports = append(ports, dc.Port) // configured but absent now: still shown, the status says why
	}
	s.port = widget.NewSelect(ports, func(string) { a.Touch() })
	s.port.PlaceHolder = tr("tech.no_port")
	s.port.Selected = dc.Port
	var bauds []string
	for _, b := range serialport.Bauds {
		bauds = append(bauds, strconv.Itoa(b))
	}
	s.baud = widget.NewSelect(bauds, func(string) { a.Touch() })
	s.baud.Selected = strconv.Itoa(dc.Baud)
	s.flow = widget.NewSelect([]string{"none", "rtscts", "xonxoff"}, func(string) { a.Touch() })
	s.flow.Selected = dc.Flow.String()

	refresh := a.button(tr("tech.refresh_ports"), widget.MediumImportance, func() {
		s.ports = a.deps.Ports()
		a.render()
	})
	s.save = a.button(tr("tech.save"), widget.HighImportance, s.apply)
	s.test = a.button(tr(s.testKey), widget.MediumImportance, s.startTest)
	if s.testing {
		s.test.Disable()
	}
	s.status = wrapLabel(s.live)

	items := []*widget.FormItem{
		widget.NewFormItem(tr("tech.port"), s.port),
		widget.NewFormItem(tr("tech.baud"), s.baud),
		widget.NewFormItem(tr("tech.flow"), s.flow),
	}
	if s.options != nil {
		items = append(items, s.options()...)
	}
	out := container.NewVBox()
	for _, l := range s.output {
		out.Add(wrapLabel(l))
	}
	body := container.NewVBox(widget.NewForm(items...), big(refresh),
		container.NewGridWithColumns(2, big(s.save), big(s.test)),
		wrapLabel(s.message),
		widget.NewLabelWithStyle(tr("tech.status"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.status,
		out)
	if !s.polling && a.started {
		s.polling = true
		go s.poll()
	}
	return body
}

func (s *devicePage) apply() {
	a := s.app
	cfg := a.deps.Config()
	baud, _ := strconv.Atoi(s.baud.Selected)
	flow, err := serialport.ParseFlow(s.flow.Selected)
	if err == nil {
		s.setConfig(&cfg, kiosk.DeviceConfig{Port: s.port.Selected, Baud: baud, Flow: flow})
		if s.applyOptions != nil {
			err = s.applyOptions(&cfg)
		}
	}
	if err == nil {
		err = a.deps.SaveConfig(cfg)
	}
	if err != nil {
		s.message = tr("tech.error", map[string]any{"Error": err.Error()})
	} else {
		s.message = tr("tech.saved")
		a.deps.Log.Info("device settings applied", "role", s.role, "port", s.port.Selected, "baud", baud, "flow", flow.String())
	}
	a.render()
}

// startTest runs the device's test; its lines appear as they come.
func (s *devicePage) startTest() {
	a := s.app
	s.testing, s.output, s.message = true, nil, ""
	s.test.Disable()
	report := func(line string) {
		fyne.Do(func() {
			s.output = append(s.output, line)
			if len(s.output) > 12 {
				s.output = s.output[len(s.output)-12:]
			}
			if s.tech.shown(s) {
				a.render()
			}
		})
	}
	a.deps.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.runTest(ctx, report)
		cancel()
		fyne.Do(func() {
			s.testing = false
			if err != nil {
				s.message = tr("tech.error", map[string]any{"Error": err.Error()})
			} else {
				s.message = tr("tech.test_done")
			}
			if s.tech.shown(s) {
				a.render()
			}
		})
	})
}

// poll refreshes the live status every two seconds while the page is shown.
func (s *devicePage) poll() {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		line := s.liveStatus(ctx)
		cancel()
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
