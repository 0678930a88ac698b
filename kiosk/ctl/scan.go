package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"bianmin/devices/scanner"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/kiosk"
)

func init() {
	commands["scan"] = scanCmd
	simDevices = append(simDevices, simDevice{name: "scanner", make: newSimScanner})
}

func newSimScanner(o simOptions) (sim.Device, error) {
	s := sim.NewScanner()
	if o.baud > 0 {
		s.SetBaud(o.baud)
	}
	return s, nil
}

// scanLine is one line of `scan test` output. A slip shows its number and
// secret rather than its URL; the test tool shows payment codes whole, as it
// is a technician's tool (the kiosk UI and logs mask them).
type scanLine struct {
	Code   string `json:"code,omitempty"`
	Class  string `json:"class,omitempty"`
	Number string `json:"number,omitempty"`
	Secret string `json:"secret,omitempty"`
	Error  string `json:"error,omitempty"`
}

func newScanLine(s scanner.Scan) scanLine {
	switch {
	case s.Err == nil && s.Class == scanner.ClassSlip:
		return scanLine{Class: s.Class.String(), Number: s.Number, Secret: s.Secret}
	case s.Err == nil:
		return scanLine{Code: s.Code, Class: s.Class.String()}
	case errors.Is(s.Err, scanner.ErrGarbage):
		return scanLine{Error: "garbage"}
	case errors.Is(s.Err, scanner.ErrTooLong):
		return scanLine{Error: "too_long"}
	case errors.Is(s.Err, scanner.ErrPartial):
		return scanLine{Error: "partial"}
	case errors.Is(s.Err, scanner.ErrDisconnected):
		return scanLine{Error: "disconnected"}
	}
	return scanLine{Error: oneLine(s.Err.Error())}
}

// scanCmd is `scan test --port P [--timeout D] [--baud B] [--flow F]
// [--suffix cr|lf|crlf] [--slip-base URL]`: one JSON line per scanned code
// until the timeout (0: until interrupted) or SIGINT. Without --slip-base,
// slips are recognised by the public base URL of the kiosk in --data, or the
// default one when there is no kiosk there.
func scanCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	port := fs.String("port", "", "scanner serial port")
	baud := fs.Int("baud", 9600, "baud rate")
	flowName := fs.String("flow", "none", "flow control: none, rtscts or xonxoff")
	suffixName := fs.String("suffix", "cr", "what the scanner sends after a code: cr, lf or crlf")
	slipBase := fs.String("slip-base", "", "the central service's public base URL (default: the kiosk's)")
	timeout := fs.Duration("timeout", time.Minute, "stop after this long; 0 runs until interrupted")
	data := dataFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("scan needs test")
	}
	if pos[0] != "test" {
		return usageErr("unknown scan command %q", pos[0])
	}
	if len(pos) != 1 {
		return usageErr("scan test takes no arguments")
	}
	if *port == "" {
		return usageErr("scan test needs --port P")
	}
	if *timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	flow, err := serialport.ParseFlow(*flowName)
	if err != nil {
		return usageErr("%v", err)
	}
	suffix, err := scanner.ParseSuffix(*suffixName)
	if err != nil {
		return usageErr("%v", err)
	}
	base := *slipBase
	if base == "" {
		if base, err = kioskBaseURL(ctx, *data); err != nil {
			return err
		}
	}
	cfg := scanner.Config{Port: *port, Baud: *baud, Flow: flow, Suffix: suffix, SlipBase: base}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}

	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	d, err := scanner.Open(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	scans := d.Scans(ctx)
	// stdout carries only results; this tells the technician (and tests) that
	// the port is open and listened to.
	fmt.Fprintf(stderr, "reading scans on %s (slips under %s); Ctrl-C stops\n", *port, base)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for s := range scans {
		if err := enc.Encode(newScanLine(s)); err != nil {
			return err
		}
	}
	return nil
}

// kioskBaseURL is the public base URL of the kiosk in dir, or the default one
// when no kiosk was ever set up there (without creating one).
func kioskBaseURL(ctx context.Context, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, kiosk.DBFile)); err != nil {
		return kiosk.Defaults().PublicBaseURL, nil
	}
	rt, err := openKiosk(ctx, dir)
	if err != nil {
		return "", err
	}
	defer rt.Close()
	return rt.Config().PublicBaseURL, nil
}
