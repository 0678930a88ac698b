package scanner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"bianmin/devices/serialport"
)

// Config says where the scanner is and how it sends.
type Config struct {
	Port string
	Baud int // default 9600
	Flow serialport.Flow
	// Suffix is what the scanner is set to send after a code. The driver
	// accepts CR, LF and CR LF whatever it says, so a scanner reset to its
	// factory settings still reads; Status shows the one actually seen.
	Suffix Suffix
	// MaxLen is the longest line taken; default DefaultMaxLen.
	MaxLen int
	// InterChar is how long a line may stall before it is dropped as cut off;
	// default DefaultInterChar. It runs on Now.
	InterChar time.Duration
	// SlipBase is the central service's public base URL, under which our slips'
	// QR codes point (SPEC §5.3). Empty: no code is taken for a slip.
	SlipBase string
	// Now is the clock of scan times, the inter-character timeout and the
	// reconnect backoff; nil means time.Now.
	Now func() time.Time
}

const (
	defaultBaud  = 9600
	firstBackoff = 250 * time.Millisecond
	maxBackoff   = 10 * time.Second
	// pollSlice is the read timeout: how often the loop looks at the clock (a
	// stalled line, the backoff, Close) when the scanner is quiet.
	pollSlice = 50 * time.Millisecond
	// scanBuffer is how many scans wait for a slow receiver before more are
	// dropped; no one scans that fast.
	scanBuffer = 16
	readSize   = 256
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = defaultBaud
	}
	if c.MaxLen <= 0 {
		c.MaxLen = DefaultMaxLen
	}
	if c.InterChar <= 0 {
		c.InterChar = DefaultInterChar
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports the first thing wrong with c (after defaults): port errors
// are serialport.ErrConfig, the others ErrConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.port().Validate(); err != nil {
		return err
	}
	if c.Suffix < SuffixCR || c.Suffix > SuffixCRLF {
		return fmt.Errorf("%w: unknown suffix %v", ErrConfig, c.Suffix)
	}
	return validSlipBase(c.SlipBase)
}

func (c Config) port() serialport.Config {
	return serialport.Config{Name: c.Port, Baud: c.Baud, Flow: c.Flow}
}

// Driver is a scanner on a serial port. A goroutine reads the port from New or
// Open until Close, so the driver notices an unplug at once; it then reports
// ErrDisconnected and reopens the port by name (a replugged adapter, or a
// simulator's new pty behind the same link), at once the first time and then
// with a doubling backoff, so scanning resumes without restarting the process.
// Safe for concurrent use.
type Driver struct {
	cfg  Config
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the loop has returned

	mu     sync.Mutex
	port   *serialport.Port // nil while disconnected
	closed bool
	sub    *subscription
	st     Status
	cause  error         // why the port is not open, while it is not
	cycle  chan struct{} // closed and replaced at the end of every loop cycle

	// Owned by the loop.
	lr     *LineReader
	reopen serialport.Backoff // paces reopening a lost port
}

type subscription struct {
	ch   chan Scan
	gone chan struct{}
}

// end closes the subscription; the caller holds d.mu.
func (s *subscription) end() {
	close(s.gone)
	close(s.ch)
}

// New returns a driver that opens the port in the background, retrying with
// backoff: a kiosk that boots with the scanner unplugged starts here.
func New(c Config) (*Driver, error) {
	d, err := newDriver(c)
	if err != nil {
		return nil, err
	}
	go d.run(nil)
	return d, nil
}

// Open opens the port now, so that a wrong or missing port is an error at once
// (the technician's test), and then reads it like New.
func Open(c Config) (*Driver, error) {
	d, err := newDriver(c)
	if err != nil {
		return nil, err
	}
	p, err := d.open()
	if err != nil {
		return nil, &OpError{Device: "scanner", Op: "open", Port: c.Port, Err: err}
	}
	d.port = p
	d.st.Connected = true
	go d.run(p)
	return d, nil
}

func newDriver(c Config) (*Driver, error) {
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, &OpError{Device: "scanner", Op: "open", Port: c.Port, Err: err}
	}
	return &Driver{
		cfg:    c,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		cycle:  make(chan struct{}),
		cause:  ErrDisconnected,
		lr:     NewLineReader(c.MaxLen, c.InterChar),
		st:     Status{Port: c.Port, Suffix: c.Suffix},
		reopen: serialport.Backoff{First: firstBackoff, Max: maxBackoff},
	}, nil
}

// Close stops reading and closes the port and the receiving channel. The
// driver cannot be used again.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.done
		return nil
	}
	d.closed = true
	close(d.stop)
	if d.sub != nil {
		d.sub.end()
		d.sub = nil
	}
	var err error
	if d.port != nil {
		err = d.port.Close() // wakes the loop's Read
		d.port = nil
	}
	d.mu.Unlock()
	<-d.done
	return err
}

