package serialport

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// newPTY returns the path of a fresh pty slave; the master is closed with the test.
func newPTY(t *testing.T) (master *os.File, tty string) {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no ptys here: %v", err)
	}
	name := s.Name()
	s.Close()
	t.Cleanup(func() { m.Close() })
	return m, name
}

func termiosOf(t *testing.T, path string) *unix.Termios {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tio, err := getTermios(fd)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

func TestOpenSetsFlowControl(t *testing.T) {
	for _, tc := range []struct {
		name             string
		flow             Flow
		crtscts, ixonoff bool
	}{
		{"none", FlowNone, false, false},
		{"rtscts", FlowRTSCTS, true, false},
		{"xonxoff", FlowXONXOFF, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tty := newPTY(t)
			// Start from the opposite settings so a no-op cannot pass.
			fd, err := unix.Open(tty, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			pre, _ := getTermios(fd)
			if tc.crtscts {
				pre.Cflag &^= unix.CRTSCTS
			} else {
				pre.Cflag |= unix.CRTSCTS
			}
			if tc.ixonoff {
				pre.Iflag &^= unix.IXON | unix.IXOFF
			} else {
				pre.Iflag |= unix.IXON | unix.IXOFF
			}
			if err := setTermios(fd, pre); err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)

			p, err := Open(Config{Name: tty, Baud: 9600, Flow: tc.flow})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()

			tio := termiosOf(t, tty)
			if got := tio.Cflag&unix.CRTSCTS != 0; got != tc.crtscts {
				t.Errorf("CRTSCTS = %v, want %v", got, tc.crtscts)
			}
			if got := tio.Iflag&unix.IXON != 0; got != tc.ixonoff {
				t.Errorf("IXON = %v, want %v", got, tc.ixonoff)
			}
			if got := tio.Iflag&unix.IXOFF != 0; got != tc.ixonoff {
				t.Errorf("IXOFF = %v, want %v", got, tc.ixonoff)
			}
			if tio.Cflag&unix.CSIZE != unix.CS8 || tio.Cflag&(unix.PARENB|unix.CSTOPB) != 0 {
				t.Errorf("not 8N1: cflag %#x", tio.Cflag)
			}
			if got, err := FlowOf(tty); err != nil || got != tc.flow {
				t.Errorf("FlowOf = %v, %v; want %v", got, err, tc.flow)
			}
		})
	}
}

