package store

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianmin/kiosk/keyring"
	"bianmin/sync/wire"
)

var killLoops = flag.Int("killloops", 50, "kill -9 iterations in TestOutboxSurvivesKill9")

// TestOutboxKillChild is the child of TestOutboxSurvivesKill9: it appends
// records of every kind as fast as it can and prints "seq id" after each
// commit returns. It does nothing in a normal run.
func TestOutboxKillChild(t *testing.T) {
	dir := os.Getenv("BIANMIN_KILL_CHILD")
	if dir == "" {
		t.Skip("child process of TestOutboxSurvivesKill9")
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	keys, err := keyring.Load(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	db.SetSealer(keys)
	var kinds []string
	for k := range wire.Kinds {
		kinds = append(kinds, k)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		r, err := db.Append(ctx, kinds[i%len(kinds)], 1, map[string]any{"i": i, "phone": "13900001111"}, time.Now())
		if err != nil {
			fmt.Fprintln(out, "error", err)
			out.Flush()
			os.Exit(1)
		}
		fmt.Fprintf(out, "%d %s\n", r.Seq, r.ID)
		out.Flush() // the parent learns of a commit only after it returned
	}
}

// TestOutboxSurvivesKill9 kills a writing process at random moments. After
// every kill the database must pass integrity_check, hold every record whose
// commit was reported, and number them 1…n without gaps (SPEC §6).
func TestOutboxSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop")
	}
	dir := t.TempDir()
	acked := map[int64]string{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for it := 0; it < *killLoops; it++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BIANMIN_KILL_CHILD="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it commit a few records first, then kill at a random moment.
		first := <-lines
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		for _, l := range append([]string{first}, drain(lines)...) {
			var seq int64
			var id string
			if _, err := fmt.Sscanf(l, "%d %s", &seq, &id); err != nil {
				if strings.HasPrefix(l, "error") {
					t.Fatalf("iteration %d: child: %s", it, l)
				}
				continue // a line cut by the kill
			}
			acked[seq] = id
		}

		db, err := Open(context.Background(), filepath.Join(dir, "kiosk.db"))
		if err != nil {
			t.Fatalf("iteration %d: reopen: %v", it, err)
		}
		ok, err := db.IntegrityCheck(context.Background())
		if err != nil || ok != "ok" {
			t.Fatalf("iteration %d: integrity_check %q %v", it, ok, err)
		}
		rows, err := db.db.Query("SELECT seq, id FROM outbox ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		have := map[int64]string{}
		var n int64
		for rows.Next() {
			var seq int64
			var id string
			rows.Scan(&seq, &id)
			n++
			if seq != n {
				t.Fatalf("iteration %d: sequence gap: %d after %d", it, seq, n-1)
			}
			have[seq] = id
		}
		rows.Close()
		db.Close()
		for seq, id := range acked {
			if have[seq] != id {
				t.Fatalf("iteration %d: acknowledged record %d %s lost (have %q)", it, seq, id, have[seq])
			}
		}
	}
	if len(acked) < *killLoops {
		t.Fatalf("only %d records acknowledged over %d iterations", len(acked), *killLoops)
	}
	t.Logf("%d kills, %d acknowledged records, all present", *killLoops, len(acked))
}

func drain(c <-chan string) []string {
	var out []string
	for l := range c {
		out = append(out, l)
	}
	return out
}
