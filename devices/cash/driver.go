package cash

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianmin/devices/cctalk"
	"bianmin/devices/serialport"
)

// Driver is a cash acceptor on a serial port. It polls the devices on a
// goroutine of its own from Open to Close and delivers what they report to
// the Sink; Enable, Disable, Status and Ready may be called from any
// goroutine, the Sink's methods included.
//
// Any I/O error closes the port, reports KindDisconnected and marks the driver
// disconnected; the poll loop reopens the port by name (a replugged adapter,
// or a simulator's new pty behind the same link), at once the first time and
// then with a doubling backoff on Config.Now, sets the devices up again and
// reads their event counters: events logged while the cable was out are
// delivered then, events already seen are not, and a counter of 0 (the device
// was powered off) is reported as KindReset.
type Driver struct {
	cfg  Config
	mode cctalk.Mode
	lock chan struct{} // the port lock: a channel so that waiting honours ctx

	// Guarded by lock.
	port     *serialport.Port // nil while disconnected
	up       bool             // connected and set up; a loss is worth an event
	stream   cctalk.Stream
	units    []*unit            // the bill validator, then the coin acceptor if any
	reopen   serialport.Backoff // paces reopening a lost port
	cause    error              // why the last reopen failed
	echoErrs int
	closing  bool
	rbuf     [64]byte

	// Guarded by mu, which is never held during I/O or Sink calls.
	mu             sync.Mutex
	enabled        bool
	queue          []item   // found, not yet delivered
	pending        []Credit // credits Sink.Credit has not taken, oldest first
	creditFailures int
	creditRetry    time.Time

	life  context.Context // ends at Close; Sink calls get it
	stop  context.CancelFunc
	wake  chan struct{}
	done  chan struct{}
	close sync.Once
	state atomic.Pointer[Status]
}

// unit is the driver's view of one device; guarded by the lock.
type unit struct {
	dev    Device
	addr   byte
	denoms map[int]int
	resume byte
	poll   cctalk.Header

	counter     byte // the event counter last seen
	online      bool
	master      bool // what the device was last told: accepting
	masterKnown bool
	inhibitsSet bool
	ident       identity
	selfCheck   byte
	lastCheck   time.Time           // of the last self-check, on Config.Now
	faults      []cctalk.BillStatus // conditions that stop acceptance, oldest first
}

type identity struct {
	manufacturer, category, product string
	serial                          int
}

// item is a credit or an event waiting for delivery, in the order found.
type item struct {
	ev     Event
	credit *Credit
}

// escrow is a bill waiting in escrow for a route.
type escrow struct {
	typ, amount int
	counter     byte
}

// Open opens the port, identifies the devices, checks the configured bill
// denominations against the validator's bill ids, runs their self-checks,
// sets their inhibits, leaves them disabled and starts polling. A device that
// does not answer is ErrNoAnswer, one of the wrong kind ErrWrongDevice, a
// denomination the validator contradicts ErrDenomination; the port is then
// closed again.
func Open(c Config) (*Driver, error) {
	if err := c.Validate(); err != nil {
		return nil, &OpError{Device: "cash", Op: "open", Port: c.Port, Err: err}
	}
	c = c.withDefaults()
	d := &Driver{cfg: c, lock: make(chan struct{}, 1), wake: make(chan struct{}, 1), done: make(chan struct{}),
		reopen: serialport.Backoff{First: firstBackoff, Max: maxBackoff}}
	if c.CRC {
		d.mode = cctalk.CRC16
	}
	d.stream = cctalk.Stream{Mode: d.mode, Echo: c.Echo, To: []byte{cctalk.AddrHost}}
	d.units = append(d.units, newUnit(Bill, c.Bill, cctalk.HeaderReadBillEvents))
	if c.Coin != nil {
		d.units = append(d.units, newUnit(Coin, *c.Coin, cctalk.HeaderReadCoinBuffer))
	}
	d.life, d.stop = context.WithCancel(context.Background())

	ctx, cancel := context.WithTimeout(d.life, 30*c.Timeout)
	defer cancel()
	if err := d.open(ctx, true); err != nil {
		d.stop()
		return nil, &OpError{Device: "cash", Op: "open", Port: c.Port, Err: err}
	}
	d.snapshot()
	go d.run()
	return d, nil
}

