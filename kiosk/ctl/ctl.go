// Package ctl is kioskctl, the technicians' and tests' command line: list ports,
// run device simulators and inject faults, print test pages and checklists, and
// read the kiosk's guides. Command forms are a contract (SPEC §3); errors are one
// line on stderr and a non-zero exit status.
package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"bianmin"
	"bianmin/devices/printer"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/kiosk"
	"bianmin/kiosk/receipt"
)

const usage = `usage: kioskctl COMMAND [ARGS] [--data DIR]

  ports                                   serial ports, one per line
  sim all --dir DIR [--capture FILE]      every device simulator on ptys linked at DIR/printer,
                                          DIR/idcard, DIR/cash, DIR/scanner; control socket
                                          DIR/control; runs until killed
  sim printer|idcard|cash|scanner --dir DIR [--capture FILE] [--baud B]
                                          one simulator
  sim ctl --dir DIR EVENT…                inject an event: card-insert [JSON], card-remove,
                                          bill AMOUNT, coin AMOUNT, scan CODE, paper end|near|ok,
                                          cover open|closed, offline on|off, jam, stacker …,
                                          unplug [DEVICE], replug [DEVICE], status;
                                          DEVICE EVENT for a device's own faults
                                          (printer jam, idcard fail-read, scanner garbage …)
  print test --port P [--baud B] [--flow none|rtscts|xonxoff]
                                          print the technician test page
  print guide ID --port P [--baud B] [--flow F]
                                          print the 一次性告知 checklist of guide ID
  idcard read --port P [--timeout D]      wait for a card and print it as JSON
  idcard decode                           decode one reader→host frame from stdin to JSON
  cash test --port P [--timeout D]        enable the acceptor, print one JSON line per event
  scan test --port P [--timeout D] [--suffix cr|lf|crlf] [--slip-base URL]
                                          print one JSON line per scanned code with its class
  guides list                             id<TAB>title, one per line
  guides search QUERY                     matching guides, best first
  guides show ID [--json]                 one guide (--json: the whole guide)
  enroll --server URL --code CODE         enroll this kiosk with officed (one-time code)
  queue                                   outbox counts: state<TAB>kind<TAB>count
  sync now [--timeout D]                  one full push and pull; exit 1 if officed cannot be reached
  loadgen --records N                     queue N synthetic records of every kind

--data DIR is the kiosk's data directory (default $BIANMIN_KIOSK_DATA or kiosk-data).
`

// exitError carries an exit status: 2 for usage errors, 1 for everything else.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// Main runs kioskctl with args (without the program name) and returns the exit
// status.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, args, stdout, stderr)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintln(stderr, "kioskctl:", oneLine(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == 2 {
			fmt.Fprint(stderr, usage)
		}
		return ee.code
	}
	return 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help":
		return flag.ErrHelp
	}
	if run, ok := commands[cmd]; ok {
		return run(ctx, rest, stdout, stderr)
	}
	return usageErr("unknown command %q", cmd)
}

// command runs one top-level command with the arguments after its name.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// commands are kioskctl's top-level commands. Each device's commands live in a
// file of their own and register here.
var commands = map[string]command{
	"ports":  func(_ context.Context, a []string, o, _ io.Writer) error { return ports(a, o) },
	"sim":    simCmd,
	"print":  func(ctx context.Context, a []string, o, _ io.Writer) error { return printCmd(ctx, a, o) },
	"guides": func(ctx context.Context, a []string, o, _ io.Writer) error { return guidesCmd(ctx, a, o) },
}

// simDevices make the simulated devices that `sim NAME` and `sim all` start,
// in the order `sim all` starts them. Each device's file adds its own.
var simDevices = []simDevice{{name: "printer", make: newSimPrinter}}

type simDevice struct {
	name string
	make func(o simOptions) (sim.Device, error)
}

// simOptions are the sim flags that some devices use.
type simOptions struct {
	capture string // printer: append received bytes to this file
	baud    int    // model the wire time of this rate
}

