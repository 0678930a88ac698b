package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

var payDay = time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)

// queued returns the pending records of kind, decoded.
func queued(t *testing.T, db *DB, kind string) []wire.Record {
	t.Helper()
	recs, err := db.Pending(context.Background(), 1000, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Record
	for _, r := range recs {
		if r.Kind == kind {
			if _, err := bianmin.DecodeRecord(r.Kind, r.Data); err != nil {
				t.Fatalf("queued %s does not decode: %v", kind, err)
			}
			out = append(out, r)
		}
	}
	return out
}

func cashFill(jp JournalPayment) bianmin.Payment {
	return bianmin.Payment{Receipt: jp.Receipt, Biller: jp.Biller, Account: jp.Account, Period: jp.Period, DueFen: jp.DueFen,
		PaidFen: jp.PaidFen, Credit: jp.PaidFen - jp.DueFen, Method: bianmin.MethodCash, Notes: jp.Notes, Offline: jp.Offline}
}

func TestCashPaymentJournal(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	receipt, err := db.OpenPayment(ctx, OpenPayment{Method: JournalCash, Biller: "water", Account: "W-0042", Period: "2026年10月", DueFen: 2550}, "483920", payDay)
	if err != nil {
		t.Fatal(err)
	}
	if receipt != "P20261125-483920-0001" {
		t.Errorf("receipt %q", receipt)
	}
	if _, err := db.OpenPayment(ctx, OpenPayment{Method: JournalMobile, Biller: "water", Account: "W-0042", DueFen: 1}, "483920", payDay); !errors.Is(err, ErrPaymentOpen) {
		t.Fatalf("a second open payment: %v", err)
	}
	at := payDay.Add(time.Second)
	c1 := CashCredit{Device: "bill", Counter: 7, Type: 4, Amount: 2000, At: at}
	got, err := db.Credit(ctx, c1, "483920", payDay)
	if err != nil || got.Receipt != receipt || got.PaidFen != 2000 || got.Stray || got.Repeat {
		t.Fatalf("credit: %+v %v", got, err)
	}
	// The driver offers the same credit again after a commit it did not hear of.
	if got, err := db.Credit(ctx, c1, "483920", payDay); err != nil || !got.Repeat || got.PaidFen != 2000 {
		t.Fatalf("repeat: %+v %v", got, err)
	}
	if _, _, err := db.CompletePayment(ctx, receipt, payDay, cashFill, nil); !errors.Is(err, ErrPaymentShort) {
		t.Fatalf("completing 20 of 25.50 元: %v", err)
	}
	if len(queued(t, db, bianmin.KindPayment)) != 0 {
		t.Fatal("a short payment queued a record")
	}
	if _, err := db.Credit(ctx, CashCredit{Device: "coin", Counter: 3, Type: 2, Amount: 50, At: at}, "483920", payDay); err != nil {
		t.Fatal(err)
	}
	got, err = db.Credit(ctx, CashCredit{Device: "bill", Counter: 8, Type: 2, Amount: 500, At: at.Add(time.Second)}, "483920", payDay)
	if err != nil || got.PaidFen != 2550 {
		t.Fatalf("third credit: %+v %v", got, err)
	}
	finished := false
	p, rec, err := db.CompletePayment(ctx, receipt, payDay, cashFill, func(tx *Tx, p bianmin.Payment) error {
		finished = p.Receipt == receipt
		return nil
	})
	if err != nil || !finished {
		t.Fatalf("complete: %v (finish ran: %v)", err, finished)
	}
	if p.PaidFen != 2550 || p.Credit != 0 || len(p.Notes) != 3 || p.Notes[1] != 50 {
		t.Errorf("payment %+v", p)
	}
	recs := queued(t, db, bianmin.KindPayment)
	if len(recs) != 1 || recs[0].ID != rec.ID {
		t.Fatalf("queued payments %v", recs)
	}
	if _, _, err := db.CompletePayment(ctx, receipt, payDay, cashFill, nil); !errors.Is(err, ErrPaymentClosed) {
		t.Fatalf("completing twice: %v", err)
	}
	resume, err := db.CashResume(ctx)
	if err != nil || resume["bill"] != 8 || resume["coin"] != 3 {
		t.Fatalf("resume %v %v", resume, err)
	}
	box, _ := db.CashBox(ctx)
	if box.Notes != 2 || box.Coins != 1 || box.TotalFen != 2550 || box.ByValue["2000"] != 1 {
		t.Errorf("cash box %+v", box)
	}
}

func TestFinishErrorKeepsPaymentOpen(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	receipt, _ := db.OpenPayment(ctx, OpenPayment{Method: JournalCash, Biller: "tempid", Account: "A20261125", DueFen: 1000}, "483920", payDay)
	db.Credit(ctx, CashCredit{Device: "bill", Counter: 1, Type: 3, Amount: 1000, At: payDay}, "483920", payDay)
	boom := errors.New("application refused")
	if _, _, err := db.CompletePayment(ctx, receipt, payDay, cashFill, func(*Tx, bianmin.Payment) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("finish error: %v", err)
	}
	p, _ := db.Payment(ctx, receipt)
	if p.State != PaymentOpen || len(queued(t, db, bianmin.KindPayment)) != 0 {
		t.Fatalf("after a failed finish: state %s", p.State)
	}
}

func TestStrayCreditGetsVoucher(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	got, err := db.Credit(ctx, CashCredit{Device: "coin", Counter: 1, Type: 3, Amount: 100, At: payDay}, "483920", payDay)
	if err != nil || !got.Stray || got.PaidFen != 100 {
		t.Fatalf("stray credit: %+v %v", got, err)
	}
	due, _ := db.DueVouchers(ctx)
	if len(due) != 1 || due[0].Receipt != got.Receipt || due[0].Reason != StrayReason || due[0].PaidFen != 100 {
		t.Fatalf("vouchers due %+v", due)
	}
	inc := queued(t, db, bianmin.KindPaymentIncomplete)
	var d bianmin.PaymentIncomplete
	if len(inc) != 1 || json.Unmarshal(inc[0].Data, &d) != nil || d.PaidFen != 100 || d.Receipt != got.Receipt {
		t.Fatalf("incomplete records %v", inc)
	}
	if err := db.VoucherPrinted(ctx, got.Receipt); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueVouchers(ctx); len(due) != 0 {
		t.Errorf("voucher still due after printing: %v", due)
	}
	// A stray credit does not block the next payment.
	if _, err := db.OpenPayment(ctx, OpenPayment{Method: JournalCash, Biller: "gas", Account: "G1234", DueFen: 100}, "483920", payDay); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverPayments(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	cash, _ := db.OpenPayment(ctx, OpenPayment{Method: JournalCash, Biller: "heating", Account: "1200345678", DueFen: 300000}, "483920", payDay)
	db.Credit(ctx, CashCredit{Device: "bill", Counter: 9, Type: 6, Amount: 10000, At: payDay}, "483920", payDay)
	got, err := db.RecoverPayments(ctx, "kiosk restarted during the payment", payDay)
	if err != nil || len(got) != 1 || got[0].State != PaymentIncomplete || got[0].Voucher != "due" || got[0].PaidFen != 10000 {
		t.Fatalf("recover: %+v %v", got, err)
	}
	// Twice: nothing more is queued.
	if got, err := db.RecoverPayments(ctx, "again", payDay); err != nil || len(got) != 0 {
		t.Fatalf("second recovery: %+v %v", got, err)
	}
	inc := queued(t, db, bianmin.KindPaymentIncomplete)
	if len(inc) != 1 {
		t.Fatalf("%d payment.incomplete records", len(inc))
	}
	var d bianmin.PaymentIncomplete
	json.Unmarshal(inc[0].Data, &d)
	if d.Receipt != cash || d.PaidFen != 10000 || d.Biller != "heating" {
		t.Errorf("incomplete %+v", d)
	}

	mobile, _ := db.OpenPayment(ctx, OpenPayment{Method: JournalMobile, Biller: "gas", Account: "G1234", DueFen: 100}, "483920", payDay)
	empty, err := db.RecoverPayments(ctx, "restart", payDay)
	if err != nil || len(empty) != 1 || empty[0].State != PaymentCancelling {
		t.Fatalf("mobile recovery %+v %v", empty, err)
	}
	if c, _ := db.Payments(ctx, PaymentCancelling); len(c) != 1 || c[0].Receipt != mobile {
		t.Fatalf("cancelling %v", c)
	}
	if err := db.Cancelled(ctx, mobile, payDay); err != nil {
		t.Fatal(err)
	}
	if err := db.Cancelled(ctx, mobile, payDay); !errors.Is(err, ErrNoPayment) {
		t.Errorf("cancelled twice: %v", err)
	}
	if len(queued(t, db, bianmin.KindPaymentIncomplete)) != 1 {
		t.Error("a payment without money queued an incomplete record")
	}
}

func TestCollectCash(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	if _, _, err := db.CollectCash(ctx, "", payDay); !errors.Is(err, ErrNothingToClose) {
		t.Fatalf("collecting an empty box: %v", err)
	}
	for i, amount := range []int64{2000, 100, 5000} {
		dev := "bill"
		if amount == 100 {
			dev = "coin"
		}
		db.Credit(ctx, CashCredit{Device: dev, Counter: i + 1, Type: 1, Amount: amount, At: payDay}, "483920", payDay)
	}
	c, rec, err := db.CollectCash(ctx, "张师傅", payDay)
	if err != nil || c.TotalFen != 7100 || c.Notes != 2 || c.Coins != 1 || rec.Kind != bianmin.KindCashCollected {
		t.Fatalf("collect: %+v %v", c, err)
	}
	if box, _ := db.CashBox(ctx); box.TotalFen != 0 {
		t.Errorf("box after collection %+v", box)
	}
	db.Credit(ctx, CashCredit{Device: "bill", Counter: 4, Type: 1, Amount: 100, At: payDay}, "483920", payDay)
	if box, _ := db.CashBox(ctx); box.TotalFen != 100 || box.Notes != 1 {
		t.Errorf("box after one more note %+v", box)
	}
}

func TestMalformedCreditRefused(t *testing.T) {
	db, _ := openOutbox(t)
	for _, c := range []CashCredit{{Device: "note", Counter: 1, Amount: 1}, {Device: "bill", Counter: 0, Amount: 1}, {Device: "bill", Counter: 1, Amount: 0}} {
		if _, err := db.Credit(context.Background(), c, "483920", payDay); err == nil {
			t.Errorf("credit %+v taken", c)
		}
	}
	if box, _ := db.CashBox(context.Background()); box.TotalFen != 0 {
		t.Error("a refused credit changed the box")
	}
}