func newUnit(dev Device, u Unit, poll cctalk.Header) *unit {
	return &unit{dev: dev, addr: byte(u.Addr), denoms: maps.Clone(u.Denominations), resume: byte(u.Resume), poll: poll}
}

// Close stops polling, tells the devices to stop accepting, delivers what a
// last poll finds (a bill still in escrow is returned) and closes the port.
// Later calls of the driver's methods return ErrClosed.
// It returns ErrCreditPending when credits remain that Sink.Credit did not
// take: they stay in the devices' buffers for the next driver's Config.Resume.
// Close waits for a Sink call in progress.
func (d *Driver) Close() error {
	var err error
	d.close.Do(func() {
		d.stop()
		<-d.done
		ctx, cancel := context.WithTimeout(context.Background(), 20*d.cfg.Timeout)
		defer cancel()
		d.lock <- struct{}{}
		d.closing = true
		d.mu.Lock()
		d.enabled = false
		d.mu.Unlock()
		var esc *escrow
		if d.port != nil {
			d.syncDevices(ctx)
			esc = d.pollAll(ctx)
		}
		d.release()
		if esc != nil {
			d.route(ctx, esc)
		}
		d.deliver(ctx)
		d.lock <- struct{}{}
		if d.port != nil {
			err = d.port.Close()
			d.port, d.up = nil, false
		}
		d.snapshot()
		d.release()
		d.mu.Lock()
		if n := len(d.pending); n > 0 {
			err = errors.Join(err, fmt.Errorf("%w: %d credits", ErrCreditPending, n))
		}
		d.mu.Unlock()
		if err != nil {
			err = &OpError{Device: "cash", Op: "close", Port: d.cfg.Port, Err: err}
		}
	})
	return err
}

// Enable lets the devices accept. With credits not yet journaled it returns
// ErrCreditPending, and acceptance starts once Sink.Credit has taken them;
// while disconnected it returns ErrDisconnected, and the devices are enabled
// when they are back. Either way acceptance stays wanted until Disable.
func (d *Driver) Enable(ctx context.Context) error {
	return d.setEnabled(ctx, "enable", true)
}

// Disable stops the devices accepting. Polling goes on (every second), so a
// bill already inserted is still routed by the EscrowPolicy and credited.
func (d *Driver) Disable(ctx context.Context) error {
	return d.setEnabled(ctx, "disable", false)
}

