package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
)

// reportLeak is a ticket filed through the report screens: 供水 at 花园社区
// 3号楼 2单元 501, phone 13912345678. It returns the ticket number shown.
func reportLeak(t *testing.T, k *Kiosk) string {
	t.Helper()
	k.Tap("问题上报")
	k.Tap("供水")
	k.Tap("花园社区")
	k.Tap("3号楼")
	k.Tap("2单元")
	k.Tap("501")
	k.Tap("水管漏水")
	k.Tap("下一步")
	k.TapEach("1391234567")
	k.Tap("下一步")
	if !k.Sees("请输入 11 位手机号码") {
		t.Fatalf("a 10-digit phone was taken; screen:\n%s", k.Texts())
	}
	k.TapEach("8")
	k.Tap("下一步")
	if !k.Sees("139****5678") || k.Sees("13912345678") {
		t.Fatalf("the confirmation must show the phone masked; screen:\n%s", k.Texts())
	}
	k.Tap("提交")
	if !k.Sees("已受理") {
		t.Fatalf("no confirmation after submit; screen:\n%s", k.Texts())
	}
	for _, line := range strings.Split(k.Texts(), "\n") {
		if strings.HasPrefix(line, "T") && len(line) >= 20 {
			return line
		}
	}
	t.Fatalf("no ticket number on screen:\n%s", k.Texts())
	return ""
}

// TestReportProgressAndRatingEndToEnd: a resident reports a leak by touch;
// the slip prints with the number and the status QR; the ticket reaches
// officed once; staff accept it; after a sync "check progress" on the
// keypad shows it accepted; the rating reaches officed linked to the ticket.
func TestReportProgressAndRatingEndToEnd(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	number := reportLeak(t, k)

	p := k.WaitPrinted(number)
	if !strings.Contains(p.Text, "供水") || !strings.Contains(p.Text, "花园社区 3号楼 2单元 501") {
		t.Errorf("slip lacks the category or place:\n%s", p.Text)
	}
	if strings.Contains(p.Text, "13912345678") {
		t.Errorf("slip prints the whole phone number:\n%s", p.Text)
	}
	prog, err := o.Store.Progress(context.Background(), number)
	if err == nil {
		t.Fatalf("officed knew the ticket before any sync: %+v", prog)
	}
	k.MustSync()
	k.MustSync() // a second round sends nothing again
	if n := len(o.Records(bianmin.KindTicket)); n != 1 {
		t.Fatalf("officed holds %d tickets, want 1", n)
	}
	prog, err = o.Store.Progress(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if want := o.URL + "/status/" + number + "?s=" + prog.Secret; len(p.QRs) != 1 || p.QRs[0] != want {
		t.Errorf("slip QRs %q, want the status page %q", p.QRs, want)
	}

	// Rate it: the rating names the ticket's record.
	k.Tap("评价本次服务")
	k.Tap("不满意")
	k.Tap("等待太久")
	k.Tap("提交评价")
	if !k.Sees("感谢您的评价") {
		t.Fatalf("no thanks after rating; screen:\n%s", k.Texts())
	}
	k.Tap("首页")

	if _, err := o.Store.Advance(context.Background(), office.Transition{Number: number, State: bianmin.StateAccepted,
		Note: "已转供水公司", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	k.MustSync()
	ratings := o.Records(bianmin.KindRating)
	tickets := o.Records(bianmin.KindTicket)
	if len(ratings) != 1 || !strings.Contains(string(ratings[0].Record.Data), tickets[0].Record.ID) {
		t.Fatalf("officed holds ratings %v, want one naming record %s", ratings, tickets[0].Record.ID)
	}
	prog, _ = o.Store.Progress(context.Background(), number)
	if !prog.CallBack {
		t.Error("a 不满意 rating did not flag the ticket for a call-back")
	}

	k.Tap("进度查询")
	k.TapEach(strings.ReplaceAll(number, "-", ""))
	k.Tap("查询")
	if !k.Sees("已受理") || !k.Sees("已转供水公司") {
		t.Fatalf("progress does not show the accepted state; screen:\n%s", k.Texts())
	}
}

// TestReportWorksOfflineAndArrivesLater: with officed down the ticket is
// still taken, numbered and printed; it reaches officed once officed is
// back.
func TestReportWorksOfflineAndArrivesLater(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	o.Stop()
	number := reportLeak(t, k)
	k.WaitPrinted(number)
	if err := k.Sync(); err == nil {
		t.Fatal("sync succeeded with officed down")
	}
	k.Tap("首页")
	k.Tap("进度查询")
	k.TapEach(strings.ReplaceAll(number, "-", ""))
	k.Tap("查询")
	if !k.Sees("已在本机提交，等待上传至街道") {
		t.Fatalf("offline progress does not say the ticket waits for upload; screen:\n%s", k.Texts())
	}
	o.Start()
	k.MustSync()
	if n := len(o.Records(bianmin.KindTicket)); n != 1 {
		t.Fatalf("officed holds %d tickets after it came back, want 1", n)
	}
	if _, err := o.Store.Progress(context.Background(), number); err != nil {
		t.Fatalf("officed does not know %s: %v", number, err)
	}
}
