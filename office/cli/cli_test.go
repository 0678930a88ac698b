package cli_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/assets"
	"bianmin/office/cli"
	"bianmin/office/officetest"
)

func env(vars map[string]string, stderr io.Writer) cli.Env {
	return cli.Env{
		Getenv: func(k string) string { return vars[k] },
		Stdout: io.Discard,
		Stderr: stderr,
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"no command", nil, []string{"Usage:", "serve"}},
		{"unknown command", []string{"enrol"}, []string{`unknown command "enrol"`, "Commands:"}},
		{"help", []string{"help"}, []string{"Commands:", "serve"}},
		{"-h", []string{"-h"}, []string{"Commands:"}},
		{"help serve", []string{"help", "serve"}, []string{"--addr", "officed.db", "/api/v1/"}},
		{"serve --help", []string{"serve", "--help"}, []string{"-addr", "-data", "officed.db", "OFFICED_ADDR", "/metrics"}},
		{"help lists enroll-code", []string{"help"}, []string{"enroll-code", "kiosks", "revoke"}},
		{"enroll-code without a name", []string{"enroll-code", "--data", "/nonexistent"}, []string{"--kiosk: kiosk name is empty"}},
		{"enroll-code with a control character", []string{"enroll-code", "--kiosk", "a\tb"}, []string{"control character"}},
		{"revoke without an id", []string{"revoke", "--data", "/nonexistent"}, []string{"want exactly one kiosk ID"}},
		{"revoke two ids", []string{"revoke", "K1", "K2"}, []string{"want exactly one kiosk ID, got 2"}},
		{"kiosks with an argument", []string{"kiosks", "all"}, []string{`unexpected argument "all"`}},
		{"unknown flag", []string{"serve", "--port", "80"}, []string{"flag provided but not defined: -port"}},
		{"extra argument", []string{"serve", "now"}, []string{`unexpected argument "now"`}},
		{"bad log format", []string{"serve", "--log-format", "xml"}, []string{`log format "xml"`}},
		{"bad log level", []string{"serve", "--log-level", "loud"}, []string{`log level "loud"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := cli.Run(context.Background(), tc.args, env(nil, &stderr))
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d", code, cli.ExitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe runs "officed serve args..." in-process and returns its address,
// a function that stops it and returns the exit status, and its log.
func startServe(t *testing.T, vars map[string]string, args ...string) (addr string, stop func() int, logs *officetest.LogBuffer) {
	t.Helper()
	logs = &officetest.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, append([]string{"serve"}, args...), env(vars, logs)) }()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatalf("serve did not stop within 10s:\n%s", logs)
			return -1
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			t.Cleanup(func() { cancel() })
			return m[1], stop, logs
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening:\n%s", code, logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve logged no listening address:\n%s", logs)
	return
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServeShippedGuides runs the real serve command and checks every shipped
// guide renders completely.
func TestServeShippedGuides(t *testing.T) {
	guides, err := assets.Guides()
	if err != nil {
		t.Fatalf("assets.Guides: %v", err)
	}
	if len(guides) == 0 {
		t.Fatal("no shipped guides")
	}
	dataDir := filepath.Join(t.TempDir(), "office", "data")
	addr, stop, logs := startServe(t, map[string]string{"OFFICED_ADDR": "127.0.0.1:0"}, "--data", dataDir)
	base := "http://" + addr

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET %s = %d %q", path, code, body)
		}
	}
	code, index := get(t, base+"/guides/")
	if code != http.StatusOK {
		t.Fatalf("GET /guides/ = %d", code)
	}
	for _, g := range guides {
		if !strings.Contains(index, `href="/guides/`+g.ID+`"`) {
			t.Errorf("index lacks a link to %s", g.ID)
		}
		code, body := get(t, base+"/guides/"+g.ID)
		if code != http.StatusOK {
			t.Errorf("GET /guides/%s = %d", g.ID, code)
			continue
		}
		// Text appears HTML-escaped, as html/template writes it.
		for _, want := range append([]string{g.Title, g.Department, g.Place, g.Hours}, materialNames(g.Materials)...) {
			if !strings.Contains(body, escape(want)) {
				t.Errorf("/guides/%s lacks %q", g.ID, want)
			}
		}
	}

	if code := stop(); code != cli.ExitOK {
		t.Errorf("exit %d after cancel, want 0:\n%s", code, logs)
	}
	if fi, err := os.Stat(dataDir); err != nil || !fi.IsDir() {
		t.Errorf("data directory not created: %v", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no clean-stop log line:\n%s", logs)
	}
}

func materialNames(ms []bianmin.Material) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

func TestFlagBeatsEnvironment(t *testing.T) {
	addr, stop, logs := startServe(t,
		map[string]string{"OFFICED_ADDR": "256.0.0.1:99999", "OFFICED_LOG_FORMAT": "text"},
		"--addr", "127.0.0.1:0", "--data", t.TempDir())
	if _, port, _ := net.SplitHostPort(addr); port == "0" || port == "99999" {
		t.Errorf("listening on %s", addr)
	}
	if code := stop(); code != cli.ExitOK {
		t.Errorf("exit %d:\n%s", code, logs)
	}
}

func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr officetest.LogBuffer
	code := cli.Run(context.Background(), []string{"serve", "--addr", ln.Addr().String(), "--data", t.TempDir()}, env(nil, &stderr))
	if code != cli.ExitError || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

func TestDataDirectoryUnusable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr officetest.LogBuffer
	code := cli.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(file, "data")}, env(nil, &stderr))
	if code != cli.ExitError || !strings.Contains(stderr.String(), "data directory") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
