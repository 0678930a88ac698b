package ctl

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

// syncBuffer is an output a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) lines() []string {
	out := strings.TrimSuffix(s.String(), "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// runScanTest starts `kioskctl scan test` with args in the background and
// waits until it listens; the returned channel gives its exit status.
func runScanTest(t *testing.T, args ...string) (stdout, stderr *syncBuffer, exit <-chan int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main(append([]string{"scan", "test"}, args...), stdout, stderr) }()
	if !waitFor(10*time.Second, func() bool { return strings.Contains(stderr.String(), "reading scans on") }) {
		t.Fatalf("scan test did not start; stderr %q", stderr.String())
	}
	return stdout, stderr, done
}

func TestScanTestPrintsEachScan(t *testing.T) {
	dir := t.TempDir()
	s := sim.NewScanner()
	b := simtest.Start(t, dir, s)
	const base = "https://bianmin.example.cn"
	stdout, stderr, exit := runScanTest(t, "--port", filepath.Join(dir, "scanner"), "--timeout", "5s",
		"--slip-base", base, "--suffix", "crlf", "--data", t.TempDir())

	for _, tc := range []struct {
		name  string
		event []string
		want  string
	}{
		{"wechat", []string{"scan", "134567890123456789"}, `{"code":"134567890123456789","class":"wechat"}`},
		{"alipay", []string{"scan", "280000000000000001"}, `{"code":"280000000000000001","class":"alipay"}`},
		{"slip", []string{"scan", base + "/status/T20261125-0001?s=ab12"}, `{"class":"slip","number":"T20261125-0001","secret":"ab12"}`},
		{"other", []string{"scan", "https://example.com/?a=<b>&c"}, `{"code":"https://example.com/?a=<b>&c","class":"other"}`},
		{"garbage", []string{"scanner", "garbage"}, `{"error":"garbage"}`},
		{"too long", []string{"scanner", "long"}, `{"error":"too_long"}`},
		{"partial", []string{"scanner", "partial", "1345"}, `{"error":"partial"}`},
		{"unplug", []string{"unplug"}, `{"error":"disconnected"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(stdout.lines())
			// Through the control socket, as a technician would.
			if out, errOut, code := kioskctl(t, append([]string{"sim", "ctl", "--dir", dir}, tc.event...)...); code != 0 {
				t.Fatalf("sim ctl %v: %d %q %q", tc.event, code, out, errOut)
			}
			if !waitFor(5*time.Second, func() bool { return len(stdout.lines()) > n }) {
				t.Fatalf("no output line; stdout %q", stdout.String())
			}
			if got := stdout.lines()[n]; got != tc.want {
				t.Errorf("line %s, want %s", got, tc.want)
			}
		})
	}

	// The tool keeps running across the replug. Until the driver has reopened
	// the port, what the scanner sends is lost (its input is flushed on open),
	// so scan until a line comes.
	b.Do("replug")
	n := len(stdout.lines())
	want := `{"code":"134567890123456789","class":"wechat"}`
	if !waitFor(5*time.Second, func() bool {
		if len(stdout.lines()) > n {
			return true
		}
		s.Scan("134567890123456789")
		time.Sleep(200 * time.Millisecond)
		return len(stdout.lines()) > n
	}) {
		t.Fatalf("nothing read after replug; stdout %q", stdout.String())
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("scan test did not stop at its timeout")
	}
	lines := stdout.lines()
	for _, l := range lines[n:] {
		if l != want {
			t.Errorf("after replug: %s, want %s", l, want)
		}
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("not JSON: %s", l)
		}
	}
	if got := strings.Count(stderr.String(), "\n"); got != 1 {
		t.Errorf("stderr %q, want the one line", stderr.String())
	}
}

// Without --slip-base, slips are those of the kiosk's configured service.
func TestScanTestSlipBaseFromKiosk(t *testing.T) {
	dir := t.TempDir()
	s := sim.NewScanner()
	simtest.Start(t, dir, s)
	stdout, stderr, exit := runScanTest(t, "--port", filepath.Join(dir, "scanner"), "--timeout", "1s", "--data", t.TempDir())
	if !strings.Contains(stderr.String(), "slips under http://127.0.0.1:8080") {
		t.Errorf("stderr %q", stderr.String())
	}
	if err := s.Scan("http://127.0.0.1:8080/status/A20261125-0002?s=Zx9"); err != nil {
		t.Fatal(err)
	}
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if got, want := stdout.String(), `{"class":"slip","number":"A20261125-0002","secret":"Zx9"}`+"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

func TestScanTestErrors(t *testing.T) {
	dir := t.TempDir()
	simtest.Start(t, dir, sim.NewScanner())
	port := filepath.Join(dir, "scanner")
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no such port", []string{"scan", "test", "--port", filepath.Join(dir, "nothing")}, "no such port", 1},
		{"no port", []string{"scan", "test"}, "scan test needs --port P", 2},
		{"no subcommand", []string{"scan"}, "scan needs test", 2},
		{"unknown subcommand", []string{"scan", "read", "--port", port}, `unknown scan command "read"`, 2},
		{"extra argument", []string{"scan", "test", "x", "--port", port}, "takes no arguments", 2},
		{"bad suffix", []string{"scan", "test", "--port", port, "--suffix", "tab"}, `unknown suffix "tab"`, 2},
		{"bad slip base", []string{"scan", "test", "--port", port, "--slip-base", "example.cn"}, "slip base", 2},
		{"bad baud", []string{"scan", "test", "--port", port, "--baud", "1234"}, "baud 1234", 2},
		{"bad flow", []string{"scan", "test", "--port", port, "--flow", "dtr"}, "flow control", 2},
		{"negative timeout", []string{"scan", "test", "--port", port, "--timeout", "-1s"}, "timeout", 2},
		{"bad timeout", []string{"scan", "test", "--port", port, "--timeout", "soon"}, "timeout", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := kioskctl(t, append(tc.args, "--data", data)...)
			first := strings.SplitN(errOut, "\n", 2)[0]
			if code != tc.code || !strings.Contains(first, tc.want) || out != "" {
				t.Errorf("exit %d, first line %q, stdout %q; want exit %d mentioning %q", code, first, out, tc.code, tc.want)
			}
		})
	}
}
