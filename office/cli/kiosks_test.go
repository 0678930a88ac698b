package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bianmin/office/cli"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

// run runs one officed command in-process and returns its exit status,
// stdout and stderr.
func run(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Getenv: func(k string) string { return vars[k] },
		Stdout: &stdout, Stderr: &stderr,
	})
	return code, stdout.String(), stderr.String()
}

var codeLine = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\n$`)

// TestFleetCommands runs the admin commands against a running officed on the
// same data directory: enroll-code, a kiosk enrolling and syncing, kiosks,
// revoke — and the kiosk refused afterwards.
func TestFleetCommands(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"OFFICED_DATA": dir} // the environment default for --data

	code, out, errOut := run(t, vars, "enroll-code", "--kiosk", "花园街道服务大厅 1号机")
	if code != cli.ExitOK || !codeLine.MatchString(out) {
		t.Fatalf("enroll-code: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	oneTime := strings.TrimSpace(out)

	addr, stop, logs := startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	base := "http://" + addr
	k := officetest.NewKiosk(base)
	if resp, err := k.Enroll(ctx, oneTime, ""); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("enroll: %v %d %s", err, resp.Status, resp.Body)
	}
	if resp, _ := officetest.NewKiosk(base).Enroll(ctx, oneTime, ""); resp.Status != http.StatusForbidden {
		t.Errorf("second enrollment with the same code: %d", resp.Status)
	}
	if _, resp, _ := k.Push(ctx, k.Records(20, 200)); resp.Status != http.StatusOK {
		t.Fatalf("push: %d %s", resp.Status, resp.Body)
	}
	if resp, _ := k.Heartbeat(ctx, wire.Heartbeat{AppVersion: "0.4.0", QueueDepth: 17}); resp.Status != http.StatusOK {
		t.Fatalf("heartbeat: %d %s", resp.Status, resp.Body)
	}
	code, out, _ = run(t, vars, "enroll-code", "--kiosk", "社区二号机")
	if code != cli.ExitOK {
		t.Fatal("second enroll-code failed")
	}
	other := officetest.NewKiosk(base)
	if resp, _ := other.Enroll(ctx, strings.TrimSpace(out), ""); resp.Status != http.StatusOK {
		t.Fatalf("second kiosk: %d", resp.Status)
	}

	code, out, errOut = run(t, nil, "kiosks", "--data", dir)
	if code != cli.ExitOK {
		t.Fatalf("kiosks: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("kiosks printed %d lines:\n%s", len(lines), out)
	}
	f := strings.Split(lines[0], "\t")
	if len(f) != 6 || f[0] != k.ID || f[1] != "花园街道服务大厅 1号机" || f[3] == "never" || f[4] != "17" || f[5] != "no" {
		t.Errorf("first kiosk line %q", lines[0])
	}
	if g := strings.Split(lines[1], "\t"); len(g) != 6 || g[0] != other.ID || g[3] != "never" || g[4] != "0" {
		t.Errorf("second kiosk line %q", lines[1])
	}

	// Revoke with the id before the flags, as documented.
	code, out, errOut = run(t, nil, "revoke", k.ID, "--data", dir)
	if code != cli.ExitOK || !strings.Contains(out, "revoked "+k.ID) {
		t.Fatalf("revoke: exit %d, %q %q", code, out, errOut)
	}
	if _, resp, _ := k.Push(ctx, k.Records(1, 10)); resp.Status != http.StatusForbidden || resp.Err == nil || resp.Err.Code != "revoked" {
		t.Errorf("push after revoke: %d %s", resp.Status, resp.Body)
	}
	if resp, _ := other.Heartbeat(ctx, wire.Heartbeat{}); resp.Status != http.StatusOK {
		t.Errorf("the other kiosk was refused after revoking the first: %d", resp.Status)
	}
	code, out, _ = run(t, vars, "revoke", "--data", dir, k.ID)
	if code != cli.ExitOK || !strings.Contains(out, "already revoked") {
		t.Errorf("revoking again: exit %d %q", code, out)
	}
	_, out, _ = run(t, vars, "kiosks")
	if f := strings.Split(strings.SplitN(out, "\n", 2)[0], "\t"); len(f) != 6 || f[5] == "no" {
		t.Errorf("revoked kiosk listed as %q", f)
	}

	code, _, errOut = run(t, vars, "revoke", "K0000000000000000000000000Z")
	if code != cli.ExitError || !strings.Contains(errOut, `no kiosk with id "K0000000000000000000000000Z"`) {
		t.Errorf("revoke unknown: exit %d, %q", code, errOut)
	}

	if code := stop(); code != cli.ExitOK {
		t.Errorf("serve exit %d:\n%s", code, logs)
	}
	if strings.Contains(logs.String(), officetest.SecretPhone) {
		t.Errorf("record data in the log:\n%s", logs)
	}
	if strings.Contains(logs.String(), oneTime) {
		t.Errorf("the one-time code reached the log")
	}
}

func TestCommandsNeedAnExistingDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"kiosks", "--data", missing}, {"revoke", "K1", "--data", missing}} {
		code, _, errOut := run(t, nil, args...)
		if code != cli.ExitError || !strings.Contains(errOut, "no officed database") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	code, out, _ := run(t, nil, "kiosks", "--data", t.TempDir()+"/x")
	if code != cli.ExitError || out != "" {
		t.Errorf("kiosks on a missing directory: exit %d, %q", code, out)
	}
}

// TestServeMetricsAndReadiness pushes through the real serve command and reads
// the result off /metrics; a restart does not seed the guides again.
func TestServeMetricsAndReadiness(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	addr, stop, logs := startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	base := "http://" + addr
	if !strings.Contains(logs.String(), "msg=\"seeded guides\"") {
		t.Errorf("first start did not seed the guides:\n%s", logs)
	}
	_, out, _ := run(t, nil, "enroll-code", "--data", dir, "--kiosk", "m")
	k := officetest.NewKiosk(base)
	if resp, _ := k.Enroll(ctx, strings.TrimSpace(out), ""); resp.Status != 200 {
		t.Fatal(resp.Status)
	}
	recs := k.Records(7, 100)
	k.Push(ctx, recs)
	k.Push(ctx, recs)
	k.Heartbeat(ctx, wire.Heartbeat{})
	ch, _, _ := k.Changes(ctx, 0, "guides", 0)
	if len(ch.Changes) < 12 {
		t.Errorf("%d guides on the feed, want the shipped set", len(ch.Changes))
	}

	code, body := get(t, base+"/metrics")
	for _, want := range []string{
		`officed_records_ingested_total{kind="ticket"} 1`,
		"officed_records_duplicate_total 7\n",
		"officed_batches_total 2\n",
		"officed_kiosks_online 1\n",
		`officed_request_duration_seconds_count{endpoint="changes"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q:\n%s", code, want, body)
		}
	}
	if code, body := get(t, base+"/readyz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	if code := stop(); code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}

	_, stop, logs = startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	if strings.Contains(logs.String(), "seeded guides") {
		t.Errorf("second start seeded the guides again:\n%s", logs)
	}
	stop()
}
