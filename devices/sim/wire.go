package sim

import (
	"io"
	"sync"
	"time"
)

// Pace wraps a device's connection so bytes move no faster than an 8N1 line at
// baud (10 bits a byte), in each direction on its own clock as on a full-duplex
// RS-232 link. A pty moves bytes at memory speed; benchmarks that compare with
// wire time and tests of timeouts need the real rate. baud <= 0 returns rw.
func Pace(rw io.ReadWriter, baud int) io.ReadWriter {
	if baud <= 0 {
		return rw
	}
	return &paced{rw: rw, perByte: 10 * time.Second / time.Duration(baud), chunk: max(1, baud/1000)}
}

type paced struct {
	rw      io.ReadWriter
	perByte time.Duration
	chunk   int // about 10 ms of wire

	rmu, wmu   sync.Mutex
	rdue, wdue time.Time
}

// Read delivers at most one chunk, then waits until the wire would have
// carried it.
func (p *paced) Read(b []byte) (int, error) {
	if len(b) > p.chunk {
		b = b[:p.chunk]
	}
	n, err := p.rw.Read(b)
	p.rmu.Lock()
	p.rdue = wait(p.rdue, n, p.perByte)
	p.rmu.Unlock()
	return n, err
}

// Write sends chunk by chunk at the line's rate.
func (p *paced) Write(b []byte) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	written := 0
	for len(b) > 0 {
		c := b[:min(len(b), p.chunk)]
		p.wdue = wait(p.wdue, len(c), p.perByte)
		n, err := p.rw.Write(c)
		written += n
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

// wait sleeps until n more bytes after due (or after now, if the line was idle)
// have crossed the wire, and returns the new due time.
func wait(due time.Time, n int, perByte time.Duration) time.Time {
	now := time.Now()
	if due.Before(now) {
		due = now
	}
	due = due.Add(time.Duration(n) * perByte)
	time.Sleep(time.Until(due))
	return due
}
