// Package demo wires a kiosk to simulated devices for `kiosk --demo`: it uses the
// simulators already running in a directory (started by `kioskctl sim …`, so a
// presenter can inject faults from a terminal) or starts them in process.
package demo

import (
	"context"
	"log/slog"
	"path/filepath"

	"bianmin/devices/scanner"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/kiosk"
)

// Devices are the simulator link names the technician's port list shows.
var Devices = []string{"printer", "idcard", "cash", "scanner"}

// Wire points rt's devices at the simulators in dir, starting them if none
// answer there. The returned function stops what Wire started.
func Wire(ctx context.Context, rt *kiosk.Runtime, dir string, log *slog.Logger) (func(), error) {
	stop := func() {}
	if _, err := sim.Control(dir, "status"); err != nil {
		bench, err := sim.Start(dir, sim.NewPrinter(), sim.NewIDCard(), sim.NewCash(), sim.NewScanner())
		if err != nil {
			return nil, err
		}
		log.Info("demo: started simulators", "dir", dir)
		stop = func() { bench.Close() }
	} else {
		log.Info("demo: using running simulators", "dir", dir)
	}
	if err := Point(rt, dir); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// Point configures rt's four devices at the simulator links in dir (as
// `kioskctl sim all --dir DIR` names them) and lists them among the ports a
// technician can pick.
func Point(rt *kiosk.Runtime, dir string) error {
	for _, d := range Devices {
		rt.PortGlobs = append(rt.PortGlobs, filepath.Join(dir, d))
	}
	cfg := rt.Config()
	cfg.Printer = kiosk.DeviceConfig{Port: filepath.Join(dir, "printer"), Baud: 115200, Flow: serialport.FlowNone}
	cfg.IDReader = kiosk.DeviceConfig{Port: filepath.Join(dir, "idcard"), Baud: 115200, Flow: serialport.FlowNone}
	cfg.Cash = kiosk.CashConfig{DeviceConfig: kiosk.DeviceConfig{Port: filepath.Join(dir, "cash"), Baud: 9600}, Echo: true, Coins: true,
		OverpayLimitFen: cfg.Cash.OverpayLimitFen}
	cfg.Scanner = kiosk.ScannerConfig{DeviceConfig: kiosk.DeviceConfig{Port: filepath.Join(dir, "scanner"), Baud: 9600}, Suffix: scanner.SuffixCR}
	return rt.SaveConfig(cfg)
}