func (d *Driver) setEnabled(ctx context.Context, op string, on bool) error {
	d.mu.Lock()
	d.enabled = on
	pending := len(d.pending)
	d.mu.Unlock()
	defer d.kick()
	if err := d.acquire(ctx); err != nil {
		return &OpError{Device: "cash", Op: op, Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	err := d.connect(ctx)
	if err == nil {
		err = d.syncDevices(ctx)
	}
	d.snapshot()
	if err == nil && on && pending > 0 {
		err = fmt.Errorf("%w: %d credits", ErrCreditPending, pending)
	}
	if err != nil {
		return &OpError{Device: "cash", Op: op, Port: d.cfg.Port, Err: err}
	}
	return nil
}

// kick wakes the poll loop, so that the rate follows Enable at once.
func (d *Driver) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Status runs the devices' self-checks and asks their master inhibit status.
// A self-check that passes clears the faults events had reported (a jam
// freed, a stacker back), and says so with KindCleared.
func (d *Driver) Status(ctx context.Context) (Status, error) {
	if err := d.acquire(ctx); err != nil {
		return d.State(), &OpError{Device: "cash", Op: "status", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	if err := d.connect(ctx); err != nil {
		d.snapshot()
		return d.build(), &OpError{Device: "cash", Op: "status", Port: d.cfg.Port, Err: err}
	}
	for _, u := range d.units {
		if err := d.check(ctx, u); err != nil && d.port == nil {
			d.snapshot()
			return d.build(), &OpError{Device: "cash", Op: "status", Port: d.cfg.Port, Err: err}
		}
	}
	d.syncDevices(ctx)
	d.snapshot()
	return d.build(), nil
}

// check runs u's self-check and reads its master inhibit status.
func (d *Driver) check(ctx context.Context, u *unit) error {
	f, err := d.exchange(ctx, u, cctalk.HeaderSelfCheck, nil)
	if err == nil && len(f.Data) != 1 {
		err = fmt.Errorf("self-check answered %d bytes", len(f.Data))
	}
	if err != nil {
		d.offline(u, err)
		return err
	}
	d.online(u)
	d.selfChecked(u, f.Data[0])
	if f, err := d.exchange(ctx, u, cctalk.HeaderRequestMasterInhibit, nil); err == nil && len(f.Data) == 1 {
		u.master, u.masterKnown = f.Data[0]&1 == 1, true
	}
	return nil
}

// Ready returns nil if the acceptor can take cash now: the pre-payment check.
func (d *Driver) Ready(ctx context.Context) error {
	st, err := d.Status(ctx)
	if op := (*OpError)(nil); errors.As(err, &op) {
		op.Op = "ready"
		return op
	}
	if err := st.Err(); err != nil {
		return &OpError{Device: "cash", Op: "ready", Port: d.cfg.Port, Err: err}
	}
	return nil
}

// State returns the last known status without I/O and without waiting for
// the port: for a UI that must not block.
func (d *Driver) State() Status {
	if s := d.state.Load(); s != nil {
		return *s
	}
	return Status{Port: d.cfg.Port}
}

func (d *Driver) acquire(ctx context.Context) error {
	select {
	case d.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Driver) release() { <-d.lock }

// run is the poll loop.
func (d *Driver) run() {
	defer close(d.done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-d.life.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
		d.cycle(d.life)
		t.Reset(d.interval())
	}
}

func (d *Driver) interval() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.enabled || len(d.pending) > 0 {
		return d.cfg.Poll
	}
	return idlePoll
}

// cycle polls once, routes a bill in escrow and delivers what was found.
func (d *Driver) cycle(ctx context.Context) {
	if d.acquire(ctx) != nil {
		return
	}
	esc := d.pollAll(ctx)
	if d.port != nil {
		d.syncDevices(ctx)
	}
	d.snapshot()
	d.release()
	if esc != nil {
		d.route(ctx, esc)
	}
	d.deliver(ctx)
	// A credit that failed holds acceptance, one delivered at last releases it.
	if d.acquire(ctx) != nil {
		return
	}
	if d.port != nil {
		d.syncDevices(ctx)
	}
	d.snapshot()
	d.release()
}

// pollAll reads every device's event buffer and processes what is new; it
// returns a bill waiting in escrow. The caller holds the lock.
func (d *Driver) pollAll(ctx context.Context) *escrow {
	if err := d.connect(ctx); err != nil {
		return nil
	}
	var esc *escrow
	for _, u := range d.units {
		f, err := d.exchange(ctx, u, u.poll, nil)
		var buf cctalk.Buffer
		if err == nil {
			buf, err = cctalk.ParseBuffer(f.Data)
		}
		if err != nil {
			if d.port == nil || ctx.Err() != nil {
				return esc
			}
			d.offline(u, err)
			continue
		}
		d.online(u)
		if e := d.process(ctx, u, buf); e != nil {
			esc = e
		}
		// A fault may end without an event saying so (a jam cleared by hand):
		// the self-check tells.
		if (len(u.faults) > 0 || u.selfCheck != 0) && d.cfg.Now().Sub(u.lastCheck) >= recheck {
			d.check(ctx, u)
		}
	}
	return esc
}

// process turns the new events of u's buffer into credits and events.
func (d *Driver) process(ctx context.Context, u *unit, buf cctalk.Buffer) *escrow {
	now := d.cfg.Now()
	entries, err := buf.Since(u.counter)
	if errors.Is(err, cctalk.ErrReset) {
		// Powered off and on: the buffer is unknown and the settings are gone.
		u.counter = 0
		u.faults = nil
		u.inhibitsSet, u.masterKnown = false, false
		d.push(Event{Kind: KindReset, Device: u.dev, Err: ErrReset, At: now})
		d.check(ctx, u)
		d.syncDevices(ctx)
		return nil
	}
	var lost *cctalk.LostError
	if errors.As(err, &lost) {
		d.push(Event{Kind: KindLost, Device: u.dev, Missed: lost.Missed, Err: err, Counter: int(buf.Counter), At: now})
	}
	var esc *escrow
	for i, e := range entries {
		if u.dev == Coin {
			d.coinEvent(u, e, now)
			continue
		}
		if x := d.billEvent(u, e, i == len(entries)-1, now); x != nil {
			esc = x
		}
	}
	u.counter = buf.Counter
	return esc
}

func (d *Driver) billEvent(u *unit, e cctalk.Entry, newest bool, now time.Time) *escrow {
	ev := e.Bill()
	out := Event{Device: Bill, Type: ev.Type, Counter: int(e.Counter), At: now}
	switch ev.Kind {
	case cctalk.BillStacked:
		d.clearFaults(u, isJam, now)
		amount, ok := u.denoms[ev.Type]
		if !ok {
			out.Kind, out.Err = KindUnknown, fmt.Errorf("%w: bill type %d stacked", ErrUnknownType, ev.Type)
			d.push(out)
			return nil
		}
		d.pushCredit(Credit{Device: Bill, Type: ev.Type, Amount: amount, Counter: int(e.Counter), At: now})
	case cctalk.BillEscrow:
		d.clearFaults(u, isJam, now)
		out.Amount = u.denoms[ev.Type]
		if newest {
			return &escrow{typ: ev.Type, amount: out.Amount, counter: e.Counter}
		}
		// A newer event follows: the bill has left escrow already.
		out.Kind = KindEscrow
		d.push(out)
	case cctalk.BillStatusEvent:
		out.Type = 0
		out.Status, out.HasStatus = ev.Status, true
		c := classify(ev.Status)
		out.Kind, out.Err = c.kind, c.err
		d.push(out)
		if c.clears != nil {
			d.clearFaults(u, c.clears, now)
		}
		if c.sticky && !slices.Contains(u.faults, ev.Status) {
			u.faults = append(u.faults, ev.Status)
		}
	default:
		out.Kind, out.Code = KindFault, int(ev.Code)
		out.Err = fmt.Errorf("%w: undefined bill event %d/%d", ErrFault, ev.Type, ev.Code)
		d.push(out)
	}
	return nil
}

func (d *Driver) coinEvent(u *unit, e cctalk.Entry, now time.Time) {
	ev := e.Coin()
	out := Event{Device: Coin, Counter: int(e.Counter), At: now}
	switch {
	case ev.Accepted:
		amount, ok := u.denoms[ev.Type]
		if !ok {
			out.Kind, out.Type = KindUnknown, ev.Type
			out.Err = fmt.Errorf("%w: coin type %d accepted", ErrUnknownType, ev.Type)
			d.push(out)
			return
		}
		d.pushCredit(Credit{Device: Coin, Type: ev.Type, Amount: amount, Counter: int(e.Counter), At: now})
	case ev.Error == cctalk.CoinNullEvent:
	case ev.Error <= cctalk.CoinMultiple:
		out.Kind, out.Code = KindRejected, int(ev.Error)
		d.push(out)
	default:
		out.Kind, out.Code = KindFault, int(ev.Error)
		out.Err = fmt.Errorf("%w: %v", ErrFault, ev.Error)
		d.push(out)
	}
}

// class is what the driver makes of a bill status code.
type class struct {
	kind   Kind
	err    error
	sticky bool                         // stops acceptance until cleared
	clears func(cctalk.BillStatus) bool // faults it ends
}

func classify(s cctalk.BillStatus) class {
	switch s {
	case cctalk.BillMasterInhibit:
		return class{kind: KindInhibited}
	case cctalk.BillReturned:
		return class{kind: KindReturned, clears: isJam}
	case cctalk.BillInvalidValidation, cctalk.BillInvalidTransport, cctalk.BillInhibitedSerial, cctalk.BillInhibitedDIP:
		return class{kind: KindRejected, clears: isJam}
	case cctalk.BillJammedUnsafe, cctalk.BillJammedStacker, cctalk.StackerJammed, cctalk.BillJammedSafe:
		return class{kind: KindJam, err: ErrJammed, sticky: true}
	case cctalk.BillPulledBack, cctalk.BillTamper, cctalk.OptoFraud, cctalk.StringFraud:
		return class{kind: KindFraud, err: ErrFraud}
	case cctalk.StackerOK:
		return class{kind: KindStacker, clears: isStacker}
	case cctalk.StackerRemoved:
		return class{kind: KindStacker, err: ErrStackerRemoved, sticky: true, clears: is(cctalk.StackerFull)}
	case cctalk.StackerInserted:
		return class{kind: KindStacker, clears: is(cctalk.StackerRemoved)}
	case cctalk.StackerFaulty:
		return class{kind: KindStacker, err: ErrStackerFaulty, sticky: true}
	case cctalk.StackerFull:
		return class{kind: KindStacker, err: ErrStackerFull, sticky: true}
	case cctalk.AntiStringFaulty:
		return class{kind: KindFault, err: ErrFault, sticky: true}
	case cctalk.BarcodeDetected:
		return class{kind: KindBarcode}
	case cctalk.UnknownBillStacked:
		return class{kind: KindUnknown, err: ErrUnknownType}
	}
	return class{kind: KindFault, err: fmt.Errorf("%w: %v", ErrFault, s)}
}

// faultErr is the error of a sticky fault.
func faultErr(s cctalk.BillStatus) error {
	if err := classify(s).err; err != nil {
		return fmt.Errorf("%w (%v)", err, s)
	}
	return fmt.Errorf("%w: %v", ErrFault, s)
}

func isJam(s cctalk.BillStatus) bool { return classify(s).kind == KindJam }

func isStacker(s cctalk.BillStatus) bool {
	return s == cctalk.StackerRemoved || s == cctalk.StackerFaulty || s == cctalk.StackerFull
}

func is(want cctalk.BillStatus) func(cctalk.BillStatus) bool {
	return func(s cctalk.BillStatus) bool { return s == want }
}

// clearFaults ends u's faults that match, reporting KindCleared when none
// remain.
func (d *Driver) clearFaults(u *unit, match func(cctalk.BillStatus) bool, now time.Time) {
	if len(u.faults) == 0 {
		return
	}
	u.faults = slices.DeleteFunc(u.faults, match)
	if len(u.faults) == 0 {
		d.push(Event{Kind: KindCleared, Device: u.dev, At: now})
	}
}

// selfChecked records a self-check result. A pass ends the faults a device
// can recover from by itself (jams, a faulty stacker or anti-string
// mechanism); a stacker removed or full ends only with a stacker event, as
// only someone at the box can end it.
func (d *Driver) selfChecked(u *unit, code byte) {
	now := d.cfg.Now()
	u.lastCheck = now
	was := u.selfCheck
	u.selfCheck = code
	if code != 0 {
		if code != was {
			d.push(Event{Kind: KindFault, Device: u.dev, Code: int(code),
				Err: fmt.Errorf("%w: fault code %d", ErrSelfCheck, code), At: now})
		}
		return
	}
	before := len(u.faults)
	u.faults = slices.DeleteFunc(u.faults, func(s cctalk.BillStatus) bool { return !isStackerOut(s) })
	if (before > 0 || was != 0) && len(u.faults) == 0 {
		d.push(Event{Kind: KindCleared, Device: u.dev, At: now})
	}
}

func isStackerOut(s cctalk.BillStatus) bool {
	return s == cctalk.StackerRemoved || s == cctalk.StackerFull
}

func (d *Driver) online(u *unit) {
	if !u.online {
		u.online = true
		u.masterKnown = false // it may have been powered off meanwhile
		if d.up {
			d.push(Event{Kind: KindOnline, Device: u.dev, At: d.cfg.Now()})
		}
	}
}

func (d *Driver) offline(u *unit, err error) {
	if u.online {
		u.online = false
		d.push(Event{Kind: KindOffline, Device: u.dev, Err: deviceErr(u.dev, err), At: d.cfg.Now()})
	}
}

func (d *Driver) push(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, item{ev: e})
}

func (d *Driver) pushCredit(c Credit) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, item{credit: &c})
}

// wantAccepting is whether the devices should accept now: Enable was the last
// call and every credit has been journaled.
func (d *Driver) wantAccepting() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.enabled && len(d.pending) == 0 && !d.closing
}

