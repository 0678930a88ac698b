package ctl

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/devices/escpos"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

func kioskctl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return o.String(), e.String(), code
}

func TestGuidesCommands(t *testing.T) {
	data := t.TempDir()
	out, errOut, code := kioskctl(t, "guides", "list", "--data", data)
	if code != 0 {
		t.Fatalf("guides list: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 12 {
		t.Fatalf("guides list printed %d lines", len(lines))
	}
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) != 2 || f[0] == "" || f[1] == "" {
			t.Errorf("line %q is not id<TAB>title", l)
		}
	}
	out, _, code = kioskctl(t, "guides", "search", "医保", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "resident-medical-insurance\t") {
		t.Errorf("search 医保: %d %q", code, out)
	}
	out, _, code = kioskctl(t, "guides", "search", "--data", data, "%")
	if code != 0 || out != "" {
		t.Errorf("search %%: %d %q, want no lines", code, out)
	}
	out, _, code = kioskctl(t, "guides", "show", "temporary-id-card", "--data", data)
	if code != 0 || out != "temporary-id-card\t临时身份证（临时居民身份证）办理\n" {
		t.Errorf("show: %d %q", code, out)
	}
	_, errOut, code = kioskctl(t, "guides", "show", "no-such", "--data", data)
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `no guide with id "no-such"`) {
		t.Errorf("unknown id: %d %q", code, errOut)
	}
	_, _, code = kioskctl(t, "guides", "frobnicate", "--data", data)
	if code != 2 {
		t.Errorf("unknown subcommand exit %d, want 2", code)
	}
}

func startPrinter(t *testing.T) (*sim.Printer, string) {
	t.Helper()
	dir := t.TempDir()
	p := sim.NewPrinter()
	simtest.Start(t, dir, p)
	return p, dir
}

func TestPrintGuideToSimulator(t *testing.T) {
	p, dir := startPrinter(t)
	out, errOut, code := kioskctl(t, "print", "guide", "dibao-apply", "--port", filepath.Join(dir, "printer"), "--data", t.TempDir())
	if code != 0 {
		t.Fatalf("print guide: %d %s", code, errOut)
	}
	if !strings.HasPrefix(out, "printed ") {
		t.Errorf("stdout %q", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.WaitText(ctx, "最低生活保障"); err != nil {
		t.Fatalf("the simulator never printed the title: %v\n%s", err, p.Text())
	}
	var qr string
	for _, c := range p.Printed() {
		if c.Kind == escpos.KindQRStore {
			qr = string(c.Data)
		}
	}
	if !strings.HasSuffix(qr, "/guides/dibao-apply") {
		t.Errorf("QR payload %q", qr)
	}
}

func TestPrintErrors(t *testing.T) {
	p, dir := startPrinter(t)
	port := filepath.Join(dir, "printer")
	data := t.TempDir()
	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		want  string
		code  int
	}{
		{"no such port", nil, []string{"print", "test", "--port", filepath.Join(dir, "nothing")}, "no such port", 1},
		{"unknown guide", nil, []string{"print", "guide", "no-such", "--port", port}, `no guide with id "no-such"`, 1},
		{"paper end", func() { p.SetPaper(sim.PaperEnd) }, []string{"print", "test", "--port", port}, "paper end", 1},
		{"not a printer", func() { p.SetPaper(sim.PaperOK); p.SetAnswer(sim.AnswerMute) }, []string{"print", "test", "--port", port}, "no answer", 1},
		{"garbage", func() { p.SetAnswer(sim.AnswerGarbage) }, []string{"print", "test", "--port", port}, "unexpected status byte", 1},
		{"bad flow", nil, []string{"print", "test", "--port", port, "--flow", "dtr"}, "flow control", 2},
		{"bad baud", nil, []string{"print", "test", "--port", port, "--baud", "1234"}, "baud", 2},
		{"no port", nil, []string{"print", "test"}, "--port", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			_, errOut, code := kioskctl(t, append(tc.args, "--data", data)...)
			first := strings.SplitN(errOut, "\n", 2)[0]
			if code != tc.code || !strings.Contains(first, tc.want) {
				t.Errorf("exit %d, first line %q; want exit %d mentioning %q", code, first, tc.code, tc.want)
			}
		})
	}
}

func TestSimCtl(t *testing.T) {
	p, dir := startPrinter(t)
	out, errOut, code := kioskctl(t, "sim", "ctl", "--dir", dir, "cover", "open")
	if code != 0 || strings.TrimSpace(out) != "ok" {
		t.Fatalf("cover open: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(p.State(), "cover open") {
		t.Errorf("state after cover open: %s", p.State())
	}
	_, errOut, code = kioskctl(t, "sim", "ctl", "--dir", dir, "warp", "9")
	if code != 1 || !strings.Contains(errOut, "unknown event") {
		t.Errorf("unknown event: %d %q", code, errOut)
	}
	_, errOut, code = kioskctl(t, "sim", "ctl", "--dir", filepath.Join(dir, "none"), "status")
	if code != 1 || !strings.Contains(errOut, "no simulator") {
		t.Errorf("no simulator: %d %q", code, errOut)
	}
}

func TestPorts(t *testing.T) {
	_, errOut, code := kioskctl(t, "ports")
	if code != 0 {
		t.Fatalf("ports: %d %s", code, errOut)
	}
	_, _, code = kioskctl(t, "nonsense")
	if code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
}
