package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/sim"
	"bianmin/kiosk/store"
)

// journal lists the kiosk's payments in state.
func journal(t *testing.T, k *Kiosk, state string) []store.JournalPayment {
	t.Helper()
	ps, err := k.RT.DB.Payments(context.Background(), state)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// orderStatus is officed's status of an order.
func orderStatus(t *testing.T, o *Office, order string) string {
	t.Helper()
	so, err := o.Store.Order(context.Background(), order)
	if err != nil {
		t.Fatalf("officed has no order %s: %v", order, err)
	}
	return so.Status
}

// TestMobilePaymentEndToEnd: the payment code path by touch against
// officed's sandbox gateway: scanner garbage, a slip's QR and a declined
// code each get a clear message and charge nothing; a code the resident
// confirms on the phone completes after the kiosk's queries; the same code
// again is refused as used; a code never confirmed is cancelled at officed
// when the kiosk stops waiting. Each attempt is its own order, only the
// successful ones become payments, and each reaches officed once.
func TestMobilePaymentEndToEnd(t *testing.T) {
	o := StartOffice(t)
	importBills(t, o, heatBill, waterBill)
	k := StartKiosk(t, o)
	k.RT.PayPoll = 20 * time.Millisecond
	k.RT.PayWait = 5 * time.Second

	findBill(t, k, "水费", waterBill.Account)
	k.Tap("去缴费")
	k.Tap("付款码支付")
	// The scanner's driver opens its port when the checkout first listens;
	// line noise sent before that is not its to read, so send it until the
	// screen answers.
	k.Await("scanner garbage to be refused", func() bool {
		if k.Sees("未能识别，请重新对准扫码窗口") {
			return true
		}
		if err := k.Scanner.Garbage(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		return false
	})
	k.Scan(o.URL + "/status/T20261125-483920-0001?s=abcdefgh")
	k.AwaitText("这不是付款码")
	k.Scan("134567890123456785") // 5: insufficient balance
	k.AwaitText("余额不足")
	if k.Sees("缴费成功") || len(journal(t, k, store.PaymentPaid)) != 0 {
		t.Fatal("a declined code completed the payment")
	}
	k.Scan("139967890123456780") // digits 3–4 "99": expired
	k.AwaitText("付款码已过期")
	if k.Sees("缴费成功") || len(journal(t, k, store.PaymentPaid)) != 0 {
		t.Fatal("an expired code completed the payment")
	}
	const confirmLater = "134567890123456786" // 6: paying, then success on the 2nd query
	k.Scan(confirmLater)
	k.AwaitText("缴费成功")
	p := k.WaitPrinted("缴费收据")
	flat := strings.Join(strings.Fields(p.Text), "")
	if !strings.Contains(flat, "微信支付") || !strings.Contains(flat, "实收金额：25.50元") || strings.Contains(flat, "多付") {
		t.Errorf("mobile receipt:\n%s", p.Text)
	}
	paid := journal(t, k, store.PaymentPaid)
	failed := journal(t, k, store.PaymentFailed)
	if len(paid) != 1 || len(failed) != 2 || paid[0].Receipt == failed[0].Receipt || paid[0].Receipt == failed[1].Receipt {
		t.Fatalf("journal: paid %v, failed %v (the low balance and the expired code)", paid, failed)
	}
	if s := orderStatus(t, o, paid[0].Receipt); s != bianmin.PaySuccess {
		t.Errorf("officed's order %s is %s", paid[0].Receipt, s)
	}
	for _, f := range failed {
		if s := orderStatus(t, o, f.Receipt); s != bianmin.PayDeclined {
			t.Errorf("declined order %s is %s at officed", f.Receipt, s)
		}
	}
	k.Tap("首页")

	// The same code again: officed refuses it as used; nothing is charged.
	findBill(t, k, "供热费", heatBill.Account)
	k.Tap("去缴费")
	k.Tap("付款码支付")
	k.Scan(confirmLater)
	k.AwaitText("付款码已使用")
	// A code the resident never confirms: the kiosk cancels the order.
	k.RT.PayWait = 200 * time.Millisecond
	k.Scan("134567890123456788")
	k.AwaitText("本次支付已撤销")
	failed = journal(t, k, store.PaymentFailed)
	if len(failed) != 4 {
		t.Fatalf("%d failed attempts in the journal, want 4", len(failed))
	}
	if s := orderStatus(t, o, failed[3].Receipt); s != bianmin.PayCancelled {
		t.Errorf("the unconfirmed order is %s at officed, want cancelled", s)
	}
	k.RT.PayWait = 5 * time.Second
	k.Scan("284567890123456780") // Alipay, paid at once
	k.AwaitText("缴费成功")
	k.Tap("首页")

	k.MustSync()
	k.MustSync()
	got := payments(t, o)
	if len(got) != 2 {
		t.Fatalf("officed holds %d payments, want 2: %+v", len(got), got)
	}
	methods := got[0].Method + "," + got[1].Method
	if methods != "wechat,alipay" && methods != "alipay,wechat" {
		t.Errorf("methods %s", methods)
	}
	if n := queuedKinds(t, k); n[bianmin.KindPaymentIncomplete] != 0 {
		t.Errorf("mobile attempts queued incomplete payments: %v", n)
	}
}

// TestCashWorksOfflineMobileSaysWhy: with officed down the bill comes from
// the cached feed and says so, the payment code is not offered and says it
// needs the network, cash completes, and the payment reaches officed once
// officed is back, marked as paid against a cached bill.
func TestCashWorksOfflineMobileSaysWhy(t *testing.T) {
	o := StartOffice(t)
	importBills(t, o, heatBill)
	k := StartKiosk(t, o)
	k.MustSync() // pulls the bills feed
	o.Stop()
	findBill(t, k, "供热费", heatBill.Account)
	if !k.Sees("本机缓存的账单") || !k.Sees("应缴：37.50 元") {
		t.Fatalf("offline bill:\n%s", k.Texts())
	}
	k.Tap("去缴费")
	if k.Has("付款码支付") || !k.Sees("付款码支付需要联网") {
		t.Fatalf("offline checkout offers the payment code or does not say why:\n%s", k.Texts())
	}
	k.Tap("现金")
	k.Tap("我知道了，开始投币")
	insertBill(t, k, 5000)
	k.AwaitText("缴费成功")
	p := k.WaitPrinted("缴费收据")
	if !strings.Contains(strings.Join(strings.Fields(p.Text), ""), "本机缓存账单") {
		t.Errorf("receipt does not say the bill was cached:\n%s", p.Text)
	}
	if err := k.Sync(); err == nil {
		t.Fatal("sync succeeded with officed down")
	}
	o.Start()
	k.MustSync()
	k.MustSync()
	got := payments(t, o)
	if len(got) != 1 || !got[0].Offline || got[0].PaidFen != 5000 || got[0].Credit != 1250 {
		t.Fatalf("officed's payments after it came back: %+v", got)
	}
}

// startCashPayment starts officed with bill and a kiosk, and there starts
// paying bill (of billerName) in cash: the acceptor takes notes when it
// returns.
func startCashPayment(t *testing.T, billerName string, bill bianmin.Bill) (*Office, *Kiosk) {
	t.Helper()
	o := StartOffice(t)
	importBills(t, o, bill)
	k := StartKiosk(t, o)
	findBill(t, k, billerName, bill.Account)
	k.Tap("去缴费")
	k.Tap("现金")
	k.Tap("我知道了，开始投币")
	return o, k
}

// TestCashFaultsMidPayment: a jam and a removed stacker in the middle of a
// payment are shown and stop nothing already credited; after they clear the
// payment completes; the credited sum equals the notes stacked.
func TestCashFaultsMidPayment(t *testing.T) {
	_, k := startCashPayment(t, "供热费", heatBill)
	insertBill(t, k, 1000)
	k.AwaitText("已投入：10.00 元")

	k.Do("jam")
	k.AwaitText("收款机暂时故障")
	if _, err := k.Cash.Bill(2000); err == nil {
		t.Fatal("the jammed validator took a note")
	}
	k.Do("jam", "clear")
	k.Await("the jam to clear on screen", func() bool { return !k.Sees("收款机暂时故障") })
	insertBill(t, k, 1000)
	k.AwaitText("已投入：20.00 元")

	k.Do("stacker", "removed")
	k.AwaitText("收款机暂时故障")
	k.Do("stacker", "inserted")
	k.Await("the stacker fault to clear on screen", func() bool { return !k.Sees("收款机暂时故障") })
	insertBill(t, k, 2000)
	k.AwaitText("缴费成功")
	if got, stacked := creditedSum(t, k), int64(k.Cash.Totals().Stacked); got != stacked || got != 4000 {
		t.Errorf("journal %d 分, stacked %d", got, stacked)
	}
}

// TestCashUnpluggedMidPayment: the acceptor's cable is pulled during a
// payment; a coin dropped meanwhile waits in the acceptor's buffer and is
// credited, once, when the cable is back; the payment then completes.
func TestCashUnpluggedMidPayment(t *testing.T) {
	o, k := startCashPayment(t, "水费", waterBill)
	insertBill(t, k, 2000)
	k.AwaitText("已投入：20.00 元")
	k.Do("unplug", "cash")
	k.AwaitText("收款机暂时故障")
	if _, err := k.Cash.Coin(100); err != nil { // the acceptor is still powered and enabled
		t.Fatal(err)
	}
	k.Do("replug", "cash")
	k.AwaitText("已投入：21.00 元")
	k.Await("the fault to clear", func() bool { return !k.Sees("收款机暂时故障") })
	insertBill(t, k, 500)
	k.AwaitText("缴费成功")
	totals := k.Cash.Totals()
	if got := creditedSum(t, k); got != int64(totals.Stacked+totals.Coins) || got != 2600 {
		t.Errorf("journal %d 分, acceptor took %d in notes and %d in coins", got, totals.Stacked, totals.Coins)
	}
	k.MustSync()
	if got := payments(t, o); len(got) != 1 || got[0].PaidFen != 2600 || len(got[0].Notes) != 3 {
		t.Fatalf("officed's payment %+v", got)
	}
}

// TestHouseholdFromIDCard: the resident's ID card finds the bills in the
// holder's name; accounts are masked; picking one leads to its bill.
func TestHouseholdFromIDCard(t *testing.T) {
	o := StartOffice(t)
	card := sim.SampleIDCard("resident")
	mine := bianmin.Bill{Biller: "heating", Account: "1200999001", Holder: card.Name, AmountFen: 198000, Period: "2026-2027采暖季"}
	other := bianmin.Bill{Biller: "heating", Account: "1200999002", Holder: "李建国", AmountFen: 5000, Period: "2026-2027采暖季"}
	importBills(t, o, mine, other)
	k := StartKiosk(t, o)
	if err := k.IDCard.Insert(card); err != nil {
		t.Fatal(err)
	}
	k.Tap("生活缴费")
	k.Tap("供热费")
	k.Tap("刷身份证查找户号")
	k.AwaitText("请选择您的户号")
	if !k.Sees("12****9001") || k.Sees("12****9002") || k.Sees(card.Name) || k.Sees(mine.Account) {
		t.Fatalf("household list:\n%s", k.Texts())
	}
	k.Tap("12****9001")
	if !k.Sees("应缴：1980.00 元") {
		t.Fatalf("bill after picking the household:\n%s", k.Texts())
	}
}
