package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"bianmin/devices/escpos"
	"bianmin/devices/serialport"
)

// host opens the device at path as the kiosk would.
func host(t *testing.T, path string) serial.Port {
	t.Helper()
	p, err := serialport.Open(serialport.Config{Name: path, Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readN reads n bytes or fails the test after a second without progress.
func readN(t *testing.T, p serial.Port, n int) []byte {
	t.Helper()
	p.SetReadTimeout(time.Second)
	var out []byte
	buf := make([]byte, 64)
	for len(out) < n {
		k, err := p.Read(buf[:min(len(buf), n-len(out))])
		if err != nil {
			t.Fatalf("read: %v (have % x)", err, out)
		}
		if k == 0 {
			t.Fatalf("timeout: have % x, want %d bytes", out, n)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

func write(t *testing.T, p serial.Port, b []byte) {
	t.Helper()
	if _, err := p.Write(b); err != nil {
		t.Fatal(err)
	}
}

func startPrinter(t *testing.T) (*Bench, *Printer, string) {
	t.Helper()
	dir := t.TempDir()
	b, p, err := RunPrinter(dir, filepath.Join(dir, "capture.bin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, p, dir
}

var allStatus = []byte{0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4}

func TestPrinterStatusBytes(t *testing.T) {
	_, _, dir := startPrinter(t)
	port := host(t, filepath.Join(dir, "printer"))
	for _, tc := range []struct {
		name   string
		events [][]string
		want   []byte // replies to DLE EOT 1, 2, 3, 4
	}{
		{"healthy", nil, []byte{0x12, 0x12, 0x12, 0x12}},
		{"paper near", [][]string{{"paper", "near"}}, []byte{0x12, 0x12, 0x12, 0x1E}},
		{"paper end", [][]string{{"paper", "end"}}, []byte{0x1A, 0x32, 0x12, 0x7E}},
		{"cover open", [][]string{{"cover", "open"}}, []byte{0x1A, 0x16, 0x12, 0x12}},
		{"offline", [][]string{{"offline", "on"}}, []byte{0x1A, 0x12, 0x12, 0x12}},
		{"jam", [][]string{{"printer", "jam"}}, []byte{0x1A, 0x52, 0x16, 0x12}},
		{"cutter", [][]string{{"cutter", "error"}}, []byte{0x1A, 0x52, 0x1A, 0x12}},
		{"cover and paper", [][]string{{"cover", "open"}, {"paper", "end"}}, []byte{0x1A, 0x36, 0x12, 0x7E}},
		{"garbage", [][]string{{"printer", "answer", "garbage"}}, []byte{0xFF, 0xFF, 0xFF, 0xFF}},
		{"recovered", [][]string{{"paper", "end"}, {"cover", "open"}, {"printer", "reset"}}, []byte{0x12, 0x12, 0x12, 0x12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Control(dir, "printer", "reset"); err != nil {
				t.Fatal(err)
			}
			for _, ev := range tc.events {
				if _, err := Control(dir, ev...); err != nil {
					t.Fatal(err)
				}
			}
			write(t, port, allStatus)
			if got := readN(t, port, 4); !bytes.Equal(got, tc.want) {
				t.Errorf("replies % X, want % X", got, tc.want)
			}
		})
	}
}

func TestPrinterMuteAnswersNothing(t *testing.T) {
	b, p, dir := startPrinter(t)
	port := host(t, filepath.Join(dir, "printer"))
	if _, err := b.Do("printer", "mute", "on"); err != nil {
		t.Fatal(err)
	}
	write(t, port, allStatus)
	port.SetReadTimeout(300 * time.Millisecond)
	buf := make([]byte, 4)
	if n, _ := port.Read(buf); n != 0 {
		t.Errorf("mute printer answered % x", buf[:n])
	}
	if p.Requests() != 4 {
		t.Errorf("requests = %d, want 4", p.Requests())
	}
}

func TestPrinterPrintsUnlessStopped(t *testing.T) {
	doc := func(s string) []byte {
		b, err := escpos.New().Init().ChineseMode(true).Line(s).Cut(false).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, p, dir := startPrinter(t)
	port := host(t, filepath.Join(dir, "printer"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	b.Do("cover", "open")
	write(t, port, doc("丢掉"))
	write(t, port, []byte{0x10, 4, 1}) // sync: the data before it has been taken
	if got := readN(t, port, 1); got[0] != 0x1A {
		t.Fatalf("cover open printer answered %X", got[0])
	}
	if txt := p.Text(); txt != "" {
		t.Errorf("stopped printer printed %q", txt)
	}

	b.Do("cover", "closed")
	write(t, port, doc("办事指南 No.1"))
	if err := p.WaitText(ctx, "办事指南 No.1\n"); err != nil {
		t.Fatalf("%v; printed %q", err, p.Text())
	}
	if txt := p.Text(); txt != "办事指南 No.1\n" {
		t.Errorf("printed %q", txt)
	}

	// The capture holds every byte, dropped ones and status requests included.
	want := append(append(doc("丢掉"), 0x10, 4, 1), doc("办事指南 No.1")...)
	captured, err := os.ReadFile(filepath.Join(dir, "capture.bin"))
	if err != nil || !bytes.Equal(captured, want) {
		t.Errorf("capture % x, %v\nwant % x", captured, err, want)
	}
}

// A real printer answers DLE EOT wherever it appears, image data included.
func TestPrinterAnswersRequestsInsideImages(t *testing.T) {
	_, p, dir := startPrinter(t)
	port := host(t, filepath.Join(dir, "printer"))
	img := escpos.NewBitmap(16, 2)
	raster, err := escpos.New().Raster(img, 0).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// Put 10 04 02 into the pixel data.
	copy(raster[len(raster)-3:], []byte{0x10, 0x04, 0x02})
	write(t, port, raster)
	if got := readN(t, port, 1); got[0] != 0x12 {
		t.Errorf("answer %X", got[0])
	}
	cmds := p.Printed()
	if len(cmds) != 1 || cmds[0].Kind != escpos.KindRaster {
		t.Errorf("printed %v, want one raster", cmds)
	}
}

func TestPrinterBaudPacesInput(t *testing.T) {
	b, p, dir := startPrinter(t)
	_ = b
	p.SetBaud(19200)
	port := host(t, filepath.Join(dir, "printer"))
	data := bytes.Repeat([]byte("x"), 957)
	start := time.Now()
	write(t, port, append(data, 0x10, 4, 1)) // 960 bytes: 0.5 s at 19200 8N1
	readN(t, port, 1)
	if el := time.Since(start); el < 450*time.Millisecond {
		t.Errorf("960 bytes at 19200 baud taken in %v, want >= 0.5 s", el)
	}
}

func TestLinkUnplugReplug(t *testing.T) {
	b, p, dir := startPrinter(t)
	path := filepath.Join(dir, "printer")
	l := b.Link("printer")
	first := l.TTY()
	if target, err := os.Readlink(path); err != nil || target != first || !strings.HasPrefix(first, "/dev/pts/") {
		t.Fatalf("link -> %q, %v; tty %q", target, err, first)
	}
	port := host(t, path)

	if _, err := Control(dir, "unplug"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("link still there after unplug: %v", err)
	}
	if _, err := port.Write(allStatus); err == nil {
		port.SetReadTimeout(200 * time.Millisecond)
		if _, err := port.Read(make([]byte, 4)); err == nil {
			t.Error("host I/O still works after unplug")
		}
	}
	if st, _ := Control(dir, "status"); !strings.Contains(st, "(unplugged)") {
		t.Errorf("status %q does not say unplugged", st)
	}

	if _, err := Control(dir, "replug", "printer"); err != nil {
		t.Fatal(err)
	}
	if !l.Plugged() || l.TTY() == "" {
		t.Fatal("not plugged after replug")
	}
	port2 := host(t, path)
	write(t, port2, allStatus[:3])
	if got := readN(t, port2, 1); got[0] != 0x12 {
		t.Errorf("replugged printer answered %X", got[0])
	}
	if p.Requests() < 1 {
		t.Error("printer saw no request after replug")
	}
}

func TestControlEvents(t *testing.T) {
	_, p, dir := startPrinter(t)
	for _, tc := range []struct {
		name    string
		words   []string
		wantErr string // substring; "" for success
		state   string // substring of the printer's state after
	}{
		{"paper end", []string{"paper", "end"}, "", "paper end"},
		{"paper near", []string{"paper", "near"}, "", "paper near end"},
		{"paper ok", []string{"paper", "ok"}, "", "paper ok"},
		{"cover open", []string{"cover", "open"}, "", "cover open"},
		{"cover closed", []string{"cover", "closed"}, "", "cover closed"},
		{"offline on", []string{"offline", "on"}, "", "offline"},
		{"offline off", []string{"offline", "off"}, "", "online"},
		{"addressed", []string{"printer", "jam"}, "", "jam"},
		{"jam clear", []string{"printer", "jam", "clear"}, "", "online"},
		{"jam needs the device named", []string{"jam"}, `unknown event "jam"`, ""},
		{"unknown event", []string{"xyz"}, `unknown event "xyz"`, ""},
		{"unknown for device", []string{"printer", "bill", "2000"}, `unknown event "bill 2000" for printer`, ""},
		{"bad argument", []string{"paper", "wet"}, `paper: want end, near or ok, not "wet"`, ""},
		{"no such device", []string{"unplug", "cash"}, `no device "cash"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := Control(dir, tc.words...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("reply %q, err %v; want error %q", reply, err, tc.wantErr)
				}
				return
			}
			if err != nil || reply != "ok" {
				t.Fatalf("reply %q, err %v", reply, err)
			}
			if st := p.State(); !strings.Contains(st, tc.state) {
				t.Errorf("state %q, want %q in it", st, tc.state)
			}
		})
	}
	t.Run("event claimed twice", func(t *testing.T) {
		if _, err := Start(t.TempDir(), NewPrinter(), &renamed{NewPrinter(), "printer2"}); err == nil ||
			!strings.Contains(err.Error(), "also taken by printer") {
			t.Errorf("two devices owning \"paper\": %v", err)
		}
	})
	t.Run("status", func(t *testing.T) {
		p.SetPaper(PaperEnd)
		reply, err := Control(dir, "status")
		if err != nil || !strings.HasPrefix(reply, "ok printer: paper end,") {
			t.Errorf("reply %q, %v", reply, err)
		}
	})
	t.Run("no simulator", func(t *testing.T) {
		if _, err := Control(t.TempDir(), "status"); err == nil {
			t.Error("Control to an empty dir succeeded")
		}
	})
}

func TestStartTwiceInOneDir(t *testing.T) {
	b, _, dir := startPrinter(t)
	tty := b.Link("printer").TTY()
	if b2, err := Start(dir, NewPrinter()); err == nil {
		b2.Close()
		t.Fatal("second bench started in the same dir")
	}
	if target, err := os.Readlink(filepath.Join(dir, "printer")); err != nil || target != tty {
		t.Errorf("first bench's link now -> %q, %v", target, err)
	}
	if _, err := Control(dir, "status"); err != nil {
		t.Errorf("first bench lost its control socket: %v", err)
	}
}

// A bench killed without Close leaves its link and socket behind; the next
// one takes the place over.
func TestStartOverStaleFiles(t *testing.T) {
	dir := t.TempDir()
	os.Symlink("/dev/pts/999999", filepath.Join(dir, "printer"))
	ln, err := net.Listen("unix", filepath.Join(dir, ControlSocket))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	b, err := Start(dir, NewPrinter())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if target, _ := os.Readlink(filepath.Join(dir, "printer")); target != b.Link("printer").TTY() {
		t.Errorf("link -> %q", target)
	}
}

// renamed is a printer under another link name, for bench tests.
type renamed struct {
	*Printer
	name string
}

func (r *renamed) Name() string { return r.name }

func TestPaceHoldsTheLineRate(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go io.Copy(io.Discard, b)
	w := Pace(a, 9600)
	start := time.Now()
	if _, err := w.Write(make([]byte, 480)); err != nil {
		t.Fatal(err)
	}
	// 480 bytes × 10 bits at 9600 baud is 0.5 s on the wire.
	if el := time.Since(start); el < 480*time.Millisecond {
		t.Errorf("480 bytes written in %v at 9600 baud, faster than the wire", el)
	}
}