func newSimPrinter(o simOptions) (sim.Device, error) {
	p := sim.NewPrinter()
	if o.baud > 0 {
		p.SetBaud(o.baud)
	}
	if o.capture != "" {
		if err := p.CaptureTo(o.capture); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parse parses flags that may stand before, between or after positional
// arguments ("print guide ID --port P"), returning the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErr("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func dataFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("BIANMIN_KIOSK_DATA")
	if def == "" {
		def = "kiosk-data"
	}
	return fs.String("data", def, "kiosk data directory")
}

func ports(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ports", flag.ContinueOnError)
	dataFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("ports takes no arguments")
	}
	list, err := serialport.List()
	if err != nil {
		return err
	}
	for _, p := range list {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("sim needs a device, all or ctl")
	}
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	dir := fs.String("dir", "", "simulator directory")
	var o simOptions
	fs.StringVar(&o.capture, "capture", "", "append every byte the printer receives to FILE")
	fs.IntVar(&o.baud, "baud", 0, "model the wire time of this baud rate (0: as fast as the pty)")
	dataFlag(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if *dir == "" {
		return usageErr("sim %s needs --dir DIR", args[0])
	}
	if args[0] == "ctl" {
		if len(pos) == 0 {
			return usageErr("sim ctl needs an event")
		}
		reply, err := sim.Control(*dir, pos...)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, reply)
		return nil
	}
	if len(pos) > 0 {
		return usageErr("sim %s takes no arguments", args[0])
	}
	var devices []sim.Device
	for _, sd := range simDevices {
		if args[0] != "all" && args[0] != sd.name {
			continue
		}
		d, err := sd.make(o)
		if err != nil {
			return err
		}
		devices = append(devices, d)
	}
	if len(devices) == 0 {
		return usageErr("unknown sim command %q", args[0])
	}
	bench, err := sim.Start(*dir, devices...)
	if err != nil {
		return err
	}
	defer bench.Close()
	for _, d := range devices {
		fmt.Fprintf(stdout, "%s simulator: %s/%s -> %s\n", d.Name(), *dir, d.Name(), bench.Link(d.Name()).TTY())
	}
	fmt.Fprintf(stdout, "control socket: %s/%s\n", *dir, sim.ControlSocket)
	<-ctx.Done()
	return nil
}

func printCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageErr("print needs test or guide")
	}
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	port := fs.String("port", "", "printer serial port")
	baud := fs.Int("baud", 115200, "baud rate")
	flowName := fs.String("flow", "none", "flow control: none, rtscts or xonxoff")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after")
	data := dataFlag(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if *port == "" {
		return usageErr("print %s needs --port P", args[0])
	}
	flow, err := serialport.ParseFlow(*flowName)
	if err != nil {
		return usageErr("%v", err)
	}
	dev := kiosk.DeviceConfig{Port: *port, Baud: *baud, Flow: flow}
	if err := (serialport.Config{Name: *port, Baud: *baud, Flow: flow}).Validate(); err != nil {
		return usageErr("%v", err)
	}

	var doc []byte
	switch args[0] {
	case "test":
		if len(pos) != 0 {
			return usageErr("print test takes no arguments")
		}
		rt, err := openKiosk(ctx, *data)
		if err != nil {
			return err
		}
		cfg := rt.Config()
		rt.Close()
		cfg.Printer = dev
		doc, err = receipt.TestPage(receipt.TestInfo{Office: cfg.OfficeName, Kiosk: cfg.KioskName,
			Port: dev.Port, Baud: dev.Baud, Flow: dev.Flow.String(), Now: time.Now()})
		if err != nil {
			return err
		}
	case "guide":
		if len(pos) != 1 {
			return usageErr("print guide needs one guide ID")
		}
		rt, err := openKiosk(ctx, *data)
		if err != nil {
			return err
		}
		g, err := rt.DB.Guide(ctx, pos[0])
		cfg := rt.Config()
		rt.Close()
		if err != nil {
			return err
		}
		doc, err = receipt.Checklist(g, cfg.Letterhead(), cfg.GuideURL(g.ID), time.Now())
		if err != nil {
			return err
		}
	default:
		return usageErr("unknown print command %q", args[0])
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p, err := printer.Open(printer.Config{Port: dev.Port, Baud: dev.Baud, Flow: dev.Flow})
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.Print(ctx, doc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "printed %d bytes to %s\n", len(doc), dev.Port)
	return nil
}

func openKiosk(ctx context.Context, dir string) (*kiosk.Runtime, error) {
	// kioskctl's own diagnostics stay off stdout, which carries results.
	return kiosk.Open(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func guidesCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageErr("guides needs list, search or show")
	}
	fs := flag.NewFlagSet("guides", flag.ContinueOnError)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "show: print the whole guide as JSON")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	var filter bianmin.GuideFilter
	switch args[0] {
	case "list":
		if len(pos) != 0 {
			return usageErr("guides list takes no arguments")
		}
	case "search":
		if len(pos) == 0 || strings.TrimSpace(strings.Join(pos, " ")) == "" {
			return usageErr("guides search needs a query")
		}
		filter.Query = strings.Join(pos, " ")
	case "show":
		if len(pos) != 1 {
			return usageErr("guides show needs one guide ID")
		}
	default:
		return usageErr("unknown guides command %q", args[0])
	}
	rt, err := openKiosk(ctx, *data)
	if err != nil {
		return err
	}
	defer rt.Close()
	if args[0] == "show" {
		g, err := rt.DB.Guide(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(g)
		}
		fmt.Fprintf(stdout, "%s\t%s\n", g.ID, g.Title)
		return nil
	}
	found, err := rt.DB.FindGuides(ctx, filter)
	if err != nil {
		return err
	}
	for _, g := range found {
		fmt.Fprintf(stdout, "%s\t%s\n", g.ID, g.Title)
	}
	return nil
}
