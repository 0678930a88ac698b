package kiosk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/sim"
	"bianmin/kiosk"
	"bianmin/kiosk/demo"
	"bianmin/kiosk/store"
)

// TestPaymentKillChild is the kiosk process TestPaymentSurvivesKill9 kills:
// it opens a cash payment on the simulators of BIANMIN_PAY_DEVICES and
// reports "open RECEIPT", then "paid FEN" after every credit journaled. It
// does nothing in a normal run.
func TestPaymentKillChild(t *testing.T) {
	dir := os.Getenv("BIANMIN_PAY_CHILD")
	if dir == "" {
		t.Skip("child process of TestPaymentSurvivesKill9")
	}
	// The parent holds our stdin open and never writes: EOF means it is gone
	// (killed, or its test timed out), and an orphaned child would keep the
	// test run waiting on our stdout forever.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	ctx := context.Background()
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(1)
	}
	rt, err := kiosk.Open(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fail(err)
	}
	if err := demo.Point(rt, os.Getenv("BIANMIN_PAY_DEVICES")); err != nil {
		fail(err)
	}
	paid := make(chan int64, 16)
	p, err := rt.OpenCash(ctx, kiosk.Order{Biller: "heating", Account: "1200345678", Period: "2026-2027采暖季", DueFen: 10000},
		func(u kiosk.CashUpdate) {
			if u.Fault == nil {
				paid <- u.PaidFen
			}
		})
	if err != nil {
		fail(err)
	}
	fmt.Println("open", p.Receipt())
	for n := range paid {
		fmt.Println("paid", n) // after the credit is on disk
	}
}

// TestPaymentSurvivesKill9: the kiosk is killed in the middle of a cash
// payment, after a note is journaled and with another just stacked (its
// credit journaled or not: the kill comes at a varying moment; in one case
// the validator stops answering the moment the note is stacked, so its
// credit is certainly only in the validator's event buffer). The next
// start credits what the validator's buffer still holds exactly once, prints
// the voucher 已收款 X 元，业务未完成，请到窗口处理 and queues one
// payment.incomplete record; the credited sum equals the notes stacked, and
// a second recovery changes nothing.
func TestPaymentSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9")
	}
	for i, delay := range []time.Duration{-1, 0, 2 * time.Millisecond, 30 * time.Millisecond, 300 * time.Millisecond} {
		name := fmt.Sprint("kill after ", delay)
		if delay < 0 {
			name = "credit only in the validator's buffer"
		}
		t.Run(name, func(t *testing.T) {
			killMidPayment(t, i, delay)
		})
	}
}

func killMidPayment(t *testing.T, i int, delay time.Duration) {
	dir := t.TempDir()
	devs := filepath.Join(dir, "devices")
	prn, cash := sim.NewPrinter(), sim.NewCash()
	bench, err := sim.Start(devs, prn, sim.NewIDCard(), cash, sim.NewScanner())
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	data := filepath.Join(dir, "kiosk")

	cmd := exec.Command(os.Args[0], "-test.run=^TestPaymentKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BIANMIN_PAY_CHILD="+data, "BIANMIN_PAY_DEVICES="+devs)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	alive, err := cmd.StdinPipe() // closed when this process ends: the child then exits
	if err != nil {
		t.Fatal(err)
	}
	defer alive.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	want := func(prefix string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok || !strings.HasPrefix(l, prefix) {
				t.Fatalf("child said %q, want %q…", l, prefix)
			}
			return strings.TrimPrefix(l, prefix)
		case <-time.After(20 * time.Second):
			t.Fatalf("child never said %q", prefix)
		}
		return ""
	}
	receipt := want("open ")
	insert := func(fen int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			if bill, _ := cash.Accepting(); bill {
				if _, err := cash.Bill(fen); err == nil {
					return
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("the validator never took a note: %s", cash.State())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	insert(2000)
	if got := want("paid "); got != "2000" {
		t.Fatalf("child credited %s", got)
	}
	insert(5000)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Wait's condition runs under the simulator's lock: poll Totals instead.
	for cash.Totals().Stacked != 7000 {
		if ctx.Err() != nil {
			t.Fatalf("the second note was never stacked: %s", cash.State())
		}
		time.Sleep(time.Millisecond)
	}
	if delay < 0 {
		cash.SetMute(true) // the driver never hears of the stack
	} else {
		time.Sleep(delay)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	cash.SetMute(false)
	journaled := false
	for l := range lines {
		journaled = journaled || l == "paid 7000"
	}
	if delay < 0 && journaled {
		t.Fatal("the child journaled a credit the validator was muted before reporting")
	}

	// The next start.
	rt, err := kiosk.Open(context.Background(), data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := demo.Point(rt, devs); err != nil {
		t.Fatal(err)
	}
	if err := rt.RecoverPayments(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := prn.WaitText(ctx, receipt); err != nil {
		t.Fatalf("no voucher printed (%v); printed:\n%s", err, prn.Text())
	}
	text := strings.Join(strings.Fields(prn.Text()), "")
	if !strings.Contains(text, "已收款70.00元，业务未完成，请到窗口处理") {
		t.Errorf("voucher:\n%s", prn.Text())
	}
	box, err := rt.DB.CashBox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stacked := int64(cash.Totals().Stacked); box.TotalFen != stacked || box.Notes != 2 {
		t.Errorf("journal holds %d 分 in %d notes, the validator stacked %d", box.TotalFen, box.Notes, stacked)
	}
	incomplete := func() []bianmin.PaymentIncomplete {
		recs, err := rt.DB.Pending(context.Background(), 100, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var out []bianmin.PaymentIncomplete
		for _, r := range recs {
			if r.Kind == bianmin.KindPaymentIncomplete {
				var d bianmin.PaymentIncomplete
				json.Unmarshal(r.Data, &d)
				out = append(out, d)
			}
		}
		return out
	}
	got := incomplete()
	if len(got) != 1 || got[0].Receipt != receipt || got[0].PaidFen != 7000 || got[0].Biller != "heating" {
		t.Fatalf("payment.incomplete records %+v", got)
	}
	if due, _ := rt.DB.DueVouchers(context.Background()); len(due) != 0 {
		t.Errorf("vouchers still due after printing: %v", due)
	}
	// Starting again finds nothing left to settle.
	if err := rt.RecoverPayments(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(incomplete()); n != 1 {
		t.Errorf("a second recovery queued %d incomplete payments", n)
	}
	if open, _ := rt.DB.Payments(context.Background(), store.PaymentOpen); len(open) != 0 {
		t.Errorf("payments still open: %v", open)
	}
	t.Logf("iteration %d: killed %v after the stack (second note journaled before the kill: %v), %d 分 credited once",
		i, delay, journaled, box.TotalFen)
}
