package kiosk

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"bianmin/devices/printer"
)

// ErrNoPrinter means no printer port is configured.
var ErrNoPrinter = errors.New("printer: no port configured")

// PrinterSlot is the kiosk's printer as the screens see it: it always exists,
// and technician mode can point it at another port or speed without restarting
// the app. When the configured port cannot be opened (unplugged at start-up, not
// a printer) every call tries again, so a printer plugged in later is found.
type PrinterSlot struct {
	open func(DeviceConfig) (printer.Printer, error)

	mu  sync.Mutex
	cfg DeviceConfig
	drv printer.Printer
}

var _ printer.Printer = (*PrinterSlot)(nil)

// NewPrinterSlot returns a slot that opens drivers with open.
func NewPrinterSlot(open func(DeviceConfig) (printer.Printer, error)) *PrinterSlot {
	return &PrinterSlot{open: open}
}

// Apply switches to cfg, closing the current driver.
func (p *PrinterSlot) Apply(cfg DeviceConfig) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.drv.(interface{ Close() error }); ok {
		c.Close()
	}
	p.drv, p.cfg = nil, cfg
}

func (p *PrinterSlot) driver() (printer.Printer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drv != nil {
		return p.drv, nil
	}
	if p.cfg.Port == "" {
		return nil, ErrNoPrinter
	}
	d, err := p.open(p.cfg)
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w", p.cfg.Port, err)
	}
	p.drv = d
	return d, nil
}

// Status implements printer.Printer.
func (p *PrinterSlot) Status(ctx context.Context) (printer.Status, error) {
	d, err := p.driver()
	if err != nil {
		return printer.Status{}, err
	}
	return d.Status(ctx)
}

// Ready implements printer.Printer.
func (p *PrinterSlot) Ready(ctx context.Context) error {
	d, err := p.driver()
	if err != nil {
		return err
	}
	return d.Ready(ctx)
}

// Print implements printer.Printer.
func (p *PrinterSlot) Print(ctx context.Context, data []byte) error {
	d, err := p.driver()
	if err != nil {
		return err
	}
	return d.Print(ctx, data)
}
