package printer

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"bianmin/devices/serialport"
)

// Config says where the printer is and how patient to be with it.
type Config struct {
	Port string
	Baud int // default 9600
	Flow serialport.Flow
	// StatusTimeout is how long a DLE EOT reply may take. Default 500 ms.
	StatusTimeout time.Duration
	// ChunkSize is the largest single write. Default 256 bytes.
	ChunkSize int
	// PrintTimeout bounds a Print beyond the wire time of its data, for printers
	// that hold flow control forever. Default 30 s.
	PrintTimeout time.Duration
	// Now is the clock of the reconnect backoff; nil means time.Now.
	Now func() time.Time
}

const (
	defaultBaud          = 9600
	defaultStatusTimeout = 500 * time.Millisecond
	defaultChunkSize     = 256
	defaultPrintTimeout  = 30 * time.Second
	firstBackoff         = 250 * time.Millisecond
	maxBackoff           = 10 * time.Second
	maxDrain             = 4096 // unasked bytes discarded before a request
	adapterBuffer        = 4096 // bytes a UART or USB adapter may hold after write returns
	drainSlack           = 2 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = defaultBaud
	}
	if c.StatusTimeout <= 0 {
		c.StatusTimeout = defaultStatusTimeout
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = defaultChunkSize
	}
	if c.PrintTimeout <= 0 {
		c.PrintTimeout = defaultPrintTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) port() serialport.Config {
	return serialport.Config{Name: c.Port, Baud: c.Baud, Flow: c.Flow}
}

func (c Config) wireTime(n int) time.Duration { return WireTime(n, c.Baud) }

