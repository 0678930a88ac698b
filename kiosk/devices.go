package kiosk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"bianmin/devices/idcard"
	"bianmin/devices/printer"
	"bianmin/devices/scanner"
)

// ErrNotConfigured means no port is configured for a device; errors.Is on the
// role's own error (ErrNoPrinter …) tells which.
var ErrNotConfigured = errors.New("no port configured")

// Errors per role, each wrapping ErrNotConfigured.
var (
	ErrNoPrinter  = fmt.Errorf("printer: %w", ErrNotConfigured)
	ErrNoIDReader = fmt.Errorf("ID-card reader: %w", ErrNotConfigured)
	ErrNoScanner  = fmt.Errorf("scanner: %w", ErrNotConfigured)
)

// slot holds the current driver of one device role. It always exists, so
// screens hold on to it; technician mode points it at another port or speed
// without restarting the app. When the configured port cannot be opened
// (unplugged at start-up, not the right device) every use tries again, so a
// device plugged in later is found.
type slot[C comparable, D any] struct {
	name string
	none error // returned while the port is empty
	open func(C) (D, error)
	port func(C) string

	mu  sync.Mutex
	cfg C
	drv D
	has bool
}

// Apply switches to cfg, closing the current driver.
func (s *slot[C, D]) Apply(cfg C) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := any(s.drv).(io.Closer); ok && s.has {
		c.Close()
	}
	var zero D
	s.drv, s.has, s.cfg = zero, false, cfg
}

func (s *slot[C, D]) get() (D, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has {
		return s.drv, nil
	}
	var zero D
	if s.port(s.cfg) == "" {
		return zero, s.none
	}
	d, err := s.open(s.cfg)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", s.name, s.port(s.cfg), err)
	}
	s.drv, s.has = d, true
	return d, nil
}

// PrinterSlot is the kiosk's receipt printer.
type PrinterSlot struct {
	slot[DeviceConfig, printer.Printer]
}

var _ printer.Printer = (*PrinterSlot)(nil)

// NewPrinterSlot returns a slot that opens drivers with open.
func NewPrinterSlot(open func(DeviceConfig) (printer.Printer, error)) *PrinterSlot {
	return &PrinterSlot{slot[DeviceConfig, printer.Printer]{name: "printer", none: ErrNoPrinter, open: open, port: DeviceConfig.port}}
}

// Status implements printer.Printer.
func (p *PrinterSlot) Status(ctx context.Context) (printer.Status, error) {
	d, err := p.get()
	if err != nil {
		return printer.Status{}, err
	}
	return d.Status(ctx)
}

// Ready implements printer.Printer.
func (p *PrinterSlot) Ready(ctx context.Context) error {
	d, err := p.get()
	if err != nil {
		return err
	}
	return d.Ready(ctx)
}

// Print implements printer.Printer.
func (p *PrinterSlot) Print(ctx context.Context, data []byte) error {
	d, err := p.get()
	if err != nil {
		return err
	}
	return d.Print(ctx, data)
}

// IDReaderSlot is the kiosk's resident ID-card reader.
type IDReaderSlot struct {
	slot[DeviceConfig, idcard.Reader]
}

var _ idcard.Reader = (*IDReaderSlot)(nil)

// NewIDReaderSlot returns a slot that opens drivers with open.
func NewIDReaderSlot(open func(DeviceConfig) (idcard.Reader, error)) *IDReaderSlot {
	return &IDReaderSlot{slot[DeviceConfig, idcard.Reader]{name: "ID-card reader", none: ErrNoIDReader, open: open, port: DeviceConfig.port}}
}

// Status implements idcard.Reader.
func (r *IDReaderSlot) Status(ctx context.Context) error {
	d, err := r.get()
	if err != nil {
		return err
	}
	return d.Status(ctx)
}

// Read implements idcard.Reader.
func (r *IDReaderSlot) Read(ctx context.Context) (idcard.Card, error) {
	d, err := r.get()
	if err != nil {
		return idcard.Card{}, err
	}
	return d.Read(ctx)
}

// WaitCard implements idcard.Reader.
func (r *IDReaderSlot) WaitCard(ctx context.Context, interval time.Duration) error {
	d, err := r.get()
	if err != nil {
		return err
	}
	return d.WaitCard(ctx, interval)
}

// ScannerSlot is the kiosk's payment-code scanner.
type ScannerSlot struct {
	slot[ScannerConfig, scanner.Scanner]
}

var _ scanner.Scanner = (*ScannerSlot)(nil)

// NewScannerSlot returns a slot that opens drivers with open.
func NewScannerSlot(open func(ScannerConfig) (scanner.Scanner, error)) *ScannerSlot {
	return &ScannerSlot{slot[ScannerConfig, scanner.Scanner]{name: "scanner", none: ErrNoScanner, open: open,
		port: func(c ScannerConfig) string { return c.Port }}}
}

// Scans implements scanner.Scanner. Without a usable scanner the channel
// delivers one errored Scan and closes.
func (s *ScannerSlot) Scans(ctx context.Context) <-chan scanner.Scan {
	d, err := s.get()
	if err != nil {
		ch := make(chan scanner.Scan, 1)
		ch <- scanner.Scan{Err: err, At: time.Now()}
		close(ch)
		return ch
	}
	return d.Scans(ctx)
}

// Status implements scanner.Scanner.
func (s *ScannerSlot) Status(ctx context.Context) (scanner.Status, error) {
	d, err := s.get()
	if err != nil {
		return scanner.Status{}, err
	}
	return d.Status(ctx)
}