// syncDevices brings the devices' inhibits and master inhibit in line with
// what is wanted, for every device that answers. The caller holds the lock.
func (d *Driver) syncDevices(ctx context.Context) error {
	want := d.wantAccepting()
	var errs []error
	for _, u := range d.units {
		if !u.inhibitsSet {
			if err := d.setInhibits(ctx, u); err != nil {
				errs = append(errs, deviceErr(u.dev, err))
				continue
			}
		}
		if !u.masterKnown || u.master != want {
			if err := d.setMaster(ctx, u, want); err != nil {
				errs = append(errs, deviceErr(u.dev, err))
			}
		}
		if d.port == nil {
			break
		}
	}
	return errors.Join(errs...)
}

func (d *Driver) setInhibits(ctx context.Context, u *unit) error {
	var mask uint16
	for t := range u.denoms {
		mask |= 1 << (t - 1)
	}
	if _, err := d.exchange(ctx, u, cctalk.HeaderModifyInhibit, []byte{byte(mask), byte(mask >> 8)}); err != nil {
		return err
	}
	u.inhibitsSet = true
	return nil
}

func (d *Driver) setMaster(ctx context.Context, u *unit, on bool) error {
	var b byte
	if on {
		b = 1
	}
	u.masterKnown = false
	if _, err := d.exchange(ctx, u, cctalk.HeaderModifyMasterInhibit, []byte{b}); err != nil {
		return err
	}
	u.master, u.masterKnown = on, true
	return nil
}

