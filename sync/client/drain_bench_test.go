package client_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"bianmin/kiosk/store"
)

var drainRecords = flag.Int("drain.records", 100000, "backlog size for BenchmarkBacklogDrain")

// BenchmarkBacklogDrain: a kiosk back online with a backlog of records drains
// it through officed on loopback (batches of 500, signed, each batch one
// officed transaction). It reports records/s and the ratio to a raw SQLite
// insert of the same number of rows of the same size with the same pragmas on
// the same disk, both in one transaction (bulk) and one commit per 500 rows
// (what a batch costs at best).
func BenchmarkBacklogDrain(b *testing.B) {
	if testing.Short() {
		b.Skip("large backlog")
	}
	n := *drainRecords
	ctx := context.Background()
	rowSize := 200

	bulk, perBatch := rawInsertRates(b, n, rowSize)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		o := startOffice(b)
		k := enrollKiosk(b, o, http.DefaultTransport)
		k.syncer.BatchRecords, k.syncer.BatchBytes = 500, 1<<20
		err := k.db.Update(ctx, func(tx *store.Tx) error {
			for j := 0; j < n; j++ {
				if _, err := tx.Append(ctx, "ticket", 1, validTicket(j), time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sent, err := k.syncer.Push(ctx)
		total += time.Since(start)
		if err != nil || sent != n {
			b.Fatalf("drained %d of %d: %v", sent, n, err)
		}
		b.StopTimer()
		if c, _ := o.store.Counts(ctx); c.Records != n {
			b.Fatalf("officed holds %d records, want %d", c.Records, n)
		}
		b.StartTimer()
	}
	rate := float64(n*b.N) / total.Seconds()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(rate/bulk, "ratio-bulk")
	b.ReportMetric(rate/perBatch, "ratio-per-500")
}

// rawInsertRates inserts n rows of size bytes into a plain table, first in one
// transaction, then committing every 500 rows, and returns both rates.
func rawInsertRates(b *testing.B, n, size int) (bulk, perBatch float64) {
	b.Helper()
	dir := b.TempDir()
	db, err := sql.Open("sqlite3", store.DSN(filepath.Join(dir, "raw.db")))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE t (kiosk TEXT, id TEXT, data BLOB, PRIMARY KEY (kiosk, id))"); err != nil {
		b.Fatal(err)
	}
	blob := make([]byte, size)
	run := func(prefix string, per int) float64 {
		start := time.Now()
		for i := 0; i < n; i += per {
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			for j := i; j < min(n, i+per); j++ {
				if _, err := tx.Exec("INSERT INTO t VALUES ('K1', ?, ?)", fmt.Sprintf("%s-%036d", prefix, j), blob); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		return float64(n) / time.Since(start).Seconds()
	}
	return run("bulk", n), run("batch", 500)
}