func TestOpenedPortCarriesBytes(t *testing.T) {
	master, tty := newPTY(t)
	p, err := Open(Config{Name: tty, Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Write([]byte{0x10, 0x04, 0x01}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	master.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := master.Read(buf); err != nil || string(buf) != "\x10\x04\x01" {
		t.Fatalf("master read %x, %v", buf, err)
	}
	// Raw mode: a CR from the device must not become LF.
	master.Write([]byte{0x0d, 0x12})
	p.SetReadTimeout(2 * time.Second)
	n, err := p.Read(buf)
	if err != nil || string(buf[:n]) != "\x0d\x12" {
		t.Fatalf("port read %x, %v", buf[:n], err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "file")
	os.WriteFile(regular, nil, 0o600)
	_, tty := newPTY(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
		msg  string
	}{
		{"missing", Config{Name: filepath.Join(dir, "ttyX"), Baud: 9600}, ErrNotFound,
			"serial: open " + filepath.Join(dir, "ttyX") + ": no such port"},
		{"dangling link", Config{Name: mkLink(t, dir, "printer", "/dev/pts/999999"), Baud: 9600}, ErrNotFound,
			"serial: open " + filepath.Join(dir, "printer") + ": no such port"},
		{"not a tty", Config{Name: regular, Baud: 9600}, ErrNotSerial, ""},
		{"bad baud", Config{Name: tty, Baud: 9601}, ErrConfig, ""},
		{"no name", Config{Baud: 9600}, ErrConfig, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Open(tc.cfg)
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want Is %v", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Port != tc.cfg.Name {
				t.Errorf("err %v does not name the port", err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
		})
	}
}

func mkLink(t *testing.T, dir, name, target string) string {
	p := filepath.Join(dir, name)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlowNames(t *testing.T) {
	for _, f := range []Flow{FlowNone, FlowRTSCTS, FlowXONXOFF} {
		t.Run(f.String(), func(t *testing.T) {
			got, err := ParseFlow(" " + f.String() + " ")
			if err != nil || got != f {
				t.Errorf("ParseFlow(%q) = %v, %v", f.String(), got, err)
			}
		})
	}
	if _, err := ParseFlow("dtrdsr"); err == nil {
		t.Error("ParseFlow accepted dtrdsr")
	}
}

func TestListAddsGlobs(t *testing.T) {
	dir := t.TempDir()
	b := mkLink(t, dir, "printer", "/dev/null")
	a := mkLink(t, dir, "idcard", "/dev/null")
	got, err := List(filepath.Join(dir, "*"), filepath.Join(dir, "printer"), filepath.Join(dir, "none*"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(got) {
		t.Errorf("not sorted: %v", got)
	}
	for _, want := range []string{a, b} {
		if n := countOf(got, want); n != 1 {
			t.Errorf("%s listed %d times in %v", want, n, got)
		}
	}
	if _, err := List("["); err == nil {
		t.Error("malformed glob accepted")
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

// A device that takes no bytes (flow control held, or nobody reading the pty)
// must not pin a writer: ctx and Close both release it.
func TestWriteDoesNotHang(t *testing.T) {
	for _, tc := range []struct {
		name  string
		abort func(p *Port, cancel context.CancelFunc)
		want  error
	}{
		{"context", func(p *Port, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"close", func(p *Port, cancel context.CancelFunc) { p.Close() }, ErrPortClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tty := newPTY(t) // nobody reads the master
			p, err := Open(Config{Name: tty, Baud: 9600})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				n, err := p.WriteContext(ctx, make([]byte, 1<<20))
				done <- result{n, err}
			}()
			select {
			case r := <-done:
				t.Fatalf("1 MB written to a pty nobody reads: %d, %v", r.n, r.err)
			case <-time.After(200 * time.Millisecond):
			}
			tc.abort(p, cancel)
			select {
			case r := <-done:
				if !errors.Is(r.err, tc.want) || r.n == 0 || r.n >= 1<<20 {
					t.Errorf("WriteContext = %d, %v; want some bytes and %v", r.n, r.err, tc.want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("write still blocked")
			}
		})
	}
}

func TestFlowJSON(t *testing.T) {
	type cfg struct{ Flow Flow }
	b, err := json.Marshal(cfg{FlowRTSCTS})
	if err != nil || string(b) != `{"Flow":"rtscts"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var c cfg
	if err := json.Unmarshal([]byte(`{"Flow":"xonxoff"}`), &c); err != nil || c.Flow != FlowXONXOFF {
		t.Fatalf("unmarshal: %v %v", c.Flow, err)
	}
	if err := json.Unmarshal([]byte(`{"Flow":"dtr"}`), &c); err == nil {
		t.Error("unknown flow control accepted")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{First: 250 * time.Millisecond, Max: 10 * time.Second}
	t0 := time.Unix(1000, 0)
	if wait, _ := b.Waiting(t0); wait {
		t.Fatal("a fresh backoff waits")
	}
	var waits []time.Duration
	now := t0
	for i := 0; i < 100; i++ {
		b.Failed(now, errors.New("gone"))
		w := b.retryAt.Sub(now)
		if w <= 0 || w > 10*time.Second {
			t.Fatalf("failure %d: wait %v", i+1, w)
		}
		waits = append(waits, w)
		if wait, cause := b.Waiting(now.Add(w - time.Millisecond)); !wait || cause == nil {
			t.Fatalf("failure %d: not waiting just before the retry time", i+1)
		}
		now = now.Add(w)
	}
	if waits[0] != 250*time.Millisecond || waits[1] != 500*time.Millisecond || waits[99] != 10*time.Second {
		t.Errorf("waits %v … %v", waits[:3], waits[99])
	}
	b.Succeeded()
	if wait, cause := b.Waiting(now); wait || cause != nil || b.Failures() != 0 {
		t.Error("not reset after success")
	}
}