// route asks the policy about a bill in escrow and tells the validator.
func (d *Driver) route(ctx context.Context, e *escrow) {
	r := Return
	d.mu.Lock()
	held := len(d.pending) > 0
	d.mu.Unlock()
	switch {
	case held, e.amount == 0, d.closing:
	case d.cfg.EscrowPolicy == nil:
		r = Stack
	case d.cfg.EscrowPolicy(e.amount) == Stack:
		r = Stack
	}
	if d.acquire(ctx) != nil {
		return
	}
	f, err := d.exchange(ctx, d.units[0], cctalk.HeaderRouteBill, []byte{r.wire()})
	d.snapshot()
	d.release()
	now := d.cfg.Now()
	d.push(Event{Kind: KindEscrow, Device: Bill, Type: e.typ, Amount: e.amount, Counter: int(e.counter), Route: r, At: now})
	fail := Event{Kind: KindRouteFailed, Device: Bill, Type: e.typ, Amount: e.amount, Counter: int(e.counter), Route: r, At: now}
	switch {
	case err != nil:
		fail.Err = err
	case len(f.Data) == 1 && f.Data[0] == cctalk.RouteEscrowEmpty:
		fail.Code, fail.Err = int(f.Data[0]), ErrEscrowEmpty
	case len(f.Data) == 1 && f.Data[0] == cctalk.RouteFailed:
		fail.Code, fail.Err = int(f.Data[0]), ErrRouteFailed
	default:
		return
	}
	d.push(fail)
}

