package receipt

import (
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

// PaymentInfo is what a payment receipt or a voucher says besides the
// payment itself.
type PaymentInfo struct {
	Office string
	Kiosk  string
	Footer string // the office's footer line (Letterhead.Footer); "" for none
	// QR is what the receipt's QR code encodes: officed's page of the
	// receipt, where staff and the resident can check it.
	QR  string
	At  time.Time // when the payment completed, or the money was taken
	Why string    // a voucher's reason, in the resident's words
}

// payee names what was paid: the biller, or the temporary-ID fee.
func payee(biller string) string {
	if n, ok := bianmin.PayeeName(biller); ok {
		return n
	}
	return "—"
}

// PaymentReceipt is the receipt of a completed payment (SPEC §2.6): the
// receipt number large, the biller, the account masked, amount due, paid,
// the overpayment kept as credit, the method, time and kiosk, and a QR code
// to the receipt on officed. The account is never printed whole: the slip
// may be left behind.
func PaymentReceipt(p bianmin.Payment, in PaymentInfo) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("缴费收据").Size(1, 1).Bold(false)
	w.line(in.Office, 0)
	d.Feed(1).Line("收据号").Bold(true).Size(1, 2).Line(p.Receipt).Size(1, 1).Bold(false)
	d.Align(escpos.AlignLeft)
	w.rule("-")
	w.line("缴费项目："+payee(p.Biller), 10)
	if p.Biller != "tempid" {
		w.line("户    号："+bianmin.MaskAccount(p.Account), 10)
	}
	if p.Period != "" {
		w.line("账    期："+p.Period, 10)
	}
	w.line("应缴金额："+bianmin.FormatYuan(p.DueFen)+" 元", 10)
	d.Bold(true)
	w.line("实收金额："+bianmin.FormatYuan(p.PaidFen)+" 元", 10)
	d.Bold(false)
	if p.Credit > 0 {
		w.line("多付金额："+bianmin.FormatYuan(p.Credit)+" 元（本机不找零，已记入户头余额，可抵下期费用）", 10)
	}
	method := bianmin.MethodLabel(p.Method)
	if method == "" {
		method = p.Method
	}
	w.line("支付方式："+method, 10)
	if p.Gateway != "" {
		w.line("交易单号："+p.Gateway, 10)
	}
	w.line("缴费时间："+in.At.Format("2006-01-02 15:04:05"), 10)
	w.line("终    端："+in.Kiosk, 10)
	if p.Offline {
		w.line("注：应缴金额取自本机缓存账单，以缴费单位实际账单为准，差额可到窗口处理。", 4)
	}
	w.rule("-")
	d.Align(escpos.AlignCenter)
	if in.QR != "" {
		d.QR([]byte(in.QR), 6, escpos.ECM)
		d.Line("手机扫码查看本收据")
	}
	d.Line("请妥善保管本收据")
	return w.end(in.Footer)
}

// Voucher is the slip for money taken whose service did not complete (a
// crash, a power cut, a resident who stopped): 已收款 X 元，业务未完成，请到窗口处理,
// with the receipt number staff settle it by.
func Voucher(receipt string, paidFen int64, biller, account string, in PaymentInfo) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("收款凭条").Size(1, 1).Bold(false)
	w.line(in.Office, 0)
	d.Feed(1).Bold(true).Size(1, 2)
	w.line("已收款 "+bianmin.FormatYuan(paidFen)+" 元，业务未完成，请到窗口处理", 0)
	d.Size(1, 1).Bold(false).Feed(1)
	d.Line("凭条号").Bold(true).Size(1, 2).Line(receipt).Size(1, 1).Bold(false)
	d.Align(escpos.AlignLeft)
	w.rule("-")
	if biller != "" {
		w.line("缴费项目："+payee(biller), 10)
	}
	if account != "" && biller != "tempid" {
		w.line("户    号："+bianmin.MaskAccount(account), 10)
	}
	w.line("收款时间："+in.At.Format("2006-01-02 15:04:05"), 10)
	w.line("终    端："+in.Kiosk, 10)
	if in.Why != "" {
		w.line("原    因："+in.Why, 10)
	}
	w.rule("-")
	d.Align(escpos.AlignCenter)
	d.Line("请持本凭条到街道便民服务窗口")
	d.Line("办理退款或补办业务")
	return w.end(in.Footer)
}
