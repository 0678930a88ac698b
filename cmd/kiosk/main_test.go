package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKioskStartsUnderXvfb runs the real binary (GL driver, bundled font,
// simulated devices) on a virtual display, checks that it draws a screen with
// the header's red emblem, and that SIGTERM ends it cleanly. It catches what the
// cgo-free UI tests cannot: font loading, driver start-up, full-screen sizing.
func TestKioskStartsUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a virtual display")
	}
	for _, tool := range []string{"Xvfb", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s missing: scripts/setup.sh installs it", tool)
			}
			t.Skipf("%s not installed (scripts/setup.sh installs it)", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kiosk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	display := fmt.Sprintf(":%d", 40+os.Getpid()%50)
	xvfb := exec.Command("Xvfb", display, "-screen", "0", "1080x1920x24", "-nolisten", "tcp")
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { xvfb.Process.Kill(); xvfb.Wait() }()
	time.Sleep(time.Second)

	var stderr bytes.Buffer
	k := exec.Command(bin, "--demo", "--data", filepath.Join(dir, "data"), "--public-url", "http://127.0.0.1:1")
	k.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8")
	k.Stderr = &stderr
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- k.Wait() }()

	shot := filepath.Join(dir, "shot.png")
	var img image.Image
	deadline := time.Now().Add(30 * time.Second)
	for img == nil || !hasEmblem(img) {
		select {
		case err := <-exited:
			t.Fatalf("kiosk exited early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kiosk screen drawn within 30 s\n%s", stderr.String())
		}
		time.Sleep(500 * time.Millisecond)
		cmd := exec.Command("import", "-display", display, "-window", "root", shot)
		if err := cmd.Run(); err != nil {
			continue
		}
		f, err := os.Open(shot)
		if err != nil {
			continue
		}
		img, _ = png.Decode(f)
		f.Close()
	}
	if b := img.Bounds(); b.Dx() != 1080 || b.Dy() != 1920 {
		t.Errorf("screen %v, want 1080×1920", b)
	}

	k.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("kiosk exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		k.Process.Kill()
		t.Fatal("kiosk did not stop within 10 s of SIGTERM")
	}
	if bytes.Contains(stderr.Bytes(), []byte("panic")) {
		t.Errorf("kiosk log mentions a panic:\n%s", stderr.String())
	}
}

// hasEmblem reports whether the top-left corner holds the header's red emblem.
func hasEmblem(img image.Image) bool {
	red := 0
	for y := 10; y < 70; y += 4 {
		for x := 10; x < 100; x += 4 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 0xa0 && g>>8 < 0x50 && b>>8 < 0x60 {
				red++
			}
		}
	}
	return red > 50
}
