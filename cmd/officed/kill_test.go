package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/sync/wire"
)

var kills = flag.Int("officed.kills", 9, "how many times TestKillMidBatch stops officed (SIGKILL, every third time SIGTERM)")

// officed is one running officed serve process.
type officed struct {
	cmd    *exec.Cmd
	addr   string
	exited chan error
	logs   *lockedBuffer
}

// startOfficed runs "officed serve" on a free loopback port over dir.
func startOfficed(t *testing.T, bin, dir string) *officed {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-format", "json")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	o := &officed{cmd: cmd, exited: make(chan error, 1), logs: &lockedBuffer{}}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			o.logs.add(sc.Text())
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addrc <- line.Addr
			}
		}
		o.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case o.addr = <-addrc:
		return o
	case err := <-o.exited:
		t.Fatalf("officed exited before listening: %v\n%s", err, o.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("officed not listening after 20s:\n%s", o.logs.String())
	}
	return nil
}

// pusher is one simulated kiosk with its whole backlog.
type pusher struct {
	k     *officetest.Kiosk
	all   []wire.Record
	acked map[string]bool

	mu       sync.Mutex
	inFlight bool
	tried    [][]string // ids of every batch sent since the last restart
}

// push sends batches of 500 until a request fails (officed died): first the
// records not yet acknowledged, then, to keep officed busy until the kill,
// acknowledged ones again.
func (p *pusher) push(ctx context.Context, rng *rand.Rand) {
	for round := 0; ctx.Err() == nil; round++ {
		var batch []wire.Record
		for _, r := range p.all {
			if !p.acked[r.ID] {
				batch = append(batch, r)
				if len(batch) == wire.MaxBatch {
					break
				}
			}
		}
		if len(batch) == 0 {
			start := rng.IntN(len(p.all) - wire.MaxBatch)
			batch = p.all[start : start+wire.MaxBatch]
		}
		ids := make([]string, len(batch))
		for i, r := range batch {
			ids[i] = r.ID
		}
		p.mu.Lock()
		p.inFlight = true
		p.tried = append(p.tried, ids)
		p.mu.Unlock()
		ack, resp, err := p.k.Push(ctx, batch)
		p.mu.Lock()
		p.inFlight = false
		p.mu.Unlock()
		if err != nil || resp.Status != 200 {
			return
		}
		for _, id := range ack.Acked {
			p.acked[id] = true
		}
	}
}

// verify opens the database officed left behind and checks it: integrity,
// every acknowledged record present, and every batch either wholly stored or
// not at all.
func verify(t *testing.T, dbPath string, ps []*pusher) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.Pragma(ctx, "integrity_check"); err != nil || v != "ok" {
		t.Fatalf("integrity_check = %q, %v", v, err)
	}
	for _, p := range ps {
		recs, err := st.Records(ctx, office.RecordFilter{KioskID: p.k.ID})
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, r := range recs {
			if have[r.Record.ID] {
				t.Errorf("record %s stored twice", r.Record.ID)
			}
			have[r.Record.ID] = true
		}
		for id := range p.acked {
			if !have[id] {
				t.Errorf("kiosk %s: acknowledged record %s lost", p.k.ID, id)
			}
		}
		for _, ids := range p.tried {
			n := 0
			for _, id := range ids {
				if have[id] {
					n++
				}
			}
			if n != 0 && n != len(ids) {
				t.Errorf("kiosk %s: a batch of %d is stored in part (%d records)", p.k.ID, len(ids), n)
			}
		}
		p.tried = nil
	}
}

// TestKillMidBatch kills officed with SIGKILL (every third time SIGTERM) at
// random moments while kiosks push large batches concurrently, restarts it,
// and finally has every kiosk push its whole backlog again: every record then
// exists exactly once. After each stop the database is checked offline (see
// verify). Run with -officed.kills=N for more rounds.
func TestKillMidBatch(t *testing.T) {
	bin := build(t)
	dir := filepath.Join(t.TempDir(), "data")
	dbPath := filepath.Join(dir, sqlite.FileName)
	const nKiosks, perKiosk = 4, 2000

	var codes []string
	for i := 0; i < nKiosks; i++ {
		out, err := exec.Command(bin, "enroll-code", "--data", dir, "--kiosk", "crash test "+string(rune('A'+i))).Output()
		if err != nil {
			t.Fatalf("enroll-code: %v", err)
		}
		codes = append(codes, strings.TrimSpace(string(out)))
	}
	srv := startOfficed(t, bin, dir)
	var ps []*pusher
	for _, code := range codes {
		k := officetest.NewKiosk("http://" + srv.addr)
		if resp, err := k.Enroll(context.Background(), code, ""); err != nil || resp.Status != 200 {
			t.Fatalf("enroll: %v %d %s", err, resp.Status, resp.Body)
		}
		// ~1.5 KB of data each: a batch of 500 is most of wire.MaxBodyBytes.
		ps = append(ps, &pusher{k: k, all: k.Records(perKiosk, 1500), acked: map[string]bool{}})
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	midBatch := 0
	for i := 0; i < *kills; i++ {
		if i > 0 {
			srv = startOfficed(t, bin, dir)
		}
		var wg sync.WaitGroup
		for j, p := range ps {
			p.k.Base = "http://" + srv.addr
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.push(context.Background(), rand.New(rand.NewPCG(uint64(i), uint64(j))))
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(600)) * time.Millisecond)
		inFlight := 0
		for _, p := range ps {
			p.mu.Lock()
			if p.inFlight {
				inFlight++
			}
			p.mu.Unlock()
		}
		// Every third stop is graceful: the batches in flight must then be
		// answered, and officed must exit 0.
		sig := syscall.SIGKILL
		if i%3 == 2 {
			sig = syscall.SIGTERM
		}
		if err := srv.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		err := <-srv.exited
		if sig == syscall.SIGTERM && err != nil {
			t.Errorf("officed after SIGTERM: %v\n%s", err, srv.logs.String())
		}
		wg.Wait()
		if inFlight > 0 {
			midBatch++
		}
		verify(t, dbPath, ps)
		if t.Failed() {
			t.Fatalf("after kill %d:\n%s", i+1, srv.logs.String())
		}
	}
	if *kills > 0 && midBatch < (*kills+1)/2 {
		t.Errorf("only %d of %d kills hit a batch in flight: the test is not testing what it says", midBatch, *kills)
	}

	// Quiescence: every kiosk sends its whole backlog once more.
	srv = startOfficed(t, bin, dir)
	ctx := context.Background()
	for _, p := range ps {
		p.k.Base = "http://" + srv.addr
		for start := 0; start < len(p.all); start += wire.MaxBatch {
			batch := p.all[start:min(start+wire.MaxBatch, len(p.all))]
			ack, resp, err := p.k.Push(ctx, batch)
			if err != nil || resp.Status != 200 || len(ack.Acked) != len(batch) {
				t.Fatalf("final push: %v %d %s", err, resp.Status, resp.Body)
			}
			for _, id := range ack.Acked {
				p.acked[id] = true
			}
		}
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-srv.exited; err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("officed exit after SIGTERM: %v", err)
		}
	}
	verify(t, dbPath, ps)
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, _ := st.Counts(ctx)
	if c.Records != nKiosks*perKiosk {
		t.Errorf("%d records stored, want exactly %d", c.Records, nKiosks*perKiosk)
	}
	t.Logf("%d kills, %d with a batch in flight; %d records, each once", *kills, midBatch, c.Records)
}
