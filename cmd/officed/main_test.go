package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bianmin/assets"
)

// build compiles this command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "officed")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBinaryServesAndStopsOnSIGTERM runs the real binary the way an init system
// would: serve on a free port, answer, stop cleanly on SIGTERM.
func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	bin := build(t)
	guides, err := assets.Guides()
	if err != nil || len(guides) == 0 {
		t.Fatalf("shipped guides: %d, %v", len(guides), err)
	}
	g := guides[0]

	dataDir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "json")
	cmd.Env = []string{"PATH=/usr/bin:/bin"} // nothing from the test's environment
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logs lockedBuffer
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addrc <- line.Addr
			}
		}
		exited <- cmd.Wait() // after stderr is drained, as Wait requires
	}()
	defer cmd.Process.Kill()

	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("officed exited before listening: %v\n%s", err, logs.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("no listening line within 15s:\n%s", logs.String())
	}

	base := "http://" + addr
	if code, body := get(t, base+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	code, body := get(t, base+"/guides/"+g.ID)
	if code != http.StatusOK || !strings.Contains(body, g.Title) || !strings.Contains(body, `href="tel:`) {
		t.Errorf("/guides/%s = %d, title or tel: link missing", g.ID, code)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			t.Errorf("exit after SIGTERM: %v, want status 0\n%s", err, logs.String())
		} else if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("officed still running 5s after SIGTERM:\n%s", logs.String())
	}
	for _, want := range []string{`"msg":"request"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestBinaryUsage(t *testing.T) {
	bin := build(t)
	for _, args := range [][]string{nil, {"help"}, {"frobnicate"}} {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
			t.Errorf("officed %v: %v, want exit status 2", args, err)
		}
		if !strings.Contains(stderr.String(), "officed COMMAND") {
			t.Errorf("officed %v: no usage on stderr:\n%s", args, stderr.String())
		}
	}
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

type lockedBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lockedBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}