// WireTime is how long n bytes take on a serial line at baud, 8N1: 10 bits a
// byte. Nothing can print them faster; benchmarks divide by it.
func WireTime(n, baud int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

// Driver is a receipt printer on a serial port. It is safe for concurrent use:
// one operation talks to the port at a time, and State never waits for it.
//
// Any I/O error closes the port and marks the driver disconnected; the next call
// reopens the port by name (a replugged adapter, or a simulator's new pty behind
// the same link), at once the first time and then with a doubling backoff, so
// unplug/replug recovers without restarting the process.
type Driver struct {
	cfg  Config
	lock chan struct{} // the one lock: a channel so that waiting honours ctx

	// Guarded by lock.
	port   *serialport.Port // nil while disconnected
	rd     statusReader
	reopen serialport.Backoff // paces reopening a lost port
	buf    [1]byte

	state atomic.Pointer[snapshot]
}

type snapshot struct {
	st  Status
	err error
}

// New returns a driver that has not touched the port yet: its first call opens
// it. A kiosk that boots with the printer unplugged starts here.
func New(c Config) (*Driver, error) {
	c = c.withDefaults()
	if err := c.port().Validate(); err != nil {
		return nil, &OpError{Device: "printer", Op: "open", Port: c.Port, Err: err}
	}
	d := &Driver{cfg: c, lock: make(chan struct{}, 1), reopen: serialport.Backoff{First: firstBackoff, Max: maxBackoff}}
	d.state.Store(&snapshot{err: ErrDisconnected})
	return d, nil
}

// Open opens the port and asks the printer for its status. A device that does
// not answer DLE EOT 1 in time is ErrNoAnswer and one that answers something
// else is ErrGarbage; either way the port is closed again.
func Open(c Config) (*Driver, error) {
	d, err := New(c)
	if err != nil {
		return nil, err
	}
	if err := d.open(); err != nil {
		return nil, &OpError{Device: "printer", Op: "open", Port: c.Port, Err: err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*d.cfg.StatusTimeout)
	defer cancel()
	if _, err := d.Status(ctx); err != nil {
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

// State returns the last known status and error without I/O and without waiting
// for an operation in progress: for a UI that must not block on a long print.
func (d *Driver) State() (Status, error) {
	s := d.state.Load()
	return s.st, s.err
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

// Status sends DLE EOT 1, 2, 3 and 4, one at a time.
func (d *Driver) Status(ctx context.Context) (Status, error) {
	if err := d.acquire(ctx); err != nil {
		return Status{}, &OpError{Device: "printer", Op: "status", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	st, err := d.status(ctx)
	if err != nil {
		return st, &OpError{Device: "printer", Op: "status", Port: d.cfg.Port, Err: err}
	}
	return st, nil
}

// Ready returns nil if the printer can print a receipt now: the pre-payment
// check. A paper near end is ready (Status.Alerts says so).
func (d *Driver) Ready(ctx context.Context) error {
	if err := d.acquire(ctx); err != nil {
		return &OpError{Device: "printer", Op: "ready", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	st, err := d.status(ctx)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		return &OpError{Device: "printer", Op: "ready", Port: d.cfg.Port, Err: err}
	}
	return nil
}

// Print checks readiness, sends data in chunks and asks DLE EOT 2 and 4 again
// once the data has had time to cross the wire: success means the printer took
// the document and did not stop. Nothing is sent when it is not ready. A print
// cut short by ctx leaves a partial document at the printer; start the next
// one with ESC @.
func (d *Driver) Print(ctx context.Context, data []byte) error {
	if err := d.acquire(ctx); err != nil {
		return &OpError{Device: "printer", Op: "print", Port: d.cfg.Port, Err: err}
	}
	defer d.release()
	if err := d.print(ctx, data); err != nil {
		return &OpError{Device: "printer", Op: "print", Port: d.cfg.Port, Err: err}
	}
	return nil
}

func (d *Driver) print(ctx context.Context, data []byte) error {
	st, err := d.status(ctx)
	if err != nil {
		return err
	}
	if err := st.Err(); err != nil {
		return err
	}

	start := time.Now()
	wire := d.cfg.wireTime(len(data))
	ctx, cancel := context.WithTimeout(ctx, 2*wire+d.cfg.PrintTimeout)
	defer cancel()
	if err := d.write(ctx, data); err != nil {
		return err
	}

	// The replies below queue behind the data, which may still be in the
	// kernel's and the adapter's buffers (allow for its wire time) or held by
	// flow control while the printer prints its own buffer (drainSlack).
	end := time.Now()
	deadline := start.Add(wire)
	if t := end.Add(d.cfg.wireTime(min(len(data), adapterBuffer))); t.After(deadline) {
		deadline = t
	}
	deadline = deadline.Add(d.cfg.StatusTimeout)
	if err := d.skipReplies(ctx, countRequests(data), deadline); err != nil {
		return err
	}
	deadline = deadline.Add(drainSlack)
	for _, n := range []int{2, 4} {
		b, err := d.query(ctx, n, deadline)
		if err != nil {
			return err
		}
		if err := st.Apply(n, b); err != nil {
			return err
		}
		deadline = time.Now().Add(d.cfg.StatusTimeout)
	}
	d.state.Store(&snapshot{st: st})
	return st.Err()
}

// write sends data in chunks. When ctx ends first, what is still queued in the
// kernel is flushed, so the printer stops soon after.
func (d *Driver) write(ctx context.Context, data []byte) error {
	for len(data) > 0 {
		chunk := data[:min(len(data), d.cfg.ChunkSize)]
		n, err := d.port.WriteContext(ctx, chunk)
		data = data[n:]
		switch {
		case err == nil:
		case ctx.Err() != nil:
			d.port.ResetOutputBuffer()
			return ctx.Err()
		default:
			return d.fail(err)
		}
	}
	return nil
}

// skipReplies reads and drops up to n replies the printer owes for DLE EOT
// sequences inside the data, so they are not taken for the answers to come.
// Printers that do not answer them cost at most the wait until deadline.
func (d *Driver) skipReplies(ctx context.Context, n int, deadline time.Time) error {
	for n > 0 {
		b, ok, err := d.readByte(ctx, deadline)
		if err != nil || !ok {
			return err
		}
		if d.rd.next(b) == classReply {
			n--
		}
	}
	return nil
}

// status asks DLE EOT 1..4; the caller holds the lock.
func (d *Driver) status(ctx context.Context) (Status, error) {
	if err := d.connect(); err != nil {
		d.state.Store(&snapshot{err: err})
		return Status{}, err
	}
	var st Status
	for n := 1; n <= 4; n++ {
		b, err := d.query(ctx, n, time.Now().Add(d.cfg.StatusTimeout))
		if err == nil {
			err = st.Apply(n, b)
		}
		if err != nil {
			// A caller giving up says nothing about the printer.
			if ctx.Err() == nil {
				d.state.Store(&snapshot{err: err})
			}
			return Status{}, err
		}
	}
	d.state.Store(&snapshot{st: st})
	return st, nil
}

// connect makes sure the port is open and still there, reopening it when the
// backoff allows.
func (d *Driver) connect() error {
	if d.port != nil {
		// A port unplugged while idle fails its first read; that is the moment to
		// reopen, not a reason to fail a call the replugged printer could serve.
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
	d.port, d.rd = p, statusReader{}
	d.reopen.Succeeded()
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

// query sends DLE EOT n and returns the reply, skipping ASB blocks. The first
// other byte is the reply: ErrGarbage if it is not a valid one.
func (d *Driver) query(ctx context.Context, n int, deadline time.Time) (byte, error) {
	if err := d.drain(); err != nil {
		return 0, err
	}
	// A printer holding flow control cannot take even the request.
	wctx, cancel := context.WithDeadline(ctx, deadline)
	_, err := d.port.WriteContext(wctx, Request(n))
	cancel()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case wctx.Err() != nil:
		return 0, ErrNoAnswer
	default:
		return 0, d.fail(err)
	}
	for {
		b, ok, err := d.readByte(ctx, deadline)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, ErrNoAnswer
		}
		switch d.rd.next(b) {
		case classReply:
			return b, nil
		case classGarbage:
			return 0, garbage(b)
		}
	}
}

// drain discards bytes nobody asked for (late ASB blocks, stray bytes), keeping
// the reader's place in a block.
func (d *Driver) drain() error {
	if err := d.port.SetReadTimeout(0); err != nil {
		return d.fail(err)
	}
	for i := 0; i < maxDrain; i++ {
		n, err := d.port.Read(d.buf[:])
		if err != nil {
			return d.fail(err)
		}
		if n == 0 {
			return nil
		}
		d.rd.next(d.buf[0])
	}
	return nil
}

// readByte reads one byte by deadline; ok is false on timeout. It wakes up now
// and then to notice a cancelled ctx.
func (d *Driver) readByte(ctx context.Context, deadline time.Time) (b byte, ok bool, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, false, nil
		}
		if err := d.port.SetReadTimeout(min(wait, 50*time.Millisecond)); err != nil {
			return 0, false, d.fail(err)
		}
		n, err := d.port.Read(d.buf[:])
		if err != nil {
			return 0, false, d.fail(err)
		}
		if n == 1 {
			return d.buf[0], true, nil
		}
	}
}
