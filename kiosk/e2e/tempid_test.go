package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/idcard"
	"bianmin/devices/sim"
	"bianmin/office"
)

// insertCard puts c on the reader simulator through its control socket, as
// `kioskctl sim ctl card-insert JSON` does.
func insertCard(t *testing.T, k *Kiosk, c idcard.Card) {
	t.Helper()
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Control(k.Bench.Dir(), "card-insert", string(js)); err != nil {
		t.Fatal(err)
	}
}

// tempidCard is the applicant's resident card on the reader.
var tempidCard = idcard.Card{Type: idcard.Resident, Name: "李淑华", Gender: "女", Nation: "满", Birth: "1980-01-01",
	Address: "黑龙江省哈尔滨市南岗区花园街道红军街38号", IDNumber: "230103198001010010",
	Authority: "哈尔滨市公安局南岗分局", ValidFrom: "2010-01-01", ValidTo: "2030-01-01"}

// payFeeInCash pays the 10 元 fee at the checkout with one 10 元 note in the
// cash simulator and waits for the application's number on screen.
func payFeeInCash(t *testing.T, k *Kiosk) string {
	t.Helper()
	k.Tap("缴纳工本费 10.00 元")
	k.AwaitText("应缴：10.00 元")
	if !k.Sees("临时身份证工本费") {
		t.Fatalf("the checkout does not name the fee; screen:\n%s", k.Texts())
	}
	k.Await("the cash method to be offered", func() bool { return k.Has("现金") })
	k.Tap("现金")
	k.Tap("我知道了，开始投币")
	insertBill(t, k, 1000)
	k.AwaitText("申请已提交")
	for _, line := range strings.Split(k.Texts(), "\n") {
		if strings.HasPrefix(line, "A") && len(line) >= 20 {
			return line
		}
	}
	t.Fatalf("no application number on screen:\n%s", k.Texts())
	return ""
}

