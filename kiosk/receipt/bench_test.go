package receipt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"bianmin/devices/printer"
	"bianmin/devices/sim"
)

// BenchmarkPrintChecklist prints the 一次性告知 checklist through the real driver
// to the simulator on a pty that takes bytes at the line's rate, and reports the
// bytes on the wire and elapsed ÷ wire time (bytes × 10 bits ÷ baud): 1.00 would
// be a link that never waits for anything but the wire.
func BenchmarkPrintChecklist(b *testing.B) {
	for _, baud := range []int{115200, 9600} {
		b.Run(fmt.Sprintf("baud=%d", baud), func(b *testing.B) {
			g := fixture(b)
			doc, err := Checklist(g, Letterhead{Office: "南岗区花园街道办事处"}, "https://office.example.cn/guides/"+g.ID, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			p := sim.NewPrinter()
			p.SetBaud(baud)
			dir := b.TempDir()
			bench, err := sim.Start(dir, p)
			if err != nil {
				b.Fatal(err)
			}
			defer bench.Close()
			drv, err := printer.Open(printer.Config{Port: filepath.Join(dir, "printer"), Baud: baud})
			if err != nil {
				b.Fatal(err)
			}
			defer drv.Close()
			ctx := context.Background()
			sent0 := p.Received()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := drv.Print(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			// Host → printer bytes (document and status requests). Replies come
			// back on the other wire of a full-duplex line, so they add latency
			// (counted in elapsed) but no wire time in this direction.
			wireBytes := p.Received() - sent0
			wire := time.Duration(wireBytes * 10 * int64(time.Second) / int64(baud))
			b.ReportMetric(float64(wireBytes)/float64(b.N), "wire-bytes/op")
			b.ReportMetric(float64(len(doc)), "doc-bytes")
			b.ReportMetric(elapsed.Seconds()/wire.Seconds(), "elapsed/wire")
		})
	}
}
