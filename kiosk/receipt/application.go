package receipt

import (
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

// Collection is where and from when a temporary ID card can be collected.
type Collection struct {
	Place string
	Hours string
	From  time.Time // the first day; the slip says it is an estimate
}

var weekdays = [...]string{"日", "一", "二", "三", "四", "五", "六"}

// ApplicationSlip is the slip of a temporary resident ID application (SPEC
// §2.5): the application number large, the applicant masked (surname and
// 4+4 of the ID number, phone 3+4), the fee paid with its receipt number,
// where and when to collect the card, and a QR code to the status page
// (statusURL carries the short secret, so only the slip's holder opens it).
func ApplicationSlip(a bianmin.Application, p bianmin.Payment, c Collection, head Letterhead, statusURL string, now time.Time) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("临时身份证申领回执").Size(1, 1).Bold(false)
	w.line(head.Office, 0)
	d.Feed(1).Line("申请编号").Bold(true).Size(1, 2).Line(a.Number).Size(1, 1).Bold(false)
	d.Align(escpos.AlignLeft)
	w.rule("-")
	w.line("申 请 人："+bianmin.MaskName(a.Name), 10)
	w.line("身份证号："+bianmin.MaskIDNumber(a.IDNumber), 10)
	w.line("申领原因："+bianmin.ReasonLabel(a.Reason), 10)
	w.line("联系电话："+bianmin.MaskPhone(a.Phone), 10)
	method := bianmin.MethodLabel(p.Method)
	if method == "" {
		method = p.Method
	}
	w.line("工 本 费："+bianmin.FormatYuan(a.FeeFen)+" 元（已缴，"+method+"）", 10)
	if p.Credit > 0 {
		w.line("多付金额："+bianmin.FormatYuan(p.Credit)+" 元，本机不找零，已记录，可到窗口办理", 10)
	}
	w.line("收 据 号："+p.Receipt, 10)
	w.line("提交时间："+now.Format("2006-01-02 15:04"), 10)
	w.rule("-")
	w.line("领取地点："+c.Place, 10)
	if c.Hours != "" {
		w.line("办公时间："+c.Hours, 10)
	}
	w.line("领取时间：预计 "+c.From.Format("2006-01-02")+"（星期"+weekdays[c.From.Weekday()]+"）起", 10)
	w.line("领取时请携带本回执，本人到场；临时身份证有效期三个月。", 0)
	w.rule("-")
	d.Align(escpos.AlignCenter)
	d.QR([]byte(statusURL), 6, escpos.ECM)
	d.Line("手机扫码或在本机“进度查询”")
	d.Line("凭申请编号查看办理进度")
	d.Line("请妥善保管本回执")
	return w.end(head.Footer)
}
