package receipt

import (
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

// TicketSlip is the slip of a problem report: the ticket number large, what and
// where, the masked phone, and a QR code to the ticket's status page (statusURL
// carries the short secret, so only the slip's holder can open it).
func TicketSlip(t bianmin.Ticket, place string, head Letterhead, statusURL string, now time.Time) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("问题上报回执").Size(1, 1).Bold(false)
	w.line(head.Office, 0)
	d.Feed(1).Line("受理编号").Bold(true).Size(1, 2).Line(t.Number).Size(1, 1).Bold(false)
	d.Align(escpos.AlignLeft)
	w.rule("-")
	w.line("问题类别："+t.Category, 10)
	w.line("问题位置："+place, 10)
	for _, p := range t.Phrases {
		w.line("· "+p, 2)
	}
	w.line("联系电话："+bianmin.MaskPhone(t.Phone), 10)
	w.line("提交时间："+now.Format("2006-01-02 15:04"), 10)
	w.rule("-")
	d.Align(escpos.AlignCenter)
	d.QR([]byte(statusURL), 6, escpos.ECM)
	d.Line("手机扫码或在本机“进度查询”")
	d.Line("凭受理编号查看办理进度")
	d.Line("请妥善保管本回执")
	return w.end(head.Footer)
}
