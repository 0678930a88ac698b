package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"bianmin/kiosk/keyring"
)

// BenchmarkEnqueue measures durable outbox appends (one immediate transaction
// each, sealed, synchronous=FULL) against the raw rate of single-row commits
// into a plain table with the same pragmas on the same disk, measured in the
// same run. The ratio is the cost of the outbox over what the disk allows.
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	raw, err := sql.Open("sqlite3", DSN(filepath.Join(dir, "raw.db")))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	if _, err := raw.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)"); err != nil {
		b.Fatal(err)
	}
	db, err := Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	keys, err := keyring.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	db.SetSealer(keys)
	payload := map[string]any{"category": "供水", "community": "花园社区", "phone": "13800000000", "phrases": []string{"家中无水"}}
	blob := make([]byte, 160) // about the sealed size of payload

	const n = 300
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := raw.Exec("INSERT INTO t (data) VALUES (?)", blob); err != nil {
			b.Fatal(err)
		}
	}
	rawRate := n / time.Since(start).Seconds()

	// One op is 100 appends, each its own transaction, so even -benchtime 3x
	// measures enough commits to compare with the raw rate.
	const perOp = 100
	b.ResetTimer()
	start = time.Now()
	for i := 0; i < b.N; i++ {
		for j := 0; j < perOp; j++ {
			if _, err := db.Append(ctx, "ticket", 1, payload, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
	rate := float64(b.N*perOp) / time.Since(start).Seconds()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(rawRate, "raw-commits/s")
	b.ReportMetric(rate/rawRate, "ratio")
}
