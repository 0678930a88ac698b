// Package simtest is the test rig of the device drivers and of the tools
// that drive them: the simulators of devices/sim on real ptys in a test's
// directory, a settable clock for backoffs and timeouts, and checks of what
// a driver leaves on its port. Everything it starts ends with the test.
package simtest

import (
	"context"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"bianmin/devices/serialport"
	"bianmin/devices/sim"
)

// Clock is a settable clock for drivers' backoffs and timeouts: it moves
// only when the test advances it, so tests step through a backoff without
// sleeping. It is safe for concurrent use.
type Clock struct{ t atomic.Int64 }

// Epoch is where the drivers' tests start their clocks: any fixed instant
// will do, as long as no test depends on the host's.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock {
	c := &Clock{}
	c.t.Store(start.UnixNano())
	return c
}

// Now is the clock's time; pass it as a driver's Config.Now.
func (c *Clock) Now() time.Time { return time.Unix(0, c.t.Load()) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

// Start runs devices on ptys linked in dir (sim.Start), with the control
// socket beside them; the bench closes when the test ends.
func Start(t testing.TB, dir string, devices ...sim.Device) *sim.Bench {
	t.Helper()
	b, err := sim.Start(dir, devices...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Do sends a control event to the bench, as `kioskctl sim ctl` would, and
// returns the reply; a refused event fails the test.
func Do(t testing.TB, b *sim.Bench, words ...string) string {
	t.Helper()
	reply, err := b.Do(words...)
	if err != nil {
		t.Fatalf("%v: %v", words, err)
	}
	return reply
}

// Open opens a driver with open(cfg) (a driver package's Open) and closes
// it when the test ends; failing to open fails the test.
func Open[C any, D io.Closer](t testing.TB, open func(C) (D, error), cfg C) D {
	t.Helper()
	d, err := open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Context returns a context that ends after d, or when the test ends.
func Context(t testing.TB, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// OpenFDs counts this process's descriptors open on path, so a test can
// tell whether a driver left its port open; it skips the test where there
// is no /proc.
func OpenFDs(t testing.TB, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc")
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == path {
			n++
		}
	}
	return n
}

// WantFlow fails the test unless the tty behind port is set to flow control
// f: what the driver asked for reached the line, not just its config.
func WantFlow(t testing.TB, port string, f serialport.Flow) {
	t.Helper()
	if got, err := serialport.FlowOf(port); err != nil || got != f {
		t.Errorf("flow control on %s = %v, %v; want %v", port, got, err, f)
	}
}