// deliver hands the queue to the Sink: events as they come, credits in order
// behind any that are still pending.
func (d *Driver) deliver(ctx context.Context) {
	d.mu.Lock()
	items := d.queue
	d.queue = nil
	d.mu.Unlock()
	for _, it := range items {
		if it.credit != nil {
			d.mu.Lock()
			d.pending = append(d.pending, *it.credit)
			d.mu.Unlock()
			d.flush(ctx)
			continue
		}
		d.cfg.Sink.Event(ctx, it.ev)
	}
	d.flush(ctx)
}

// flush offers the pending credits to the Sink, oldest first, until one fails.
func (d *Driver) flush(ctx context.Context) {
	for {
		d.mu.Lock()
		if len(d.pending) == 0 || d.cfg.Now().Before(d.creditRetry) {
			d.mu.Unlock()
			return
		}
		c := d.pending[0]
		d.mu.Unlock()
		err := d.cfg.Sink.Credit(ctx, c)
		now := d.cfg.Now()
		d.mu.Lock()
		if err != nil {
			d.creditFailures++
			d.creditRetry = now.Add(min(firstBackoff<<min(d.creditFailures-1, 8), maxBackoff))
			n := len(d.pending)
			d.mu.Unlock()
			d.cfg.Sink.Event(ctx, Event{Kind: KindCreditPending, Device: c.Device, Type: c.Type, Amount: c.Amount,
				Counter: c.Counter, Err: fmt.Errorf("%w (%d waiting): %w", ErrCreditPending, n, err), At: now})
			return
		}
		d.pending = d.pending[1:]
		d.creditFailures, d.creditRetry = 0, time.Time{}
		d.mu.Unlock()
	}
}

