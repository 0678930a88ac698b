package receipt

import (
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

// Every slip a resident takes away ends with the office's footer line when
// it has one, after everything else and before the cut; without one the
// bytes are the golden ones (the golden tests above).
func TestFooterEndsEverySlip(t *testing.T) {
	const footer = "便民服务热线 12345，周一至周日 8:00–20:00"
	head := Letterhead{Office: "南岗区花园街道办事处", Footer: footer}
	info := PaymentInfo{Office: head.Office, Kiosk: "花园社区1号机", Footer: footer, At: printTime, QR: "https://x/receipts/1"}
	app := bianmin.Application{Number: "A20261125-483920-0003", IDNumber: "230103198503121239", Name: "张秀英", Reason: "lost",
		Phone: "13812345678", FeeFen: bianmin.TempIDFeeFen}
	pay := bianmin.Payment{Receipt: "P20261125-483920-0011", Biller: "tempid", DueFen: 1000, PaidFen: 1000, Method: "cash"}
	slips := map[string]func() ([]byte, error){
		"checklist": func() ([]byte, error) { return Checklist(fixture(t), head, "https://x/guides/g", printTime) },
		"ticket": func() ([]byte, error) {
			return TicketSlip(bianmin.Ticket{Number: "T20261125-483920-0042", Category: "供水", Phone: "13812345678"}, "花园社区", head, "https://x/s", printTime)
		},
		"application": func() ([]byte, error) {
			return ApplicationSlip(app, pay, Collection{Place: "派出所", From: printTime.Add(72 * time.Hour)}, head, "https://x/s", printTime)
		},
		"payment": func() ([]byte, error) { return PaymentReceipt(heatPaid, info) },
		"voucher": func() ([]byte, error) { return Voucher("P20261125-483920-0009", 1500, "water", "W-0042", info) },
	}
	for name, slip := range slips {
		t.Run(name, func(t *testing.T) {
			b, err := slip()
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := escpos.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.TrimSpace(escpos.PlainText(cmds))
			lines := strings.Split(text, "\n")
			last := strings.Join(lines[max(0, len(lines)-2):], "")
			if !strings.Contains(strings.ReplaceAll(last, " ", ""), strings.ReplaceAll(footer, " ", "")) {
				t.Errorf("the slip does not end with the footer:\n%s", text)
			}
			if k := cmds[len(cmds)-1].Kind; k != escpos.KindCut {
				t.Errorf("the slip ends with %v, not a cut", k)
			}
		})
	}
}
