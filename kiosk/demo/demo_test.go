package demo

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/devices/sim"
	"bianmin/kiosk"
)

func TestWireStartsOrReusesSimulators(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt, err := kiosk.Open(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	dir := t.TempDir()

	stop, err := Wire(ctx, rt, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.Config().Printer.Port; got != filepath.Join(dir, "printer") {
		t.Errorf("printer port %q", got)
	}
	if err := rt.Printer.Ready(ctx); err != nil {
		t.Fatalf("the wired printer is not ready: %v", err)
	}
	if _, err := sim.Control(dir, "card-insert"); err != nil {
		t.Fatal(err)
	}
	if card, err := rt.IDReader.Read(ctx); err != nil || card.IDNumber == "" {
		t.Fatalf("the wired ID-card reader: %v", err)
	}
	if st, err := rt.Scanner.Status(ctx); err != nil || !st.Connected {
		t.Fatalf("the wired scanner: %+v %v", st, err)
	}
	// The technician's note test: a bill is recognised and returned, nothing kept.
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	var lines []string
	var mu sync.Mutex
	go func() {
		time.Sleep(500 * time.Millisecond)
		sim.Control(dir, "bill", "2000")
	}()
	if err := rt.Cash.Test(tctx, func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }); err != nil {
		t.Fatalf("cash test: %v", err)
	}
	cancel()
	mu.Lock()
	got := strings.Join(lines, "\n")
	mu.Unlock()
	if !strings.Contains(got, "escrow") || !strings.Contains(got, "returned") || strings.Contains(got, "credit") {
		t.Errorf("cash test events:\n%s", got)
	}
	if reply, err := sim.Control(dir, "status"); err != nil {
		t.Fatalf("no control socket after Wire: %v", err)
	} else if reply == "" {
		t.Error("empty status")
	}

	// A second kiosk on the same directory uses the running simulators.
	rt2, err := kiosk.Open(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer rt2.Close()
	stop2, err := Wire(ctx, rt2, dir, log)
	if err != nil {
		t.Fatalf("second Wire: %v", err)
	}
	stop2()
	if _, err := sim.Control(dir, "status"); err != nil {
		t.Error("stopping the second kiosk's wiring stopped simulators it did not start")
	}
	found := false
	for _, p := range rt.Ports() {
		found = found || p == filepath.Join(dir, "printer")
	}
	if !found {
		t.Errorf("the technician's port list %v lacks the simulator link", rt.Ports())
	}
	stop()
	if _, err := sim.Control(dir, "status"); err == nil {
		t.Error("simulators still answer after stop")
	}
}
