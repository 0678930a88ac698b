package escpos

import (
	"fmt"
	"testing"
)

// checklist builds a guide's 40-item checklist with a QR link, the longest
// receipt the kiosk prints.
func checklist() *Doc {
	d := New().Init().ChineseMode(true).
		Align(AlignCenter).Size(2, 2).Bold(true).Line("居住证办理材料清单").
		Size(1, 1).Bold(false).Align(AlignLeft)
	for i := 1; i <= 40; i++ {
		d.Line(fmt.Sprintf("%2d. 身份证原件及复印件（正反面）%d 份", i, i%3+1))
	}
	return d.Align(AlignCenter).
		QR([]byte("https://example.org/guide/residence-permit?kiosk=K017"), 6, ECM).
		Feed(3).FeedCut(0, true)
}

func BenchmarkChecklist(b *testing.B) {
	out, err := checklist().Bytes()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := checklist().Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeChecklist(b *testing.B) {
	out, err := checklist().Bytes()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}