// Scans implements Scanner.
func (d *Driver) Scans(ctx context.Context) <-chan Scan {
	sub := &subscription{ch: make(chan Scan, scanBuffer), gone: make(chan struct{})}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		close(sub.ch)
		return sub.ch
	}
	if d.sub != nil {
		d.sub.end()
	}
	d.sub = sub
	go func() {
		select {
		case <-ctx.Done():
		case <-sub.gone:
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.sub == sub {
			d.sub = nil
			sub.end()
		}
	}()
	return sub.ch
}

// Status waits until the read loop has gone once round after the call (at most
// about 2 × 50 ms: a read, or a reopen when the backoff allows) and returns its
// state. The error Is ErrDisconnected while the port is not open, or ErrClosed.
func (d *Driver) Status(ctx context.Context) (Status, error) {
	// The cycle in progress may have started before the call; the one after it
	// has not.
	for range 2 {
		d.mu.Lock()
		c := d.cycle
		d.mu.Unlock()
		select {
		case <-c:
		case <-d.done:
		case <-ctx.Done():
			st, _ := d.State()
			return st, &OpError{Device: "scanner", Op: "status", Port: d.cfg.Port, Err: ctx.Err()}
		}
	}
	st, err := d.State()
	if err != nil {
		return st, &OpError{Device: "scanner", Op: "status", Port: d.cfg.Port, Err: err}
	}
	return st, nil
}

// State returns the last known state without waiting: nil error while the port
// is open, else why not (Is ErrDisconnected, or ErrClosed).
func (d *Driver) State() (Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return d.st, ErrClosed
	case !d.st.Connected:
		return d.st, d.cause
	}
	return d.st, nil
}

// run is the read loop. p is the port Open opened, or nil.
func (d *Driver) run(p *serialport.Port) {
	defer close(d.done)
	buf := make([]byte, readSize)
	for {
		select {
		case <-d.stop:
			return
		default:
		}
		if p == nil {
			p = d.reconnect()
		}
		if p == nil {
			d.endCycle()
			select {
			case <-d.stop:
				return
			case <-time.After(pollSlice):
			}
			continue
		}
		n, err := p.Read(buf)
		now := d.cfg.Now()
		if n > 0 {
			for _, l := range d.lr.Feed(buf[:n], now) {
				d.deliver(l)
			}
		} else if l, ok := d.lr.Expire(now); ok {
			d.deliver(l)
		}
		if err != nil {
			select {
			case <-d.stop:
				return // Close closed the port
			default:
			}
			if l, ok := d.lr.Drop(now); ok {
				d.deliver(l)
			}
			d.lost(p, err, now)
			p = nil
		}
		d.endCycle()
	}
}

// reconnect opens the port if the backoff allows; nil if it did not.
func (d *Driver) reconnect() *serialport.Port {
	now := d.cfg.Now()
	if wait, _ := d.reopen.Waiting(now); wait {
		return nil
	}
	p, err := d.open()
	if err != nil {
		d.reopen.Failed(now, err)
		d.mu.Lock()
		d.cause = disconnected(err)
		d.mu.Unlock()
		return nil
	}
	d.reopen.Succeeded()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		p.Close()
		return nil
	}
	d.port, d.st.Connected, d.cause = p, true, nil
	return p
}

// open opens the port ready for the loop.
func (d *Driver) open() (*serialport.Port, error) {
	p, err := serialport.Open(d.cfg.port())
	if err != nil {
		return nil, err
	}
	// What was scanned before we listened is not for the screen now showing
	// (a payment code may even have expired).
	if err := p.ResetInputBuffer(); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.SetReadTimeout(pollSlice); err != nil {
		p.Close()
		return nil, err
	}
	d.lr = NewLineReader(d.cfg.MaxLen, d.cfg.InterChar)
	return p, nil
}

// lost closes p after a read error and tells the receiver once.
func (d *Driver) lost(p *serialport.Port, cause error, now time.Time) {
	p.Close()
	err := disconnected(cause)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.port == p {
		d.port = nil
	}
	d.st.Connected, d.cause = false, err
	d.send(Scan{Err: err, At: now})
}

// deliver counts a line and hands its scan to the receiver, if any.
func (d *Driver) deliver(l Line) {
	s, ok := newScan(l, d.cfg.SlipBase)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Lines++
	if s.Err != nil {
		d.st.Errors++
	}
	d.st.Last = s.At
	if term, ok := d.lr.Suffix(); ok {
		d.st.Suffix, d.st.SuffixSeen = term, true
	}
	if !d.send(s) {
		d.st.Dropped++
	}
}

// send hands s to the receiver without blocking the loop; the caller holds mu.
func (d *Driver) send(s Scan) bool {
	if d.sub == nil {
		return false
	}
	select {
	case d.sub.ch <- s:
		return true
	default:
		return false
	}
}

func (d *Driver) endCycle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	// A CR LF's LF may come after its line was delivered.
	if term, ok := d.lr.Suffix(); ok {
		d.st.Suffix, d.st.SuffixSeen = term, true
	}
	close(d.cycle)
	d.cycle = make(chan struct{})
}
