package kiosk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"bianmin"
	"bianmin/devices/cash"
	"bianmin/kiosk/store"
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

// CashSlot is the kiosk's cash acceptor. It takes money only while a cash
// payment is open (OpenCash): the escrow policy returns every bill
// otherwise, and every credit is journaled (kiosk/store) before the driver
// is told it is taken.
type CashSlot struct {
	slot[CashConfig, *cash.Driver]
	sink *cashSink
}

// cashSink receives what the acceptor reports: credits go to the journal,
// faults to the open payment's screen and, as device events, to officed.
type cashSink struct {
	r *Runtime

	mu       sync.Mutex
	report   func(string)   // the technician's test output, if one runs
	open     *CashPayment   // the cash payment taking money, nil if none
	promised int64          // stacked by the escrow policy, not credited yet
	seen     map[string]int // newest event counter delivered per device
}

func (s *cashSink) say(line string) {
	s.mu.Lock()
	f := s.report
	s.mu.Unlock()
	if f != nil {
		f(line)
	}
}

// route is the escrow policy (cash.Config.EscrowPolicy). Outside a payment
// every bill goes back. In one, a bill is stacked when the payment still
// needs money and the bill would overpay by no more than the configured
// limit — counting bills stacked whose credit has not arrived yet, so two
// bills in quick succession cannot together pass the limit.
func (s *cashSink) route(amount int) cash.Route {
	limit := s.r.Config().Cash.OverpayLimitFen
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.open
	if p == nil {
		return cash.Return
	}
	paid := p.Paid() + s.promised
	if paid >= p.order.DueFen || paid+int64(amount)-p.order.DueFen > limit {
		return cash.Return
	}
	s.promised += int64(amount)
	return cash.Stack
}

// Credit journals c before the driver forgets it: see store.DB.Credit. A
// repeat of a credit whose commit the driver did not hear of is
// recognised there and changes nothing.
func (s *cashSink) Credit(ctx context.Context, c cash.Credit) error {
	r := s.r
	code, err := r.Code(ctx)
	if err != nil {
		return err
	}
	got, err := r.DB.Credit(ctx, store.CashCredit{Device: string(c.Device), Counter: c.Counter, Type: c.Type,
		Amount: int64(c.Amount), At: c.At}, code, time.Now())
	if err != nil {
		r.Log.Error("cash: journaling a credit failed; the driver keeps it", "device", c.Device, "amount_fen", c.Amount, "err", err)
		return err
	}
	s.mu.Lock()
	if c.Device == cash.Bill {
		s.promised = max(s.promised-int64(c.Amount), 0)
	}
	s.seen[string(c.Device)] = c.Counter
	p := s.open
	s.mu.Unlock()
	switch {
	case got.Repeat:
	case got.Stray:
		r.Log.Warn("cash taken outside a payment: voucher due", "receipt", got.Receipt, "device", c.Device, "amount_fen", c.Amount)
		r.kickPayments()
	default:
		r.Log.Info("cash credited", "receipt", got.Receipt, "device", c.Device, "amount_fen", c.Amount, "paid_fen", got.PaidFen)
	}
	s.say(fmt.Sprintf("credit %s %s 元 (journaled, %s)", c.Device, bianmin.FormatYuan(int64(c.Amount)), got.Receipt))
	if p != nil && p.receipt == got.Receipt {
		p.credited(got.PaidFen)
	}
	return nil
}

func (s *cashSink) Event(ctx context.Context, e cash.Event) {
	s.say(e.String())
	s.mu.Lock()
	if e.Counter != 0 && e.Device != "" {
		s.seen[string(e.Device)] = e.Counter
	}
	if e.Kind == cash.KindRouteFailed && e.Route == cash.Stack {
		s.promised = max(s.promised-int64(e.Amount), 0)
	}
	p := s.open
	s.mu.Unlock()
	switch e.Kind {
	case cash.KindJam, cash.KindStacker, cash.KindFraud, cash.KindFault, cash.KindUnknown, cash.KindLost, cash.KindCleared:
		// Faults reach the office's fleet page as records.
		if _, err := s.r.DB.Append(ctx, bianmin.KindDeviceEvent, 1, bianmin.DeviceEvent{Device: "cash", Event: string(e.Kind), Detail: e.String()}, time.Now()); err != nil {
			s.r.Log.Error("cash event", "err", err)
		}
	}
	if p == nil {
		return
	}
	switch e.Kind {
	case cash.KindJam, cash.KindFault, cash.KindDisconnected, cash.KindOffline, cash.KindCreditPending:
		p.faulted(e.Err)
	case cash.KindStacker:
		p.faulted(e.Err) // nil for stacker OK or inserted
	case cash.KindCleared, cash.KindReconnected, cash.KindOnline:
		p.faulted(nil)
	}
}

// openCash opens the driver with the journal's newest counters as its
// starting point, so credits logged in the devices' buffers while the kiosk
// was down are delivered now, each exactly once.
func (r *Runtime) openCash(c CashConfig) (*cash.Driver, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resume, err := r.DB.CashResume(ctx)
	if err != nil {
		return nil, err
	}
	r.Cash.sink.mu.Lock()
	r.Cash.sink.seen = map[string]int{"bill": resume["bill"], "coin": resume["coin"]}
	r.Cash.sink.promised = 0
	r.Cash.sink.mu.Unlock()
	cfg := cash.Config{Port: c.Port, Baud: c.Baud, Echo: c.Echo, CRC: c.CRC, Sink: r.Cash.sink,
		Bill: cash.Unit{Resume: resume["bill"]}, EscrowPolicy: r.Cash.sink.route}
	if c.Coins {
		cfg.Coin = &cash.Unit{Resume: resume["coin"]}
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

// Ready is nil when the acceptor can take cash now.
func (c *CashSlot) Ready(ctx context.Context) error {
	d, err := c.get()
	if err != nil {
		return err
	}
	return d.Ready(ctx)
}

// Test enables acceptance until ctx ends, reporting every event. Bills are
// returned from escrow (no payment is open); a coin, which no acceptor can
// give back, is journaled like any credit outside a payment and gets a
// voucher.
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
