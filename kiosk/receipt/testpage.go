package receipt

import (
	"fmt"
	"strings"
	"time"

	"bianmin/devices/escpos"
)

// TestInfo is what the technician test page reports about the link.
type TestInfo struct {
	Office, Kiosk, Port, Flow string
	Baud                      int
	Now                       time.Time
}

// TestPage exercises everything the kiosk's receipts use — Chinese text, bold,
// sizes, alignment, a column ruler, a native QR code and the raster fallback QR —
// so a technician sees at a glance whether the printer and its settings work.
func TestPage(t TestInfo) ([]byte, error) {
	w := newWriter()
	d := w.d
	d.Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("打印机测试页").Size(1, 1).Line("PRINTER TEST PAGE").Bold(false)
	w.line(t.Office, 0)
	d.Align(escpos.AlignLeft).Feed(1)
	d.Line("终端 Kiosk: " + t.Kiosk)
	d.Line(fmt.Sprintf("端口 Port: %s  %d 8N1  流控 %s", t.Port, t.Baud, t.Flow))
	d.Line("时间 Time: " + t.Now.Format("2006-01-02 15:04:05"))
	w.rule("=")
	var ruler strings.Builder
	for i := 1; i <= usable; i++ {
		ruler.WriteByte(byte('0' + i%10))
	}
	d.Line(ruler.String())
	d.Line("中文：便民自助服务机 一次性告知 临时身份证")
	d.Bold(true).Line("粗体 Bold").Bold(false)
	d.Size(2, 1).Line("倍宽 2x1").Size(1, 2).Line("倍高 1x2").Size(2, 2).Line("倍大 2x2").Size(1, 1)
	d.Align(escpos.AlignCenter).Line("居中 Centre").Align(escpos.AlignRight).Line("右对齐 Right").Align(escpos.AlignLeft)
	w.rule("=")
	d.Align(escpos.AlignCenter)
	d.Line("原生二维码 Native QR (GS ( k)")
	d.QR([]byte("BIANMIN TEST "+t.Kiosk), 6, escpos.ECM)
	d.Line("图像二维码 Raster QR (GS v 0)")
	d.QRRaster("BIANMIN TEST "+t.Kiosk, 6, escpos.ECM)
	d.Line("两个二维码都应可扫描")
	d.FeedCut(4, true)
	return d.Bytes()
}
