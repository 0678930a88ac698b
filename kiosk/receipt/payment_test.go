package receipt

import (
	"strings"
	"testing"

	"bianmin"
	"bianmin/devices/escpos"
)

var heatPaid = bianmin.Payment{Receipt: "P20261125-483920-0007", Biller: "heating", Account: "1200345678", Period: "2026-2027采暖季",
	DueFen: 3750, PaidFen: 4000, Credit: 250, Method: bianmin.MethodCash, Notes: []int64{2000, 2000}}

func decoded(t *testing.T, b []byte) (text string, qrs []string) {
	t.Helper()
	cmds, err := escpos.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			qrs = append(qrs, string(c.Data))
		}
	}
	return strings.Join(strings.Fields(escpos.PlainText(cmds)), ""), qrs
}

func TestPaymentReceiptGolden(t *testing.T) {
	qr := "https://office.example.cn/receipts/P20261125-483920-0007?s=k3x9q2mz"
	b, err := PaymentReceipt(heatPaid, PaymentInfo{Office: "南岗区花园街道办事处", Kiosk: "花园社区1号机", QR: qr, At: printTime})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "payment", b)
	text, qrs := decoded(t, b)
	for _, want := range []string{"P20261125-483920-0007", "供热费", "12****5678", "2026-2027采暖季", "应缴金额：37.50元",
		"实收金额：40.00元", "多付金额：2.50元", "现金", "2026-11-2509:30:00", "花园社区1号机"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "1200345678") {
		t.Error("the account is printed whole")
	}
	if len(qrs) != 1 || qrs[0] != qr {
		t.Errorf("QRs %q", qrs)
	}
}

func TestMobileReceiptHasNoCreditAndNamesTheGateway(t *testing.T) {
	p := bianmin.Payment{Receipt: "P20261125-483920-0008", Biller: "tempid", Account: "A0001", DueFen: 1000, PaidFen: 1000,
		Method: bianmin.MethodWeChat, Gateway: "SBX20261125-P20261125-483920-0008", Offline: false}
	b, err := PaymentReceipt(p, PaymentInfo{Office: "花园街道", Kiosk: "k1", At: printTime})
	if err != nil {
		t.Fatal(err)
	}
	text, qrs := decoded(t, b)
	for _, want := range []string{"临时身份证工本费", "微信支付", "SBX20261125-P20261125-483920-0008", "实收金额：10.00元"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "多付") || strings.Contains(text, "户号") || len(qrs) != 0 {
		t.Errorf("mobile fee receipt:\n%s (QRs %q)", text, qrs)
	}
}

func TestOfflineBillIsMarked(t *testing.T) {
	p := heatPaid
	p.Offline = true
	b, _ := PaymentReceipt(p, PaymentInfo{Office: "花园街道", Kiosk: "k1", At: printTime})
	if text, _ := decoded(t, b); !strings.Contains(text, "本机缓存账单") {
		t.Errorf("a cached bill is not marked:\n%s", text)
	}
}

func TestVoucherGolden(t *testing.T) {
	b, err := Voucher("P20261125-483920-0009", 1500, "water", "W-0042", PaymentInfo{Office: "南岗区花园街道办事处", Kiosk: "花园社区1号机",
		At: printTime, Why: "设备重启，缴费中断"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "voucher", b)
	text, _ := decoded(t, b)
	for _, want := range []string{"已收款15.00元，业务未完成，请到窗口处理", "P20261125-483920-0009", "水费", "**0042", "设备重启"} {
		if !strings.Contains(text, want) {
			t.Errorf("voucher lacks %q:\n%s", want, text)
		}
	}
}
