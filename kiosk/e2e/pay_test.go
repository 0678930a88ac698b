package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/kiosk/store"
)

// Demo bills officed serves in these tests.
var (
	heatBill  = bianmin.Bill{Biller: "heating", Account: "1200345678", Holder: "王小明", AmountFen: 3750, Period: "2026-2027采暖季"}
	waterBill = bianmin.Bill{Biller: "water", Account: "W-0042", Holder: "王小明", AmountFen: 2550, Period: "2026年10月"}
)

func importBills(t *testing.T, o *Office, bills ...bianmin.Bill) {
	t.Helper()
	by := map[string][]bianmin.Bill{}
	for _, b := range bills {
		by[b.Biller] = append(by[b.Biller], b)
	}
	for biller, bs := range by {
		if err := o.Store.ReplaceBills(context.Background(), biller, bs, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// findBill taps 生活缴费 → biller → the account on the keypad → 查询账单.
func findBill(t *testing.T, k *Kiosk, billerName, account string) {
	t.Helper()
	k.Tap("生活缴费")
	k.Tap(billerName)
	typeAccount(k, account)
	k.Tap("查询账单")
}

// typeAccount types an account on the keypad, switching to the letters page
// ("ABC") and back ("123") as needed.
func typeAccount(k *Kiosk, account string) {
	k.t.Helper()
	letters := false
	for _, r := range account {
		switch {
		case r >= 'A' && r <= 'Z' && !letters:
			k.Tap("ABC")
			letters = true
		case r >= '0' && r <= '9' && letters:
			k.Tap("123")
			letters = false
		}
		k.Tap(string(r))
	}
	if letters {
		k.Tap("123")
	}
}

// payments returns the payment records officed holds.
func payments(t *testing.T, o *Office) []bianmin.Payment {
	t.Helper()
	var out []bianmin.Payment
	for _, r := range o.Records(bianmin.KindPayment) {
		var p bianmin.Payment
		if err := json.Unmarshal(r.Record.Data, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// queuedKinds counts the kiosk's outbox records by kind, any state.
func queuedKinds(t *testing.T, k *Kiosk) map[string]int {
	t.Helper()
	counts, err := k.RT.DB.QueueCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range counts {
		out[c.Kind] += c.Count
	}
	return out
}

// insertBill puts a note into the simulated validator, retrying while the
// acceptor is still being enabled.
func insertBill(t *testing.T, k *Kiosk, fen int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		k.Pump()
		bill, _ := k.Cash.Accepting()
		if bill {
			if _, err := k.Cash.Bill(fen); err == nil {
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("the validator refused a %d 分 note: %v", fen, err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the validator never accepted; cash: %s", k.Cash.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// creditedSum is what the kiosk's journal holds in the cash box.
func creditedSum(t *testing.T, k *Kiosk) int64 {
	t.Helper()
	box, err := k.RT.DB.CashBox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return box.TotalFen
}

// TestCashPaymentEndToEnd: a resident pays a heating bill in cash by touch:
// the account is looked up at officed, 本机不找零 is shown before cash, a
// 100 元 note that would overpay by more than the limit comes back, two 20
// 元 notes pay 37.50 元 with 2.50 元 kept as credit, the receipt prints with
// the receipt number, amounts and the QR, and the payment reaches officed
// once, linked by the rating.
func TestCashPaymentEndToEnd(t *testing.T) {
	o := StartOffice(t)
	importBills(t, o, heatBill, waterBill)
	k := StartKiosk(t, o)

	findBill(t, k, "供热费", heatBill.Account)
	for _, want := range []string{"应缴：37.50 元", "12****5678", "王*", "2026-2027采暖季"} {
		if !k.Sees(want) {
			t.Fatalf("the bill screen lacks %q:\n%s", want, k.Texts())
		}
	}
	if k.Sees("王小明") || k.Sees(heatBill.Account) {
		t.Fatalf("the bill screen shows personal data unmasked:\n%s", k.Texts())
	}
	k.Tap("去缴费")
	k.Tap("现金")
	if !k.Sees("本机不找零") {
		t.Fatalf("no no-change notice before cash:\n%s", k.Texts())
	}
	if bill, _ := k.Cash.Accepting(); bill {
		t.Fatal("the acceptor takes cash before the resident read the notice")
	}
	k.Tap("我知道了，开始投币")
	insertBill(t, k, 2000)
	k.AwaitText("已投入：20.00 元")
	if !k.Sees("还需：17.50 元") {
		t.Errorf("after 20 元:\n%s", k.Texts())
	}

	// 100 元 would overpay by 82.50 元, more than the 50 元 limit: returned.
	insertBill(t, k, 10000)
	k.Await("the 100 元 note to come back", func() bool { return k.Cash.Totals().Returned == 1 })
	if k.Cash.Totals().Stacked != 2000 || !k.Sees("已投入：20.00 元") {
		t.Fatalf("after the returned note: stacked %d 分; screen:\n%s", k.Cash.Totals().Stacked, k.Texts())
	}

	insertBill(t, k, 2000)
	k.AwaitText("缴费成功")
	p := k.WaitPrinted("缴费收据")
	var receipt string
	for _, line := range strings.Split(k.Texts(), "\n") {
		if strings.HasPrefix(line, "P") && bianmin.ValidReceiptNumber(line) {
			receipt = line
		}
	}
	if receipt == "" {
		t.Fatalf("no receipt number on screen:\n%s", k.Texts())
	}
	flat := strings.Join(strings.Fields(p.Text), "")
	for _, want := range []string{receipt, "应缴金额：37.50元", "实收金额：40.00元", "多付金额：2.50元", "现金", "12****5678", "花园社区1号机"} {
		if !strings.Contains(flat, want) {
			t.Errorf("receipt lacks %q:\n%s", want, p.Text)
		}
	}
	if strings.Contains(flat, heatBill.Account) {
		t.Error("the receipt prints the whole account")
	}
	if len(p.QRs) != 1 || !strings.HasPrefix(p.QRs[0], o.URL+"/receipts/"+receipt+"?s=") {
		t.Errorf("receipt QRs %q, want officed's page of %s", p.QRs, receipt)
	}
	if got := creditedSum(t, k); got != int64(k.Cash.Totals().Stacked) || got != 4000 {
		t.Errorf("journal holds %d 分, the validator stacked %d", got, k.Cash.Totals().Stacked)
	}
	if bill, _ := k.Cash.Accepting(); bill {
		t.Error("the acceptor still takes cash after the payment")
	}

	k.Tap("评价本次服务")
	k.Tap("满意")
	k.Tap("提交评价")
	k.MustSync()
	k.MustSync()
	got := payments(t, o)
	if len(got) != 1 {
		t.Fatalf("officed holds %d payments, want 1", len(got))
	}
	pay := got[0]
	if pay.Receipt != receipt || pay.PaidFen != 4000 || pay.Credit != 250 || pay.Method != "cash" || len(pay.Notes) != 2 || pay.Offline {
		t.Errorf("officed's payment %+v", pay)
	}
	// The receipt's QR opens officed's page of it, now that it is uploaded.
	resp, err := http.Get(p.QRs[0])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "40.00 元") || !strings.Contains(string(page), receipt) {
		t.Errorf("the receipt's QR page answered %d:\n%.400s", resp.StatusCode, page)
	}
	ratings := o.Records(bianmin.KindRating)
	recs := o.Records(bianmin.KindPayment)
	if len(ratings) != 1 || !strings.Contains(string(ratings[0].Record.Data), recs[0].Record.ID) {
		t.Errorf("rating %v does not name the payment record %s", ratings, recs[0].Record.ID)
	}
	if hb := k.RT.Heartbeat(context.Background()); hb.Cash.TotalFen != 4000 || hb.Cash.Notes != 2 {
		t.Errorf("heartbeat cash box %+v", hb.Cash)
	}
}

// TestUnknownAccountQueuesNothing: an account officed has no bill for gets
// a clear message, and nothing is queued or taken.
func TestUnknownAccountQueuesNothing(t *testing.T) {
	o := StartOffice(t)
	importBills(t, o, heatBill)
	k := StartKiosk(t, o)
	findBill(t, k, "供热费", "99999999")
	if !k.Sees("未查到该户号的待缴账单") {
		t.Fatalf("unknown account:\n%s", k.Texts())
	}
	if k.Has("去缴费") {
		t.Fatal("payment offered for an unknown account")
	}
	if n := queuedKinds(t, k); n[bianmin.KindPayment]+n[bianmin.KindPaymentIncomplete] != 0 {
		t.Errorf("queued %v", n)
	}
	if ps, _ := k.RT.DB.Payments(context.Background(), store.PaymentOpen); len(ps) != 0 {
		t.Errorf("open payments %v", ps)
	}
}
