package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/office"
	"bianmin/office/cli"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/sync/wire"
)

// addrWriter takes officed's log, finds the listening address and discards
// the rest, so a long benchmark does not hold its log in memory.
type addrWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	addr chan string
	done bool
}

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.buf.Write(p)
		if m := listening.FindStringSubmatch(w.buf.String()); m != nil {
			w.done = true
			w.addr <- m[1]
			w.buf.Reset()
		}
	}
	return len(p), nil
}

// benchServe runs "officed serve" in-process, as production runs it (the
// same wiring, info-level request logs), on loopback over dir.
func benchServe(b *testing.B, dir string) string {
	b.Helper()
	w := &addrWriter{addr: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, cli.Env{Stdout: w, Stderr: w})
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case addr := <-w.addr:
		return "http://" + addr
	case code := <-done:
		b.Fatalf("serve exited with %d", code)
	case <-time.After(20 * time.Second):
		b.Fatal("serve did not start")
	}
	return ""
}

// enrollKiosks enrolls n simulated kiosks, sharing one HTTP transport with
// room for every kiosk's connection.
func enrollKiosks(b *testing.B, base, dir string, n int) []*officetest.Kiosk {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tr := &http.Transport{MaxIdleConns: n * 2, MaxIdleConnsPerHost: n * 2, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	httpc := &http.Client{Transport: tr, Timeout: time.Minute}
	kiosks := make([]*officetest.Kiosk, n)
	for i := range kiosks {
		code := office.NewEnrollCode()
		h, _ := office.HashEnrollCode(code)
		now := time.Now()
		if err := st.AddEnrollCode(ctx, office.EnrollCode{Hash: h, KioskName: fmt.Sprintf("bench %d", i), Created: now, Expires: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		k := officetest.NewKiosk(base)
		k.HTTP = httpc
		if resp, err := k.Enroll(ctx, code, ""); err != nil || resp.Status != 200 {
			b.Fatalf("enroll: %v %d", err, resp.Status)
		}
		kiosks[i] = k
	}
	return kiosks
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkKiosks200 runs 200 simulated kiosks against one officed on
// loopback. Each iteration, every kiosk concurrently sends 5 rounds of a
// heartbeat and a batch of 10 small records. Reported: records stored per
// second, p50 and p99 latency over all requests, and errors (any non-200).
func BenchmarkKiosks200(b *testing.B) {
	const nKiosks, rounds, batch = 200, 5, 10
	dir := b.TempDir()
	base := benchServe(b, dir)
	kiosks := enrollKiosks(b, base, dir, nKiosks)
	ctx := context.Background()

	var lat []time.Duration
	var records, errs int
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		for _, k := range kiosks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				stored, failed := 0, 0
				for r := 0; r < rounds; r++ {
					t0 := time.Now()
					resp, err := k.Heartbeat(ctx, wire.Heartbeat{AppVersion: "bench", QueueDepth: rounds - r})
					mine = append(mine, time.Since(t0))
					if err != nil || resp.Status != 200 {
						failed++
					}
					recs := k.Records(batch, 150)
					t0 = time.Now()
					ack, resp, err := k.Push(ctx, recs)
					mine = append(mine, time.Since(t0))
					if err != nil || resp.Status != 200 {
						failed++
					} else {
						stored += len(ack.Acked) - ack.Duplicates
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				records += stored
				errs += failed
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(errs), "errors")
	if errs > 0 {
		b.Errorf("%d requests failed", errs)
	}
}

// rawInsert inserts recs into a fresh SQLite file in dir with officed's
// pragmas and records table, in transactions of per rows, and returns how long
// it took: the physical limit officed's ingest is measured against.
func rawInsert(b *testing.B, dir string, recs []wire.Record, per int) time.Duration {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("raw-%d.db", time.Now().UnixNano()))
	db, err := sql.Open("sqlite3", sqlite.DSN(path, "immediate"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE records (
		kiosk_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
		schema INTEGER NOT NULL, created TEXT NOT NULL, data TEXT NOT NULL, received_at TEXT NOT NULL,
		PRIMARY KEY (kiosk_id, id)) WITHOUT ROWID;
		CREATE INDEX records_seq ON records (kiosk_id, seq)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < len(recs); i += per {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.Prepare("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			b.Fatal(err)
		}
		received := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
		for _, r := range recs[i:min(i+per, len(recs))] {
			if _, err := stmt.Exec("Kbench", r.ID, r.Seq, r.Kind, r.Schema, r.Created.UTC().Format(time.RFC3339Nano), string(r.Data), received); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// BenchmarkBacklogDrain pushes a backlog of 100 000 records in batches of 500
// from one kiosk through officed on loopback (signed requests, strict
// decoding, idempotent inserts, one durable commit per batch) and, in the
// same iteration on the same disk, inserts the same rows into a bare SQLite
// file with the same pragmas and the same commit per 500 rows. The ratio
// officed/raw is the share of the physical limit officed reaches.
func BenchmarkBacklogDrain(b *testing.B) {
	const total, per = 100_000, wire.MaxBatch
	dir := b.TempDir()
	base := benchServe(b, dir)
	k := enrollKiosks(b, base, dir, 1)[0]
	ctx := context.Background()
	var officedTime, rawTime, rawOneTx time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		recs := k.Records(total, 200)
		bodies := make([][]byte, 0, total/per)
		for j := 0; j < total; j += per {
			body, err := json.Marshal(wire.Batch{Records: recs[j:min(j+per, total)]})
			if err != nil {
				b.Fatal(err)
			}
			bodies = append(bodies, body)
		}
		b.StartTimer()

		start := time.Now()
		for _, body := range bodies {
			resp, err := k.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			if err != nil || resp.Status != 200 {
				b.Fatalf("push: %v %d %s", err, resp.Status, resp.Body)
			}
		}
		officedTime += time.Since(start)
		rawTime += rawInsert(b, dir, recs, per)
		rawOneTx += rawInsert(b, dir, recs, total)
	}
	b.StopTimer()
	n := float64(total * b.N)
	b.ReportMetric(n/officedTime.Seconds(), "officed-records/s")
	b.ReportMetric(n/rawTime.Seconds(), "raw-500-records/s")
	b.ReportMetric(n/rawOneTx.Seconds(), "raw-1tx-records/s")
	b.ReportMetric(rawTime.Seconds()/officedTime.Seconds(), "officed/raw")
}
