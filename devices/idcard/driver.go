package idcard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"bianmin/devices/serialport"
)

// Config says where the reader is and how patient to be with it.
type Config struct {
	Port string
	Baud int // default 115200, the reader's factory setting
	Flow serialport.Flow
	// Per-step reply timeouts. Defaults: 1 s for SAM status, find and select,
	// 3 s for the reads (a read with photo is 1295 bytes, 0.11 s at 115200,
	// but the SAM spends most of a second on the card first).
	StatusTimeout time.Duration
	FindTimeout   time.Duration
	SelectTimeout time.Duration
	ReadTimeout   time.Duration
	// Now is the clock of the reconnect backoff; nil means time.Now.
	Now func() time.Time
}

const (
	defaultBaud    = 115200
	defaultStep    = time.Second
	defaultRead    = 3 * time.Second
	defaultPoll    = 250 * time.Millisecond
	firstBackoff   = 250 * time.Millisecond
	maxBackoff     = 10 * time.Second
	maxDrain       = 8192 // unasked bytes discarded before a request
	pollSlice      = 50 * time.Millisecond
	openTimeExtra  = time.Second
	samIDMaxLength = 64
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = defaultBaud
	}
	for _, t := range []*time.Duration{&c.StatusTimeout, &c.FindTimeout, &c.SelectTimeout} {
		if *t <= 0 {
			*t = defaultStep
		}
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = defaultRead
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) port() serialport.Config {
	return serialport.Config{Name: c.Port, Baud: c.Baud, Flow: c.Flow}
}

