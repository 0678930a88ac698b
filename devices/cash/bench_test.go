package cash

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"bianmin/devices/cctalk"
	"bianmin/devices/sim"
)

type discard struct{}

func (discard) Credit(context.Context, Credit) error { return nil }
func (discard) Event(context.Context, Event)         {}

// BenchmarkPollRoundTrip measures read-buffered-bill-events round trips at
// 9600 baud against the simulator paced like the wire, and divides the rate
// by the wire limit. One poll puts 5 bytes on the line (28 00 01 9F 38; the
// echo the host reads back is those same bytes on the single wire, not more
// line time) and 16 bytes of reply (5 of framing, 11 of buffer): 21 bytes of
// 10 bits, 21.875 ms, so at most 45.7 polls a second.
func BenchmarkPollRoundTrip(b *testing.B) {
	const baud = 9600
	dir := b.TempDir()
	c := sim.NewCash()
	c.SetBaud(baud)
	bench, err := sim.Start(dir, c)
	if err != nil {
		b.Fatal(err)
	}
	defer bench.Close()
	d, err := Open(Config{Port: filepath.Join(dir, "cash"), Baud: baud, Echo: true, Sink: discard{}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	// Hold the port so the driver's own poll loop stays out of the way.
	if err := d.acquire(ctx); err != nil {
		b.Fatal(err)
	}
	defer d.release()
	bill := d.units[0]
	poll := func() {
		f, err := d.exchange(ctx, bill, cctalk.HeaderReadBillEvents, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Data) != cctalk.BufferLen {
			b.Fatalf("reply of %d bytes", len(f.Data))
		}
	}
	poll() // the first one pays for waking the simulator up

	const perOp = 20 // polls per iteration: `make bench` runs 3 iterations
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for range perOp {
			poll()
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()

	request, reply := 5, 5+cctalk.BufferLen
	limit := 1 / wireTime(request+reply, baud).Seconds()
	rate := float64(b.N*perOp) / elapsed.Seconds()
	b.ReportMetric(rate, "polls/s")
	b.ReportMetric(limit, "wire-limit-polls/s")
	b.ReportMetric(rate/limit, "ratio")
}
