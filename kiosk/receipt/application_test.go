package receipt

import (
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

func TestApplicationSlip(t *testing.T) {
	a := bianmin.Application{Number: "A20261125-483920-0003", Secret: "k3m9p2qz", IDNumber: "230103198503121239", Name: "张秀英",
		Source: "card", Reason: "lost", Phone: "13812345678", FeeFen: bianmin.TempIDFeeFen, Payment: "P20261125-483920-0011"}
	p := bianmin.Payment{Receipt: a.Payment, Biller: "tempid", Account: "483920", DueFen: 1000, PaidFen: 1000, Method: "cash", Notes: []int64{1000}}
	c := Collection{Place: "南岗区公安分局花园街派出所户籍室（南岗区花园街218号）", Hours: "工作日 8:30–11:30，13:30–16:30",
		From: time.Date(2026, 11, 30, 0, 0, 0, 0, printTime.Location())}
	url := "https://office.example.cn/status/A20261125-483920-0003?s=k3m9p2qz"
	b, err := ApplicationSlip(a, p, c, Letterhead{Office: "南岗区花园街道办事处"}, url, printTime)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "application", b)
	cmds, err := escpos.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	text := escpos.PlainText(cmds)
	joined := strings.Join(strings.Fields(strings.ReplaceAll(text, "\n", "")), "")
	for _, want := range []string{a.Number, "张**", "2301**********1239", "身份证丢失", "138****5678", "10.00元", "现金",
		a.Payment, "2026-11-25 09:30", "花园街派出所户籍室", "2026-11-30（星期一）"} {
		if !strings.Contains(joined, strings.Join(strings.Fields(want), "")) {
			t.Errorf("slip lacks %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{"张秀英", a.IDNumber, a.Phone, a.Secret, "19850312"} {
		if strings.Contains(text, secret) {
			t.Errorf("slip shows %q in clear text", secret)
		}
	}
	var qr string
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			qr = string(c.Data)
		}
	}
	if qr != url {
		t.Errorf("QR %q, want %q", qr, url)
	}

	// Overpaid cash: the credit is printed, the fee stays 10.00.
	p.PaidFen, p.Credit, p.Notes = 2000, 1000, []int64{2000}
	b, err = ApplicationSlip(a, p, c, Letterhead{Office: "南岗区花园街道办事处"}, url, printTime)
	if err != nil {
		t.Fatal(err)
	}
	cmds, _ = escpos.Decode(b)
	if text := escpos.PlainText(cmds); !strings.Contains(text, "多付金额：10.00 元") || !strings.Contains(text, "工 本 费：10.00 元") {
		t.Errorf("overpaid slip:\n%s", text)
	}
}
