// Command kiosk is the full-screen touch app residents use. main only wires the
// kiosk runtime (database, config, devices) to the UI; see kiosk/ and kiosk/ui.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"bianmin/kiosk"
	"bianmin/kiosk/demo"
	"bianmin/kiosk/ui"
)

func main() {
	data := flag.String("data", "kiosk-data", "kiosk data directory (database, configuration)")
	demoMode := flag.Bool("demo", false, "wire simulated devices (starts them unless --devices already has them)")
	devices := flag.String("devices", "", "simulator directory for --demo (default DATA/devices)")
	landscape := flag.Bool("landscape", false, "landscape 1920×1080 instead of portrait 1080×1920")
	windowed := flag.Bool("windowed", false, "a window instead of full screen (development)")
	publicURL := flag.String("public-url", "", "officed's public base URL for QR codes and the network check (saved)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*data, *demoMode, *devices, *landscape, *windowed, *publicURL, log); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

func run(data string, demoMode bool, devices string, landscape, windowed bool, publicURL string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rt, err := kiosk.Open(ctx, data, log)
	if err != nil {
		return err
	}
	defer rt.Close()
	if demoMode {
		if devices == "" {
			devices = filepath.Join(data, "devices")
		}
		closeSims, err := demo.Wire(ctx, rt, devices, log)
		if err != nil {
			return err
		}
		defer closeSims()
	}
	if landscape || publicURL != "" {
		cfg := rt.Config()
		cfg.Landscape = cfg.Landscape || landscape
		if publicURL != "" {
			cfg.PublicBaseURL = publicURL
		}
		if err := rt.SaveConfig(cfg); err != nil {
			return err
		}
	}

	// Money a crash or power cut left in an open payment is settled before
	// anyone is served: a voucher and a payment.incomplete record.
	if err := rt.RecoverPayments(ctx); err != nil {
		log.Error("payment recovery", "err", err)
	}

	a := app.NewWithID("cn.bianmin.kiosk")
	w := a.NewWindow("便民自助服务机")
	size := fyne.NewSize(1080, 1920)
	if rt.Config().Landscape {
		size = fyne.NewSize(1920, 1080)
	}
	w.Resize(size)
	w.SetFullScreen(!windowed)
	w.SetPadded(false)
	// Residents must not close the app; technicians leave through technician mode
	// or the service manager.
	w.SetCloseIntercept(func() { log.Info("window close ignored") })

	u, err := ui.New(w, ui.RuntimeDeps(rt, log))
	if err != nil {
		return err
	}
	u.Start(ctx)
	rt.RunSync(ctx)
	go rt.RunPayments(ctx)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}
