package ctl

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

// jsonLines decodes the JSON lines written so far.
func (o *syncBuffer) jsonLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(o.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// awaitJSON waits for n JSON lines and decodes them.
func (o *syncBuffer) awaitJSON(t *testing.T, n int) []map[string]any {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if l := o.jsonLines(t); len(l) >= n {
			return l
		}
	}
	t.Fatalf("timed out waiting for %d lines; have %q", n, o.String())
	return nil
}

func startCash(t *testing.T) (*sim.Bench, *sim.Cash, string) {
	t.Helper()
	dir := t.TempDir()
	c := sim.NewCash()
	b := simtest.Start(t, dir, c)
	return b, c, filepath.Join(dir, "cash")
}

// runCashTest starts `kioskctl cash test` and waits until it accepts cash.
func runCashTest(t *testing.T, args ...string) (stdout, stderr *syncBuffer, exit <-chan int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main(append([]string{"cash", "test"}, args...), stdout, stderr) }()
	for end := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "accepting cash on"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("cash test did not start; stderr %q", stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("cash test exited %d: %s", code, stderr.String())
		default:
		}
	}
	return stdout, stderr, done
}

func TestCashTestPrintsEachEvent(t *testing.T) {
	b, c, port := startCash(t)
	stdout, stderr, exit := runCashTest(t, "--port", port, "--timeout", "4s", "--data", t.TempDir())
	if !strings.Contains(stderr.String(), "bill validator and coin acceptor") {
		t.Errorf("stderr %q", stderr.String())
	}
	n := func(v int) any { return float64(v) }
	steps := []struct {
		name  string
		event []string
		want  []map[string]any
	}{
		{"bill", []string{"bill", "2000"}, []map[string]any{
			{"event": "escrow", "amount": n(2000), "device": "bill", "type": n(4), "counter": n(1), "route": "stack"},
			{"event": "credit", "amount": n(2000), "device": "bill", "type": n(4), "counter": n(2)},
		}},
		{"coin", []string{"coin", "100"}, []map[string]any{
			{"event": "credit", "amount": n(100), "device": "coin", "type": n(3), "counter": n(1)},
		}},
		{"jam", []string{"jam"}, []map[string]any{
			{"event": "jam", "device": "bill", "counter": n(3), "status": "bill jammed in transport (unsafe)", "code": n(6)},
		}},
		{"stacker", []string{"stacker", "removed"}, []map[string]any{
			{"event": "stacker", "device": "bill", "counter": n(4), "status": "stacker removed", "code": n(11)},
		}},
	}
	have := 0
	for _, s := range steps {
		if _, err := b.Do(s.event...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := stdout.awaitJSON(t, have+len(s.want))[have:]
		have += len(s.want)
		if !reflect.DeepEqual(got, s.want) {
			t.Errorf("%s: lines %v, want %v", s.name, got, s.want)
		}
	}
	if first := strings.SplitN(stdout.String(), "\n", 3)[1]; first != `{"event":"credit","amount":2000,"device":"bill","type":4,"counter":2}` {
		t.Errorf("credit line %q", first)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("cash test did not stop at its timeout")
	}
	if bill, coin := c.Accepting(); bill || coin {
		t.Error("acceptance still enabled after cash test")
	}
}

func TestCashTestWithoutCoinAcceptor(t *testing.T) {
	_, c, port := startCash(t)
	c.SetCoinFitted(false)
	_, stderr, exit := runCashTest(t, "--port", port, "--timeout", "1s", "--data", t.TempDir())
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if s := stderr.String(); !strings.Contains(s, "no coin acceptor answers at address 2") || !strings.Contains(s, "(bill validator)") {
		t.Errorf("stderr %q", s)
	}
	out, errOut, code := kioskctl(t, "cash", "test", "--port", port, "--timeout", "1s", "--coin", "on", "--data", t.TempDir())
	if code != 1 || out != "" || !strings.Contains(errOut, "cash: open: coin acceptor: no answer") {
		t.Errorf("--coin on without one: %d %q %q", code, out, errOut)
	}
	out, errOut, code = kioskctl(t, "cash", "test", "--port", port, "--timeout", "500ms", "--coin", "off", "--data", t.TempDir())
	if code != 0 || out != "" || strings.Contains(errOut, "no coin acceptor answers") {
		t.Errorf("--coin off: %d %q %q", code, out, errOut)
	}
}

func TestCashTestErrors(t *testing.T) {
	_, c, port := startCash(t)
	_, printerDir := startPrinter(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no port", []string{"cash", "test"}, 2, "cash test needs --port P"},
		{"no subcommand", []string{"cash", "--port", port}, 2, "cash needs test"},
		{"unknown subcommand", []string{"cash", "count", "--port", port}, 2, `unknown cash command "count"`},
		{"bad bills", []string{"cash", "test", "--port", port, "--bills", "4=20元"}, 2, `want TYPE=FEN, not "4=20元"`},
		{"bad coin mode", []string{"cash", "test", "--port", port, "--coin", "maybe"}, 2, "want auto, on or off"},
		{"bad baud", []string{"cash", "test", "--port", port, "--baud", "1234"}, 2, "baud 1234"},
		{"missing port", []string{"cash", "test", "--port", filepath.Join(t.TempDir(), "nothing")}, 1, "no such port"},
		{"not a ccTalk device", []string{"cash", "test", "--port", filepath.Join(printerDir, "printer")}, 1,
			"cash: open: bill validator: no answer (is this a ccTalk device at that address?)"},
		{"wrong denominations", []string{"cash", "test", "--port", port, "--bills", "4=5000"}, 1,
			"bill type 4 is CN0020A (2000 分) but configured as 5000 分"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "--data", t.TempDir(), "--timeout", "500ms")
			_, errOut, code := kioskctl(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errOut)
			}
			first, _, _ := strings.Cut(errOut, "\n")
			if !strings.HasPrefix(first, "kioskctl: ") || !strings.Contains(first, tc.msg) {
				t.Errorf("stderr %q, want one line with %q", errOut, tc.msg)
			}
			if tc.code == 1 && strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr %q is not one line", errOut)
			}
		})
	}
	if bill, coin := c.Accepting(); bill || coin {
		t.Error("a failed cash test left acceptance enabled")
	}
}

func TestCashSimRegistered(t *testing.T) {
	var found bool
	for _, sd := range simDevices {
		if sd.name != "cash" {
			continue
		}
		found = true
		d, err := sd.make(simOptions{baud: 9600})
		if err != nil || d.Name() != "cash" {
			t.Errorf("sim cash: %v, %v", d, err)
		}
		if !strings.Contains(d.State(), "9600 baud") {
			t.Errorf("sim cash ignores --baud: %q", d.State())
		}
	}
	if !found {
		t.Error("sim all does not start the cash unit")
	}
}
