package receipt

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/assets"
	"bianmin/devices/escpos"
)

var update = flag.Bool("update", false, "rewrite golden files")

var printTime = time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".hex")
	dump := []byte(hex.Dump(got))
	if *update {
		if err := os.WriteFile(path, dump, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(dump, want) {
		t.Errorf("%s: bytes differ from the golden file (run go test -update after checking the change)", name)
	}
}

func fixture(t testing.TB) bianmin.Guide {
	t.Helper()
	data, err := os.ReadFile("testdata/guide.json")
	if err != nil {
		t.Fatal(err)
	}
	g, err := bianmin.ParseGuide(data)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestChecklistGolden(t *testing.T) {
	g := fixture(t)
	b, err := Checklist(g, Letterhead{Office: "南岗区花园街道办事处"}, "https://office.example.cn/guides/"+g.ID, printTime)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "checklist", b)
	if !bytes.HasPrefix(b, []byte{0x1B, 0x40, 0x1C, 0x26}) {
		t.Errorf("checklist must start with ESC @ then FS & (Chinese mode), got % X", b[:4])
	}
}

func TestTestPageGolden(t *testing.T) {
	b, err := TestPage(TestInfo{Office: "南岗区花园街道办事处", Kiosk: "kiosk-01", Port: "/dev/ttyS0", Flow: "rtscts", Baud: 115200, Now: printTime})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testpage", b)
	cmds, err := escpos.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var native, raster int
	for _, c := range cmds {
		switch c.Kind {
		case escpos.KindQRStore:
			native++
		case escpos.KindRaster:
			raster++
		}
	}
	if native != 1 || raster == 0 {
		t.Errorf("test page: %d native QR, %d raster blocks; want 1 and ≥1", native, raster)
	}
}

// Every shipped guide prints, and decoding the GB18030 text back gives the
// guide's strings: title, every material, place, hours, phone, and the QR URL.
func TestChecklistDecodesToGuide(t *testing.T) {
	guides, err := assets.Guides()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range guides {
		t.Run(g.ID, func(t *testing.T) {
			url := "http://127.0.0.1:8080/guides/" + g.ID
			b, err := Checklist(g, Letterhead{Office: "南岗区花园街道办事处"}, url, printTime)
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := escpos.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			// Wrapped lines are joined back: a field may span several printed lines.
			text := strings.ReplaceAll(escpos.PlainText(cmds), "\n", "")
			text = strings.Join(strings.Fields(text), "")
			want := []string{g.Title, g.Department, g.Place, g.Hours, g.Phone, g.TimeLimit, g.Fee}
			for _, m := range g.Materials {
				want = append(want, m.Name, m.Note)
			}
			for _, w := range want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
					t.Errorf("printed text lacks %q", w)
				}
			}
			if n := strings.Count(text, "□"); n != len(g.Materials) {
				t.Errorf("%d tick boxes for %d materials", n, len(g.Materials))
			}
			var qr string
			for _, c := range cmds {
				if c.Kind == escpos.KindQRStore {
					qr = string(c.Data)
				}
			}
			if qr != url {
				t.Errorf("QR payload %q, want %q", qr, url)
			}
		})
	}
}

func TestRareCharacterPrintsAsImage(t *testing.T) {
	g := fixture(t)
	g.Materials[0].Note = "户主𠀾的证件" // U+2003E needs 4 bytes in GB18030
	b, err := Checklist(g, Letterhead{Office: "花园街道"}, "http://x/guides/a", printTime)
	if err != nil {
		t.Fatalf("a rare character must not stop printing: %v", err)
	}
	cmds, err := escpos.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	raster := 0
	for _, c := range cmds {
		if c.Kind == escpos.KindRaster {
			raster++
			if c.W != DotsWide/8 || c.H != 24 {
				t.Errorf("raster line %d×%d bytes×dots, want %d×24", c.W, c.H, DotsWide/8)
			}
		}
	}
	if raster != 1 {
		t.Errorf("%d raster lines, want 1", raster)
	}
	if strings.Contains(escpos.PlainText(cmds), "户主") {
		t.Error("the line with the rare character was also sent as text")
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		cols   int
		indent int
		want   []string
	}{
		{"fits", "办理部门：派出所", 48, 0, []string{"办理部门：派出所"}},
		{"cjk split", "一二三四五六", 8, 0, []string{"一二三四", "五六"}},
		{"indent", "一二三四五六七", 8, 2, []string{"一二三四", "五六七"}},
		{"latin word kept", "电话 0451-82681101", 16, 0, []string{"电话", "0451-82681101"}},
		{"empty", "", 10, 0, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap(tc.in, tc.cols, tc.indent)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("wrap(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for i, l := range got {
				room := tc.cols
				if i > 0 {
					room -= tc.indent
				}
				if cellWidth(l) > room {
					t.Errorf("line %q is %d columns, room %d", l, cellWidth(l), room)
				}
			}
		})
	}
}

func TestTicketSlip(t *testing.T) {
	tk := bianmin.Ticket{Number: "T20261125-483920-0042", Secret: "a1b2c3d4", Category: "供水", Phrases: []string{"家中无水", "水压太低"},
		Phone: "13812345678", Channel: "kiosk"}
	url := "https://office.example.cn/status/T20261125-483920-0042?s=a1b2c3d4"
	b, err := TicketSlip(tk, "花园社区 3号楼 2单元 501", Letterhead{Office: "南岗区花园街道办事处"}, url, printTime)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ticket", b)
	cmds, _ := escpos.Decode(b)
	text := escpos.PlainText(cmds)
	for _, want := range []string{tk.Number, "供水", "家中无水", "138****5678", "花园社区 3号楼 2单元 501"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q", want)
		}
	}
	if strings.Contains(text, "13812345678") || strings.Contains(text, tk.Secret) {
		t.Error("slip shows the phone or the secret in clear text")
	}
	var qr string
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			qr = string(c.Data)
		}
	}
	if qr != url {
		t.Errorf("QR %q", qr)
	}
}
