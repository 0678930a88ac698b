package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianmin/devices/cash"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
)

func init() {
	commands["cash"] = cashCmd
	simDevices = append(simDevices, simDevice{name: "cash", make: newSimCash})
}

func newSimCash(o simOptions) (sim.Device, error) {
	c := sim.NewCash()
	if o.baud > 0 {
		c.SetBaud(o.baud)
	}
	return c, nil
}

// cashLine is one line of `cash test` output: a credit or an event.
type cashLine struct {
	Event   string `json:"event"`
	Amount  int    `json:"amount,omitempty"`
	Device  string `json:"device,omitempty"`
	Type    int    `json:"type,omitempty"`
	Counter int    `json:"counter,omitempty"`
	Route   string `json:"route,omitempty"`
	Status  string `json:"status,omitempty"` // a bill status code's name
	Code    *int   `json:"code,omitempty"`
	Missed  int    `json:"missed,omitempty"`
	Error   string `json:"error,omitempty"`
}

func newCashLine(e cash.Event) cashLine {
	l := cashLine{Event: string(e.Kind), Amount: e.Amount, Device: string(e.Device), Type: e.Type,
		Counter: e.Counter, Route: e.Route.String(), Missed: e.Missed}
	switch {
	case e.HasStatus:
		code := int(e.Status)
		l.Status, l.Code = e.Status.String(), &code
	case e.Code != 0:
		l.Code = &e.Code
	}
	if e.Err != nil && !e.HasStatus {
		l.Error = oneLine(e.Err.Error())
	}
	return l
}

// cashPrinter is the Sink of `cash test`: every credit and event is a JSON
// line, and a credit counts as journaled once its line is written.
type cashPrinter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (p *cashPrinter) write(l cashLine) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.enc.Encode(l)
}

func (p *cashPrinter) Credit(_ context.Context, c cash.Credit) error {
	return p.write(cashLine{Event: "credit", Amount: c.Amount, Device: string(c.Device), Type: c.Type, Counter: c.Counter})
}

func (p *cashPrinter) Event(_ context.Context, e cash.Event) { p.write(newCashLine(e)) }

// cashCmd is `cash test --port P [--timeout D] [--baud B] [--echo=false]
// [--crc] [--coin auto|on|off] [--bills T=FEN,…] [--coins T=FEN,…]`: it
// enables acceptance, stacks every bill and prints one JSON line per credit
// and event until the timeout (0: until interrupted) or SIGINT, then disables.
func cashCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cash", flag.ContinueOnError)
	port := fs.String("port", "", "cash acceptor serial port")
	baud := fs.Int("baud", 9600, "baud rate")
	echo := fs.Bool("echo", true, "the bus echoes the host's bytes (a single-wire ccTalk bus does)")
	crc := fs.Bool("crc", false, "CRC-16 frames instead of simple checksums")
	coinMode := fs.String("coin", "auto", "coin acceptor at address 2: auto, on or off")
	billsFlag := fs.String("bills", "", "bill types as TYPE=FEN,… (default 1=100,2=500,3=1000,4=2000,5=5000,6=10000)")
	coinsFlag := fs.String("coins", "", "coin types as TYPE=FEN,… (default 1=10,2=50,3=100)")
	timeout := fs.Duration("timeout", time.Minute, "stop after this long; 0 runs until interrupted")
	dataFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usageErr("cash needs test")
	case pos[0] != "test":
		return usageErr("unknown cash command %q", pos[0])
	case len(pos) != 1:
		return usageErr("cash test takes no arguments")
	case *port == "":
		return usageErr("cash test needs --port P")
	case *timeout < 0:
		return usageErr("--timeout must not be negative")
	}
	bills, err := parseDenominations(*billsFlag)
	if err != nil {
		return usageErr("--bills: %v", err)
	}
	coins, err := parseDenominations(*coinsFlag)
	if err != nil {
		return usageErr("--coins: %v", err)
	}
	out := &cashPrinter{enc: json.NewEncoder(stdout)}
	out.enc.SetEscapeHTML(false)
	cfg := cash.Config{
		Port: *port, Baud: *baud, Echo: *echo, CRC: *crc,
		Bill: cash.Unit{Denominations: bills},
		// Test mode: every bill is stacked, to show the whole path to a credit.
		EscrowPolicy: func(int) cash.Route { return cash.Stack },
		Sink:         out,
	}
	switch *coinMode {
	case "auto", "on":
		cfg.Coin = &cash.Unit{Denominations: coins}
	case "off":
	default:
		return usageErr("--coin: want auto, on or off, not %q", *coinMode)
	}
	if err := cfg.Validate(); err != nil {
		if errors.Is(err, cash.ErrConfig) || errors.Is(err, serialport.ErrConfig) {
			return usageErr("%v", err)
		}
		return err
	}

	d, err := cash.Open(cfg)
	var de *cash.DeviceError
	if *coinMode == "auto" && errors.Is(err, cash.ErrNoAnswer) && errors.As(err, &de) && de.Device == cash.Coin {
		fmt.Fprintf(stderr, "no coin acceptor answers at address 2; testing the bill validator alone\n")
		cfg.Coin = nil
		d, err = cash.Open(cfg)
	}
	if err != nil {
		return err
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	if err := d.Enable(ctx); err != nil {
		d.Close()
		return err
	}
	devices := "bill validator"
	if cfg.Coin != nil {
		devices += " and coin acceptor"
	}
	// stdout carries only results; this tells the technician (and tests) that
	// the acceptor takes cash now.
	fmt.Fprintf(stderr, "accepting cash on %s (%s); every bill is stacked; Ctrl-C stops\n", *port, devices)
	<-ctx.Done()

	// Stop taking money first; Close then delivers what is still on its way.
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	derr := d.Disable(stop)
	if err := d.Close(); err != nil {
		return err
	}
	if derr != nil && !errors.Is(derr, cash.ErrDisconnected) {
		return derr
	}
	return nil
}

// parseDenominations reads "1=100,2=500" (type=分); "" is nil, the defaults.
func parseDenominations(s string) (map[int]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[int]int{}
	for _, part := range strings.Split(s, ",") {
		t, fen, ok := strings.Cut(strings.TrimSpace(part), "=")
		typ, err1 := strconv.Atoi(t)
		amount, err2 := strconv.Atoi(fen)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("want TYPE=FEN, not %q", part)
		}
		if _, dup := m[typ]; dup {
			return nil, fmt.Errorf("type %d given twice", typ)
		}
		m[typ] = amount
	}
	return m, nil
}