// snapshot stores the state for State; the caller holds the lock.
func (d *Driver) snapshot() {
	st := d.build()
	d.state.Store(&st)
}

// build makes the Status; the caller holds the lock.
func (d *Driver) build() Status {
	st := Status{Port: d.cfg.Port, Connected: d.port != nil, EchoErrors: d.echoErrs, Cause: d.cause}
	d.mu.Lock()
	st.Enabled, st.Pending = d.enabled, len(d.pending)
	d.mu.Unlock()
	st.Accepting = st.Connected
	for _, u := range d.units {
		us := UnitStatus{
			Device: u.dev, Addr: int(u.addr), Online: u.online && st.Connected,
			Manufacturer: u.ident.manufacturer, Category: u.ident.category, Product: u.ident.product, Serial: u.ident.serial,
			Counter: int(u.counter), SelfCheck: int(u.selfCheck), Faults: slices.Clone(u.faults),
			Accepting: u.masterKnown && u.master,
		}
		st.Accepting = st.Accepting && us.Online && us.Accepting
		if u.dev == Bill {
			st.Bill = us
		} else {
			st.Coin = &us
		}
	}
	return st
}

// connect makes sure the port is open and the devices set up, reopening it
// when the backoff allows. The caller holds the lock.
func (d *Driver) connect(ctx context.Context) error {
	if d.port != nil {
		return nil
	}
	if d.closing {
		return ErrClosed
	}
	now := d.cfg.Now()
	if wait, _ := d.reopen.Waiting(now); wait {
		return disconnected(d.cause)
	}
	if err := d.open(ctx, false); err != nil {
		d.reopen.Failed(now, err)
		d.cause = err
		return disconnected(err)
	}
	d.push(Event{Kind: KindReconnected, At: d.cfg.Now()})
	return nil
}

// open opens the port and sets every device up; first is Open's, which also
// takes the event counters as its starting point. The caller holds the lock
// (or is Open).
func (d *Driver) open(ctx context.Context, first bool) error {
	p, err := serialport.Open(d.cfg.port())
	if err != nil {
		return err
	}
	d.port, d.up = p, false
	// Whatever a previous user of the port left unread is not ours.
	p.ResetInputBuffer()
	d.stream.Reset()
	for _, u := range d.units {
		if err := d.setup(ctx, u, first); err != nil {
			if d.port != nil {
				d.port.Close()
				d.port = nil
			}
			return deviceErr(u.dev, err)
		}
	}
	d.up, d.cause = true, nil
	d.reopen.Succeeded()
	return nil
}

