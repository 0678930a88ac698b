package serialport

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// Port is an open serial port: a serial.Port whose writes can be abandoned.
// A blocking write to a port whose device holds flow control (a printer out of
// buffer space, or stopped) would otherwise wait forever; WriteContext returns
// when ctx ends, and Write when the port is closed.
type Port struct {
	serial.Port
	name string

	wfd    int // our non-blocking descriptor for writes
	closed atomic.Bool
	use    sync.RWMutex // writers hold it shared; Close exclusively, so wfd is not reused under them
}

var _ serial.Port = (*Port)(nil)

// ErrPortClosed is returned by writes on a closed Port.
var ErrPortClosed = errors.New("port closed")

// pollSlice is how often a waiting write looks at its ctx and at Close.
const pollSlice = 50 * time.Millisecond

// Name is the path the port was opened with.
func (p *Port) Name() string { return p.name }

// Write writes all of b, waiting as long as the device needs, until Close.
func (p *Port) Write(b []byte) (int, error) { return p.WriteContext(context.Background(), b) }

// WriteContext writes all of b unless ctx ends or the port is closed first; it
// returns how much was written. Bytes already handed to the kernel still go out
// unless the caller flushes them with ResetOutputBuffer.
func (p *Port) WriteContext(ctx context.Context, b []byte) (int, error) {
	p.use.RLock()
	defer p.use.RUnlock()
	n := 0
	for n < len(b) {
		if p.closed.Load() {
			return n, &Error{Op: "write", Port: p.name, Err: ErrPortClosed}
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := unix.Write(p.wfd, b[n:])
		if k > 0 {
			n += k
		}
		switch {
		case err == nil, err == unix.EINTR:
		case err == unix.EAGAIN:
			fds := []unix.PollFd{{Fd: int32(p.wfd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(fds, int(pollSlice/time.Millisecond)); err != nil && err != unix.EINTR {
				return n, &Error{Op: "write", Port: p.name, Err: err}
			}
		default:
			return n, &Error{Op: "write", Port: p.name, Err: err}
		}
	}
	return n, nil
}

// Close closes the port; writes waiting on it return ErrPortClosed.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	err := p.Port.Close()
	p.use.Lock() // writers notice closed within pollSlice
	defer p.use.Unlock()
	return errors.Join(err, unix.Close(p.wfd))
}
