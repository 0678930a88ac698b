package kiosk_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/devices/sim"
	"bianmin/kiosk"
	"bianmin/kiosk/demo"
	"bianmin/kiosk/store"
)

// TestVoucherWaitsForThePrinter: a payment left open with money in it is
// closed at the next start even with the printer out of paper; its voucher
// stays due and prints once the paper is back, once.
func TestVoucherWaitsForThePrinter(t *testing.T) {
	dir := t.TempDir()
	devs := filepath.Join(dir, "devices")
	prn, cash := sim.NewPrinter(), sim.NewCash()
	bench, err := sim.Start(devs, prn, sim.NewIDCard(), cash, sim.NewScanner())
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	open := func() *kiosk.Runtime {
		rt, err := kiosk.Open(ctx, filepath.Join(dir, "kiosk"), log)
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Point(rt, devs); err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := open()
	paid := make(chan int64, 4)
	p, err := rt.OpenCash(ctx, kiosk.Order{Biller: "water", Account: "W-0042", DueFen: 2550}, func(u kiosk.CashUpdate) { paid <- u.PaidFen })
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := cash.Bill(1000); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no note taken: %s", cash.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for n := range paid {
		if n == 1000 {
			break
		}
	}
	rt.Close() // the power goes: the payment stays open in the journal

	prn.SetPaper(sim.PaperEnd)
	rt = open()
	defer rt.Close()
	if err := rt.RecoverPayments(ctx); err != nil {
		t.Fatal(err)
	}
	due, _ := rt.DB.DueVouchers(ctx)
	if len(due) != 1 || due[0].Receipt != p.Receipt() || due[0].PaidFen != 1000 || due[0].State != store.PaymentIncomplete {
		t.Fatalf("vouchers due with the paper out: %+v", due)
	}
	if strings.Contains(prn.Text(), p.Receipt()) {
		t.Fatal("a voucher printed with the paper out")
	}
	prn.SetPaper(sim.PaperOK)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go rt.RunPayments(rctx)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := prn.WaitText(wctx, p.Receipt()); err != nil {
		t.Fatalf("the voucher never printed: %v", err)
	}
	if !strings.Contains(strings.Join(strings.Fields(prn.Text()), ""), "已收款10.00元，业务未完成，请到窗口处理") {
		t.Errorf("voucher:\n%s", prn.Text())
	}
	for time.Now().Before(deadline.Add(10 * time.Second)) {
		if due, _ := rt.DB.DueVouchers(ctx); len(due) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if due, _ := rt.DB.DueVouchers(ctx); len(due) != 0 {
		t.Errorf("still due after printing: %v", due)
	}
}
