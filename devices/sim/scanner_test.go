package sim

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"bianmin/devices/scanner"
)

func startScanner(t *testing.T) (*Bench, *Scanner, string) {
	t.Helper()
	dir := t.TempDir()
	s := NewScanner()
	b, err := Start(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, s, dir
}

// readLine reads n bytes or fails the test after a second without progress.
// (readN reads at most 64.)
func readLine(t *testing.T, p serial.Port, n int) []byte {
	t.Helper()
	p.SetReadTimeout(time.Second)
	var out []byte
	buf := make([]byte, 1024)
	for len(out) < n {
		k, err := p.Read(buf[:min(len(buf), n-len(out))])
		if err != nil {
			t.Fatalf("read: %v (have %q)", err, out)
		}
		if k == 0 {
			t.Fatalf("timeout: have %q, want %d bytes", out, n)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

func TestScannerBytes(t *testing.T) {
	_, s, dir := startScanner(t)
	port := host(t, filepath.Join(dir, "scanner"))
	code := "134567890123456789"
	digits := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteByte('0' + byte(i%10))
		}
		return b.String()
	}
	for _, tc := range []struct {
		name   string
		events [][]string
		want   string
	}{
		{"scan cr", [][]string{{"scan", code}}, code + "\r"},
		{"scan lf", [][]string{{"scanner", "suffix", "lf"}, {"scan", code}}, code + "\n"},
		{"scan crlf", [][]string{{"scanner", "suffix", "crlf"}, {"scan", code}}, code + "\r\n"},
		{"named scan", [][]string{{"scanner", "scan", "abc"}}, "abc\r"},
		{"words joined", [][]string{{"scan", "a", "b"}}, "a b\r"},
		{"url", [][]string{{"scan", "https://x.cn/status/T1?s=ab12"}}, "https://x.cn/status/T1?s=ab12\r"},
		{"partial", [][]string{{"scanner", "partial", "1345"}, {"scan", "6"}}, "13456\r"},
		{"garbage", [][]string{{"scanner", "garbage"}}, string(GarbageBytes) + "\r"},
		{"garbage crlf", [][]string{{"scanner", "suffix", "crlf"}, {"scanner", "garbage"}}, string(GarbageBytes) + "\r\n"},
		{"long", [][]string{{"scanner", "long"}}, digits(scanner.DefaultMaxLen+1) + "\r"},
		{"long 20", [][]string{{"scanner", "long", "20"}}, digits(20) + "\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetSuffix(scanner.SuffixCR)
			for _, ev := range tc.events {
				if reply, err := Control(dir, ev...); err != nil || reply != "ok" {
					t.Fatalf("%v: %q, %v", ev, reply, err)
				}
			}
			if got := readLine(t, port, len(tc.want)); !bytes.Equal(got, []byte(tc.want)) {
				t.Errorf("sent %q, want %q", got, tc.want)
			}
		})
	}
	for _, b := range GarbageBytes {
		if b == '\r' || b == '\n' || (b >= 0x20 && b <= 0x7E && b != 0x28) {
			// 0x28 follows 0xC3 to make an invalid UTF-8 pair; the rest must be
			// unprintable so that any reader calls the line garbage.
			t.Errorf("garbage byte %#x", b)
		}
	}
	if n := s.Sent(); n != 12 { // partial and its completion are two
		t.Errorf("Sent() = %d, want 12", n)
	}
	if st := s.State(); st != "suffix cr, 12 lines sent" {
		t.Errorf("State() = %q", st)
	}
}

func TestScannerEventErrors(t *testing.T) {
	_, _, dir := startScanner(t)
	for _, tc := range []struct {
		name  string
		words []string
		want  string
	}{
		{"scan without code", []string{"scan"}, "scan: want a code"},
		{"partial without code", []string{"scanner", "partial"}, "partial: want a code"},
		{"bad suffix", []string{"scanner", "suffix", "tab"}, `suffix: want cr, lf or crlf, not "tab"`},
		{"suffix missing", []string{"scanner", "suffix"}, "suffix: want cr, lf or crlf"},
		{"bad length", []string{"scanner", "long", "x"}, `long: want a length in bytes, not "x"`},
		{"huge length", []string{"scanner", "long", "9999999"}, "long: at most"},
		{"garbage argument", []string{"scanner", "garbage", "x"}, "garbage: takes no arguments"},
		{"unnamed fault", []string{"partial", "12"}, `unknown event "partial 12"`},
		{"unknown", []string{"scanner", "beep"}, `unknown event "beep" for scanner`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Control(dir, tc.words...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestScannerUnplugged(t *testing.T) {
	b, s, dir := startScanner(t)
	if _, err := b.Do("unplug", "scanner"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Control(dir, "scan", "123")
	if err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("scan while unplugged: %v", err)
	}
	if el := time.Since(start); el < scanWait || el > scanWait+2*time.Second {
		t.Errorf("gave up after %v, want %v", el, scanWait)
	}
	if st, _ := Control(dir, "status"); !strings.Contains(st, "scanner: suffix cr") || !strings.Contains(st, "(unplugged)") {
		t.Errorf("status %q", st)
	}
	if _, err := b.Do("replug", "scanner"); err != nil {
		t.Fatal(err)
	}
	port := host(t, filepath.Join(dir, "scanner"))
	if err := s.Scan("back"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, port, 5); string(got) != "back\r" {
		t.Errorf("after replug: %q", got)
	}
}

func TestScannerBesidePrinter(t *testing.T) {
	dir := t.TempDir()
	s := NewScanner()
	b, err := Start(dir, NewPrinter(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port := host(t, filepath.Join(dir, "scanner"))
	if _, err := Control(dir, "paper", "end"); err != nil {
		t.Fatal(err)
	}
	if _, err := Control(dir, "scan", "X1"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, port, 3); string(got) != "X1\r" {
		t.Errorf("scanner sent %q", got)
	}
}

func TestScannerPaced(t *testing.T) {
	_, s, dir := startScanner(t)
	port := host(t, filepath.Join(dir, "scanner"))
	s.SetBaud(9600)
	start := time.Now()
	if err := s.Long(479); err != nil { // 480 bytes with the CR: 0.5 s at 9600 8N1
		t.Fatal(err)
	}
	readLine(t, port, 480)
	if el := time.Since(start); el < 480*time.Millisecond {
		t.Errorf("480 bytes sent in %v at 9600 baud", el)
	}
	if !strings.Contains(s.State(), "9600 baud") {
		t.Errorf("State() = %q", s.State())
	}
}