// WireTime is how long n bytes take on a serial line at baud, 8N1: 10 bits a
// byte. Benchmarks divide by it.
func WireTime(n, baud int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

// Driver is an ID-card reader on a serial port. It is safe for concurrent
// use: one operation talks to the port at a time, and State never waits.
//
// Any I/O error closes the port and marks the driver disconnected; the next call
// reopens the port by name (a replugged adapter, or a simulator's new pty behind
// the same link), at once the first time and then with a doubling backoff on
// Config.Now, so unplug/replug recovers without restarting the process.
type Driver struct {
	cfg  Config
	lock chan struct{} // the one lock: a channel so that waiting honours ctx

	// Guarded by lock.
	port   *serialport.Port // nil while disconnected
	src    portSource
	fr     *FrameReader
	reopen serialport.Backoff // paces reopening a lost port
	buf    [256]byte

	state atomic.Pointer[snapshot]
}

type snapshot struct{ err error }

// New returns a driver that has not touched the port yet: its first call opens
// it. A kiosk that boots with the reader unplugged starts here.
func New(c Config) (*Driver, error) {
	c = c.withDefaults()
	if err := c.port().Validate(); err != nil {
		return nil, &OpError{Device: "idcard", Op: "open", Port: c.Port, Err: err}
	}
	d := &Driver{cfg: c, lock: make(chan struct{}, 1), reopen: serialport.Backoff{First: firstBackoff, Max: maxBackoff}}
	d.src.d = d
	d.fr = NewFrameReader(&d.src)
	d.state.Store(&snapshot{err: ErrDisconnected})
	return d, nil
}

// Open opens the port and asks the SAM for its status. A device that does not
// answer in time is ErrNoAnswer; a SAM that answers with a failure is its
// *StatusError (ErrSelfTest, ErrNotAuthorised …). Either way the port is closed
// again.
func Open(c Config) (*Driver, error) {
	d, err := New(c)
	if err != nil {
		return nil, err
	}
	if err := d.open(); err != nil {
		return nil, &OpError{Device: "idcard", Op: "open", Port: c.Port, Err: err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.StatusTimeout+openTimeExtra)
	defer cancel()
	if err := d.Status(ctx); err != nil {
		d.Close()
		var op *OpError
		if errors.As(err, &op) {
			op.Op = "open"
		}
		return nil, err
	}
	return d, nil
}

// Close closes the port, after an operation in progress. The driver stays
// usable: a later call reopens the port.
func (d *Driver) Close() error {
	d.lock <- struct{}{}
	defer func() { <-d.lock }()
	if d.port == nil {
		return nil
	}
	err := d.port.Close()
	d.port = nil
	d.state.Store(&snapshot{err: ErrDisconnected})
	return err
}

// State returns the last known condition of the reader without I/O: nil when
// it last answered well (with or without a card), else why not
// (ErrDisconnected, ErrNoAnswer, ErrChecksum, a SAM fault …).
func (d *Driver) State() error { return d.state.Load().err }

func (d *Driver) acquire(ctx context.Context) error {
	select {
	case d.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release wipes what the operation left buffered (card data, the photo) and
// unlocks.
func (d *Driver) release() {
	d.fr.Reset()
	<-d.lock
}

// Status asks the SAM for its status (11 FF).
func (d *Driver) Status(ctx context.Context) error {
	if err := d.acquire(ctx); err != nil {
		return &OpError{Device: "idcard", Op: "status", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	err := d.connect()
	if err == nil {
		var r Reply
		if r, err = d.exchange(ctx, SAMStatus, d.cfg.StatusTimeout); err == nil {
			err = r.Err()
		}
	}
	d.record(ctx, err, true)
	if err != nil {
		return &OpError{Device: "idcard", Op: "status", Port: d.cfg.Port, Err: err}
	}
	return nil
}

// SAMID reads the SAM's identity (12 FF), 16 bytes on the readers in use, for
// the technician's page.
func (d *Driver) SAMID(ctx context.Context) ([]byte, error) {
	if err := d.acquire(ctx); err != nil {
		return nil, &OpError{Device: "idcard", Op: "sam id", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	var id []byte
	err := d.connect()
	if err == nil {
		var r Reply
		if r, err = d.exchange(ctx, ReadSAMID, d.cfg.StatusTimeout); err == nil {
			if err = r.Err(); err == nil {
				id = append([]byte(nil), r.Data[:min(len(r.Data), samIDMaxLength)]...)
			}
		}
	}
	d.record(ctx, err, true)
	if err != nil {
		return nil, &OpError{Device: "idcard", Op: "sam id", Port: d.cfg.Port, Err: err}
	}
	return id, nil
}

// Read reads the card on the reader: find card (ErrNoCard when there is none),
// select card, read text and photo, then the additional address (none when
// the reader answers 91, or 21 as readers that predate it do). Each step has
// its own timeout. The photo is read, as the protocol requires, and wiped.
func (d *Driver) Read(ctx context.Context) (Card, error) {
	if err := d.acquire(ctx); err != nil {
		return Card{}, &OpError{Device: "idcard", Op: "read", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	c, err := d.read(ctx)
	d.record(ctx, err, false)
	if err != nil {
		return Card{}, &OpError{Device: "idcard", Op: "read", Port: d.cfg.Port, Err: err}
	}
	return c, nil
}

func (d *Driver) read(ctx context.Context) (Card, error) {
	if err := d.connect(); err != nil {
		return Card{}, err
	}
	for _, step := range []struct {
		cmd     Command
		timeout time.Duration
	}{{FindCard, d.cfg.FindTimeout}, {SelectCard, d.cfg.SelectTimeout}} {
		r, err := d.exchange(ctx, step.cmd, step.timeout)
		if err != nil {
			return Card{}, err
		}
		if err := r.Err(); err != nil {
			return Card{}, err
		}
	}
	r, err := d.exchange(ctx, ReadText, d.cfg.ReadTimeout)
	if err != nil {
		return Card{}, err
	}
	c, err := DecodeRead(r)
	if err != nil {
		return Card{}, err
	}
	r, err = d.exchange(ctx, ReadAddress, d.cfg.ReadTimeout)
	if err != nil {
		return Card{}, err
	}
	if r.SW1 == 0 && r.SW2 == 0 && (r.Status == StatusNoContent || r.Status == StatusCommand) {
		return c, nil
	}
	if err := r.Err(); err != nil {
		return Card{}, err
	}
	if c.AdditionalAddress, err = DecodeAddress(r.Data); err != nil {
		return Card{}, err
	}
	return c, nil
}

// WaitCard asks "find card" every interval (250 ms when interval <= 0) until a
// card is found, and returns nil then. Trouble on the way (unplugged reader,
// no answer, a corrupt reply) does not end the wait: a screen waiting for a
// card waits through a replug too, and State tells it what is wrong meanwhile.
// When ctx ends first the error wraps ctx's error and the last poll's.
func (d *Driver) WaitCard(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = defaultPoll
	}
	var last error
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return &OpError{Device: "idcard", Op: "wait", Port: d.cfg.Port, Err: &waitError{ctx: ctx.Err(), last: last}}
		case <-t.C:
		}
		found, err := d.poll(ctx)
		if found {
			return nil
		}
		switch {
		case ctx.Err() != nil: // cut short: says nothing about the reader
		case errors.Is(err, ErrNoCard):
			last = nil
		default:
			last = err
		}
		t.Reset(interval)
	}
}

// poll asks find card once.
func (d *Driver) poll(ctx context.Context) (bool, error) {
	if err := d.acquire(ctx); err != nil {
		return false, err
	}
	defer d.release()
	err := d.connect()
	if err == nil {
		var r Reply
		if r, err = d.exchange(ctx, FindCard, d.cfg.FindTimeout); err == nil {
			err = r.Err()
		}
	}
	d.record(ctx, err, false)
	return err == nil, err
}

// waitError is a wait that ended with ctx, and what the last poll said if it
// was anything but "no card".
type waitError struct{ ctx, last error }

func (e *waitError) Error() string {
	if e.last == nil {
		return e.ctx.Error()
	}
	return e.ctx.Error() + " (last poll: " + strings.TrimPrefix(e.last.Error(), "idcard: ") + ")"
}

func (e *waitError) Unwrap() []error {
	if e.last == nil {
		return []error{e.ctx}
	}
	return []error{e.ctx, e.last}
}

// record keeps the reader's condition for State after an operation. A reply
// with a failure status means the reader works: only the SAM's own statuses
// (sam true) count against it. A caller giving up says nothing about it.
func (d *Driver) record(ctx context.Context, err error, sam bool) {
	var se *StatusError
	switch {
	case err != nil && ctx.Err() != nil:
		return
	case errors.As(err, &se) && !sam:
		err = nil
	}
	d.state.Store(&snapshot{err: err})
}

// connect makes sure the port is open and still there, reopening it when the
// backoff allows.
func (d *Driver) connect() error {
	if d.port != nil {
		// A port unplugged while idle fails its first read; that is the moment
		// to reopen, not a reason to fail a call the replugged reader could serve.
		if err := d.drain(); err == nil {
			return nil
		}
	}
	now := d.cfg.Now()
	if wait, cause := d.reopen.Waiting(now); wait {
		return disconnected(cause)
	}
	if err := d.open(); err != nil {
		d.reopen.Failed(now, err)
		return disconnected(err)
	}
	return nil
}

func (d *Driver) open() error {
	p, err := serialport.Open(d.cfg.port())
	if err != nil {
		return err
	}
	d.port = p
	d.reopen.Succeeded()
	d.fr.Reset()
	// Whatever a previous user of the port left unread is not ours.
	p.ResetInputBuffer()
	return nil
}

// fail closes the port after an I/O error and returns the error to report.
func (d *Driver) fail(err error) error {
	if d.port != nil {
		d.port.Close()
		d.port = nil
	}
	err = disconnected(err)
	d.state.Store(&snapshot{err: err})
	return err
}

// drain discards bytes nobody asked for: the late rest of a reply given up on
// must not be taken for the next one.
func (d *Driver) drain() error {
	d.fr.Reset()
	if err := d.port.SetReadTimeout(0); err != nil {
		return d.fail(err)
	}
	for i := 0; i < maxDrain; i += len(d.buf) {
		n, err := d.port.Read(d.buf[:])
		if err != nil {
			return d.fail(err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// errTimeout ends a read at the step's deadline.
var errTimeout = errors.New("idcard: timeout")

// exchange sends cmd and returns the reply frame, decoded; its Data aliases
// the frame reader's buffer until release. The caller holds the lock and has
// connected. No reply by the step's timeout is ErrNoAnswer, part of one
// ErrTruncated.
func (d *Driver) exchange(ctx context.Context, cmd Command, timeout time.Duration) (Reply, error) {
	if err := d.drain(); err != nil {
		return Reply{}, err
	}
	deadline := time.Now().Add(timeout)
	// A reader holding flow control cannot take even the command.
	wctx, cancel := context.WithDeadline(ctx, deadline)
	_, err := d.port.WriteContext(wctx, cmd.Frame())
	cancel()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return Reply{}, ctx.Err()
	case wctx.Err() != nil:
		return Reply{}, ErrNoAnswer
	default:
		return Reply{}, d.fail(err)
	}
	d.src.ctx, d.src.deadline = ctx, deadline
	frame, err := d.fr.Next()
	switch {
	case err == nil:
	case errors.Is(err, errTimeout) && d.fr.Pending():
		return Reply{}, fmt.Errorf("%w: reply to %v incomplete after %v", ErrTruncated, cmd, timeout)
	case errors.Is(err, errTimeout):
		return Reply{}, ErrNoAnswer
	default:
		return Reply{}, err
	}
	return ParseReply(frame)
}

// portSource is the port as an io.Reader for the frame reader: it waits for
// bytes until the step's deadline (errTimeout), waking now and then to notice
// a cancelled ctx, and turns I/O errors into a disconnect.
type portSource struct {
	d        *Driver
	ctx      context.Context
	deadline time.Time
}

func (s *portSource) Read(p []byte) (int, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			return 0, err
		}
		wait := time.Until(s.deadline)
		if wait <= 0 {
			return 0, errTimeout
		}
		if err := s.d.port.SetReadTimeout(min(wait, pollSlice)); err != nil {
			return 0, s.d.fail(err)
		}
		n, err := s.d.port.Read(p)
		if err != nil {
			return 0, s.d.fail(err)
		}
		if n > 0 {
			return n, nil
		}
	}
}