// applications returns the applications officed holds.
func applications(t *testing.T, o *Office) []bianmin.Application {
	t.Helper()
	var out []bianmin.Application
	for _, r := range o.Records(bianmin.KindApplication) {
		var a bianmin.Application
		if err := json.Unmarshal(r.Record.Data, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// TestTempIDByCardEndToEnd: the resident's card is read on the reader
// simulator over its pty, shown masked; reason and phone (a 10-digit phone
// refused, nothing queued); the fee paid in cash through the checkout; the
// application and its payment reach officed once, the slip prints with the
// number, the fee and the status QR; the rating names the application; once
// staff issue the card, "check progress" shows it after a sync.
func TestTempIDByCardEndToEnd(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	ctx := context.Background()
	insertCard(t, k, tempidCard)

	k.Tap("临时身份证")
	k.Await("the reader to answer", func() bool { return k.Has("读取我的身份证") })
	k.Tap("读取我的身份证")
	k.AwaitText("确认无误")
	if !k.Sees("李**") || !k.Sees("2301**********0010") || k.Sees("李淑华") || k.Sees("230103198001010010") || k.Sees("红军街38号") {
		t.Fatalf("the card must show masked; screen:\n%s", k.Texts())
	}
	k.Tap("确认无误")
	k.Tap("身份证丢失")
	k.TapEach("1391234567")
	k.Tap("下一步")
	if !k.Sees("手机号码应为 11 位、以 13–19 开头，您输入了 10 位") {
		t.Fatalf("a 10-digit phone was taken; screen:\n%s", k.Texts())
	}
	if q := queuedKinds(t, k); q[bianmin.KindApplication] != 0 || q[bianmin.KindPayment] != 0 {
		t.Fatalf("queued before the fee: %v", q)
	}
	k.TapEach("8")
	k.Tap("下一步")
	if !k.Sees("139****5678") || k.Sees("13912345678") {
		t.Fatalf("the review must show the phone masked; screen:\n%s", k.Texts())
	}
	number := payFeeInCash(t, k)

	p := k.WaitPrinted(number)
	for _, want := range []string{"临时身份证申领回执", "李**", "2301**********0010", "10.00 元", "身份证丢失", "139****5678", "领取地点"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("slip lacks %q:\n%s", want, p.Text)
		}
	}
	for _, secret := range []string{"李淑华", "230103198001010010", "13912345678"} {
		if strings.Contains(p.Text, secret) {
			t.Errorf("slip prints %q", secret)
		}
	}
	k.MustSync()
	k.MustSync() // nothing is sent twice
	apps := applications(t, o)
	pays := payments(t, o)
	if len(apps) != 1 || len(pays) != 1 {
		t.Fatalf("officed holds %d applications and %d payments, want 1 and 1", len(apps), len(pays))
	}
	a := apps[0]
	if a.Number != number || a.Source != "card" || a.Name != tempidCard.Name || a.IDNumber != tempidCard.IDNumber ||
		a.Reason != "lost" || a.Phone != "13912345678" || a.FeeFen != 1000 {
		t.Errorf("officed's application %+v", a)
	}
	if pay := pays[0]; pay.Receipt != a.Payment || pay.Biller != "tempid" || pay.PaidFen != 1000 || pay.Method != "cash" || strings.Contains(pay.Account, "2301") {
		t.Errorf("fee payment %+v for application paid by %s", pays[0], a.Payment)
	}
	if !strings.Contains(p.Text, a.Payment) {
		t.Errorf("slip lacks the fee's receipt number %s", a.Payment)
	}
	prog, err := o.Store.Progress(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if want := o.URL + "/status/" + number + "?s=" + prog.Secret; !contains(p.QRs, want) {
		t.Errorf("slip QRs %q, want %q", p.QRs, want)
	}

	k.Tap("评价本次服务")
	k.Tap("非常满意")
	k.Tap("提交评价")
	k.Tap("首页")
	for _, tr := range []office.Transition{
		{Number: number, State: bianmin.StateAccepted, At: time.Now()},
		{Number: number, State: bianmin.StateIssued, Note: "请到花园街派出所户籍室领取", At: time.Now()},
	} {
		if _, err := o.Store.Advance(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	k.MustSync()
	ratings := o.Records(bianmin.KindRating)
	if len(ratings) != 1 || !strings.Contains(string(ratings[0].Record.Data), o.Records(bianmin.KindApplication)[0].Record.ID) {
		t.Fatalf("ratings %v: want one naming the application's record", ratings)
	}
	k.Tap("进度查询")
	k.TapEach(strings.ReplaceAll(number, "-", ""))
	k.Tap("查询")
	if !k.Sees("已制证，待领取") || !k.Sees("请到花园街派出所户籍室领取") || !k.Sees("临时身份证申请：身份证丢失") {
		t.Fatalf("progress does not show the issued application; screen:\n%s", k.Texts())
	}
}

// TestTempIDByKeypadOfflineBadInput: with officed down, a resident without
// a card types the number (a wrong check digit and an impossible birth date
// refused with their own messages), spells the name in pinyin, pays the fee
// in cash; the application completes offline and reaches officed once after
// it comes back.
func TestTempIDByKeypadOfflineBadInput(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	o.Stop()

	k.Tap("临时身份证")
	k.Tap("输入身份证号码")
	for _, bad := range []struct{ typed, says string }{
		{"230103198001010011", "校验码"},
		{"230103198002300010", "出生日期 1980-02-30 不是有效日期"},
		{"23010319800101001", "应为 18 位，您输入了 17 位"},
	} {
		k.Tap("清除")
		k.TapEach(bad.typed)
		k.Tap("下一步")
		if !k.Sees(bad.says) {
			t.Fatalf("%s: the screen does not say %q:\n%s", bad.typed, bad.says, k.Texts())
		}
	}
	if q := queuedKinds(t, k); len(q) != 0 {
		t.Fatalf("queued after bad input: %v", q)
	}
	k.Tap("清除")
	k.TapEach("230103198001010010")
	k.Tap("下一步")
	for _, part := range []struct{ py, char string }{{"li", "李"}, {"shu", "淑"}, {"hua", "华"}} {
		k.TapEach(part.py)
		for page := 0; !k.Has(part.char); page++ { // candidates come a page at a time
			if page > 5 {
				t.Fatalf("%s is not among the candidates of %s:\n%s", part.char, part.py, k.Texts())
			}
			k.Tap("下一页")
		}
		k.Tap(part.char)
	}
	k.Tap("下一步")
	if !k.Sees("李**") || k.Sees("李淑华") {
		t.Fatalf("identity not masked; screen:\n%s", k.Texts())
	}
	k.Tap("确认无误")
	k.Tap("身份证损坏")
	k.TapEach("13912345678")
	k.Tap("下一步")
	number := payFeeInCash(t, k)
	k.WaitPrinted(number)
	if err := k.Sync(); err == nil {
		t.Fatal("sync succeeded with officed down")
	}
	o.Start()
	k.MustSync()
	apps := applications(t, o)
	if len(apps) != 1 || apps[0].Number != number || apps[0].Source != "keypad" || apps[0].Name != "李淑华" || apps[0].Reason != "damaged" {
		t.Fatalf("officed holds %+v, want the one application %s", apps, number)
	}
	if n := len(o.Records(bianmin.KindPayment)); n != 1 {
		t.Errorf("officed holds %d payments, want 1", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestTempIDFeeWaitsForPrinter: with the printer out of paper the checkout
// takes no money for the fee and says why; nothing is queued.
func TestTempIDFeeWaitsForPrinter(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	insertCard(t, k, tempidCard)
	k.Tap("临时身份证")
	k.Await("the reader to answer", func() bool { return k.Has("读取我的身份证") })
	k.Tap("读取我的身份证")
	k.AwaitText("确认无误")
	k.Tap("确认无误")
	k.Tap("已申领新证，等待领取期间")
	k.TapEach("13912345678")
	k.Tap("下一步")
	k.Printer.SetPaper(sim.PaperEnd)
	k.Tap("缴纳工本费 10.00 元")
	k.AwaitText("暂不能收款")
	if k.Has("现金") || k.Has("付款码支付") {
		t.Fatalf("a payment method is offered with the printer out; screen:\n%s", k.Texts())
	}
	if bill, _ := k.Cash.Accepting(); bill {
		t.Error("the acceptor takes notes with the printer out")
	}
	if q := queuedKinds(t, k); len(q) != 0 {
		t.Fatalf("queued with the printer out: %v", q)
	}
}
