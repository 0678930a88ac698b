package kiosk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"bianmin"
	"bianmin/devices/cash"
)

// CashConfig is how the ccTalk cash acceptor is reached.
type CashConfig struct {
	DeviceConfig
	Echo  bool `json:"echo"`  // the bus echoes the host's bytes (single-wire ccTalk)
	CRC   bool `json:"crc"`   // CRC-16 frames instead of simple checksums
	Coins bool `json:"coins"` // a coin acceptor is fitted at address 2
	// OverpayLimitFen is how much a payment may exceed what is due, kept as
	// the resident's credit (SPEC §2.6: the machine gives no change): a bill
	// in escrow that would overpay by more is returned.
	OverpayLimitFen int64 `json:"overpay_limit_fen"`
}

// ErrNoCash means no cash acceptor port is configured.
var ErrNoCash = fmt.Errorf("cash acceptor: %w", ErrNotConfigured)

// CashSlot is the kiosk's cash acceptor. Until payments take money, the
// acceptor is enabled only by the technician's test, and every bill is
// returned from escrow: nothing is kept.
type CashSlot struct {
	slot[CashConfig, *cash.Driver]
	sink *cashSink
}

// cashSink receives what the acceptor reports. A credit outside a payment (a
// validator set to stack without escrow) is still money taken: it is journaled
// as a device event before the driver is told it is delivered.
type cashSink struct {
	r *Runtime

	mu     sync.Mutex
	report func(string) // the technician's test output, if one runs
}

func (s *cashSink) say(line string) {
	s.mu.Lock()
	f := s.report
	s.mu.Unlock()
	if f != nil {
		f(line)
	}
}

func (s *cashSink) Credit(ctx context.Context, c cash.Credit) error {
	_, err := s.r.DB.Append(ctx, bianmin.KindDeviceEvent, 1, bianmin.DeviceEvent{
		Device: "cash", Event: "credit outside a payment",
		Detail: fmt.Sprintf("%s type %d, %d fen, counter %d", c.Device, c.Type, c.Amount, c.Counter),
	}, time.Now())
	if err == nil {
		s.r.Log.Warn("cash credited outside a payment", "device", c.Device, "amount_fen", c.Amount)
		s.say(fmt.Sprintf("credit %s %.2f 元 (journaled)", c.Device, float64(c.Amount)/100))
	}
	return err
}

func (s *cashSink) Event(ctx context.Context, e cash.Event) {
	s.say(e.String())
	switch e.Kind {
	case cash.KindJam, cash.KindStacker, cash.KindFraud, cash.KindFault, cash.KindUnknown, cash.KindLost, cash.KindCleared:
		// Faults reach the office's fleet page as records.
		if _, err := s.r.DB.Append(ctx, bianmin.KindDeviceEvent, 1, bianmin.DeviceEvent{Device: "cash", Event: string(e.Kind), Detail: e.String()}, time.Now()); err != nil {
			s.r.Log.Error("cash event", "err", err)
		}
	}
}

func (r *Runtime) openCash(c CashConfig) (*cash.Driver, error) {
	cfg := cash.Config{Port: c.Port, Baud: c.Baud, Echo: c.Echo, CRC: c.CRC, Sink: r.Cash.sink,
		// No payment flow takes money yet: every bill goes back.
		EscrowPolicy: func(int) cash.Route { return cash.Return }}
	if c.Coins {
		cfg.Coin = &cash.Unit{}
	}
	return cash.Open(cfg)
}

// Status reports the acceptor.
func (c *CashSlot) Status(ctx context.Context) (cash.Status, error) {
	d, err := c.get()
	if err != nil {
		return cash.Status{}, err
	}
	return d.Status(ctx)
}

// Test enables acceptance until ctx ends, reporting every event; bills are
// returned from escrow.
func (c *CashSlot) Test(ctx context.Context, report func(string)) error {
	d, err := c.get()
	if err != nil {
		return err
	}
	c.sink.mu.Lock()
	c.sink.report = report
	c.sink.mu.Unlock()
	defer func() {
		c.sink.mu.Lock()
		c.sink.report = nil
		c.sink.mu.Unlock()
	}()
	if err := d.Enable(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	dctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return d.Disable(dctx)
}
