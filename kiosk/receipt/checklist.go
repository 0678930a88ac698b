package receipt

import (
	"fmt"
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

// Checklist is the 一次性告知 slip of a guide: every required material with a
// tick box, where and when to go, whom to call, and a QR code to the guide's
// public page (guideURL) so the resident can read the rest on the phone.
func Checklist(g bianmin.Guide, head Letterhead, guideURL string, now time.Time) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("一次性告知单").Size(1, 1).Bold(false)
	w.line(head.Office, 0)
	d.Feed(1).Align(escpos.AlignLeft)
	d.Bold(true)
	w.line("事项："+g.Title, 6)
	d.Bold(false)
	w.line("办理部门："+g.Department, 10)
	w.rule("-")
	d.Bold(true).Line("所需材料（请逐项核对）：").Bold(false)
	for i, m := range g.Materials {
		w.line(fmt.Sprintf("□ %d. %s  %s %d份", i+1, m.Name, m.Form, m.Count), 5)
		if m.Note != "" {
			w.line("     注："+m.Note, 9)
		}
	}
	w.rule("-")
	w.line("办理地点："+g.Place, 10)
	w.line("办公时间："+g.Hours, 10)
	w.line("咨询电话："+g.Phone, 10)
	w.line("办理时限："+g.TimeLimit, 10)
	w.line("收费标准："+g.Fee, 10)
	d.Feed(1).Align(escpos.AlignCenter)
	d.QR([]byte(guideURL), 6, escpos.ECM)
	d.Line("手机扫码查看完整办事指南")
	w.line(fmt.Sprintf("指南版本 %s（%s更新）", g.Version, g.Updated), 0)
	d.Line("打印时间 " + now.Format("2006-01-02 15:04"))
	return w.end(head.Footer)
}
