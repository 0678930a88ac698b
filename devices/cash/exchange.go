package cash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bianmin/devices/cctalk"
)

// interByte is how long a reply may pause between bytes once it has started.
const interByte = 50 * time.Millisecond

// exchange sends one request to u and returns its ACK reply. A NAK is
// cctalk.ErrNAK; BUSY is waited out; a request that is safe to repeat is tried
// again after no answer or a garbled one. The caller holds the lock and the
// port is open; an I/O error closes it (ErrDisconnected).
func (d *Driver) exchange(ctx context.Context, u *unit, h cctalk.Header, data []byte) (cctalk.Frame, error) {
	if d.port == nil {
		return cctalk.Frame{}, disconnected(d.cause)
	}
	req, err := cctalk.Encode(d.mode, cctalk.Frame{Dest: u.addr, Src: cctalk.AddrHost, Header: h, Data: data})
	if err != nil {
		return cctalk.Frame{}, err
	}
	// Route bill and reset change the device's state: repeating one the device
	// did carry out would do it twice (route's reply tells "escrow empty", and
	// the event buffer tells what happened either way).
	tries := 1 + retries
	if h == cctalk.HeaderRouteBill || h == cctalk.HeaderReset {
		tries = 1
	}
	busy := 0
	for try := 1; ; try++ {
		f, err := d.transact(ctx, req, u.addr)
		switch {
		case err == nil && f.Header == cctalk.HeaderBusy && busy < busyRetries:
			busy++
			try--
			if err := sleep(ctx, busyPause); err != nil {
				return cctalk.Frame{}, err
			}
			continue
		case err == nil:
			if err := f.Err(); err != nil {
				return f, fmt.Errorf("%v: %w", h, err)
			}
			return f, nil
		case d.port == nil || ctx.Err() != nil || try >= tries:
			return f, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transact writes req and reads the reply from addr, skipping the echo.
func (d *Driver) transact(ctx context.Context, req []byte, addr byte) (cctalk.Frame, error) {
	if err := d.drain(); err != nil {
		return cctalk.Frame{}, err
	}
	d.stream.Reset()
	wire := wireTime(len(req), d.cfg.Baud)
	wctx, cancel := context.WithTimeout(ctx, wire+d.cfg.Timeout)
	_, err := d.port.WriteContext(wctx, req)
	cancel()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return cctalk.Frame{}, ctx.Err()
	case wctx.Err() != nil:
		return cctalk.Frame{}, ErrNoAnswer
	default:
		return cctalk.Frame{}, d.fail(err)
	}
	d.stream.Sent(req)
	// The echo arrives as the request goes out; the reply after it.
	deadline := time.Now().Add(2*wire + d.cfg.Timeout)
	var garbled error
	for {
		for {
			f, err := d.stream.Next()
			if errors.Is(err, cctalk.ErrNeedMore) {
				break
			}
			if errors.Is(err, cctalk.ErrEcho) {
				d.echoErrs++
				continue
			}
			if err != nil {
				garbled = err
				continue
			}
			// In CRC mode replies carry no source: the one asked answers.
			if d.mode == cctalk.CRC16 || f.Src == addr {
				return f, nil
			}
		}
		n, err := d.read(ctx, deadline)
		if err != nil {
			return cctalk.Frame{}, err
		}
		if n == 0 {
			switch {
			case d.stream.Buffered() > 0:
				return cctalk.Frame{}, fmt.Errorf("%w: %d bytes, then nothing", cctalk.ErrTruncated, d.stream.Buffered())
			case garbled != nil:
				return cctalk.Frame{}, garbled
			}
			return cctalk.Frame{}, ErrNoAnswer
		}
		if t := time.Now().Add(interByte); t.After(deadline) {
			deadline = t
		}
	}
}

// drain discards bytes nobody asked for: late replies, line noise.
func (d *Driver) drain() error {
	if err := d.port.SetReadTimeout(0); err != nil {
		return d.fail(err)
	}
	for i := 0; i < maxDrain; i += len(d.rbuf) {
		n, err := d.port.Read(d.rbuf[:])
		if err != nil {
			return d.fail(err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// read reads what arrives by deadline into the stream; 0 means nothing did.
// It wakes up now and then to notice a cancelled ctx.
func (d *Driver) read(ctx context.Context, deadline time.Time) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, nil
		}
		if err := d.port.SetReadTimeout(min(wait, interByte)); err != nil {
			return 0, d.fail(err)
		}
		n, err := d.port.Read(d.rbuf[:])
		if err != nil {
			return 0, d.fail(err)
		}
		if n > 0 {
			d.stream.Write(d.rbuf[:n])
			return n, nil
		}
	}
}

// fail closes the port after an I/O error and returns the error to report.
func (d *Driver) fail(err error) error {
	if d.port != nil {
		d.port.Close()
		d.port = nil
		if d.up {
			d.up = false
			d.push(Event{Kind: KindDisconnected, Err: disconnected(err), At: d.cfg.Now()})
		}
	}
	d.cause = err
	return disconnected(err)
}

// wireTime is how long n bytes take on a serial line at baud, 8N1: 10 bits a
// byte. Benchmarks divide by it.
func wireTime(n, baud int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}