// setup identifies u, checks its bill ids, runs its self-check and sets its
// inhibits and master inhibit.
func (d *Driver) setup(ctx context.Context, u *unit, first bool) error {
	u.online, u.inhibitsSet, u.masterKnown = false, false, false
	id, err := d.identify(ctx, u)
	if err != nil {
		return err
	}
	u.ident = id
	if u.dev == Bill {
		if err := d.checkBills(ctx, u); err != nil {
			return err
		}
	}
	f, err := d.exchange(ctx, u, cctalk.HeaderSelfCheck, nil)
	if err != nil {
		return err
	}
	if len(f.Data) != 1 {
		return fmt.Errorf("self-check answered %d bytes", len(f.Data))
	}
	u.online = true
	d.selfChecked(u, f.Data[0])
	if err := d.setInhibits(ctx, u); err != nil {
		return err
	}
	if err := d.setMaster(ctx, u, d.wantAccepting()); err != nil {
		return err
	}
	if !first {
		return nil // the next poll compares the counter with the one before
	}
	f, err = d.exchange(ctx, u, u.poll, nil)
	if err != nil {
		return err
	}
	buf, err := cctalk.ParseBuffer(f.Data)
	if err != nil {
		return err
	}
	u.counter = buf.Counter
	if u.resume != 0 {
		u.counter = u.resume
	}
	return nil
}

func (d *Driver) identify(ctx context.Context, u *unit) (identity, error) {
	var id identity
	for _, q := range []struct {
		h   cctalk.Header
		out *string
	}{{cctalk.HeaderEquipmentCategory, &id.category}, {cctalk.HeaderManufacturerID, &id.manufacturer}, {cctalk.HeaderProductCode, &id.product}} {
		f, err := d.exchange(ctx, u, q.h, nil)
		if err != nil {
			return id, err
		}
		*q.out = printable(f.Data)
	}
	want := cctalk.CategoryBill
	if u.dev == Coin {
		want = cctalk.CategoryCoin
	}
	if !strings.EqualFold(strings.TrimSpace(id.category), want) {
		return id, fmt.Errorf("%w: address %d is a %q, not a %s", ErrWrongDevice, u.addr, id.category, strings.ToLower(want))
	}
	// Not every device has a serial number; a NAK is no reason to refuse it.
	if f, err := d.exchange(ctx, u, cctalk.HeaderSerialNumber, nil); err == nil && len(f.Data) == 3 {
		id.serial = int(f.Data[0]) | int(f.Data[1])<<8 | int(f.Data[2])<<16
	} else if err != nil && !errors.Is(err, cctalk.ErrNAK) {
		return id, err
	}
	return id, nil
}

// currency is the country code of the bills the kiosk takes.
const currency = "CN"

// checkBills compares every configured denomination with the validator's
// bill id of that type.
func (d *Driver) checkBills(ctx context.Context, u *unit) error {
	for _, t := range slices.Sorted(maps.Keys(u.denoms)) {
		amount := u.denoms[t]
		f, err := d.exchange(ctx, u, cctalk.HeaderBillID, []byte{byte(t)})
		if err != nil {
			return err
		}
		raw := printable(f.Data)
		id, err := cctalk.ParseBillID(raw)
		switch {
		case err != nil:
			return fmt.Errorf("%w: bill type %d is configured as %d 分 but the validator reports %q", ErrDenomination, t, amount, raw)
		case id.Country == "":
			return fmt.Errorf("%w: bill type %d is configured as %d 分 but the validator has no bill of that type", ErrDenomination, t, amount)
		case id.Country != currency:
			return fmt.Errorf("%w: bill type %d is %s, not a %s bill", ErrDenomination, t, id, currency)
		case id.Value*100 != amount:
			return fmt.Errorf("%w: bill type %d is %s (%d 分) but configured as %d 分", ErrDenomination, t, id, id.Value*100, amount)
		}
	}
	return nil
}

// printable keeps what a device sent as text readable in logs and errors.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, string(b))
}
