package ctl

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bianmin/office"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
)

// TestLoadgenRecordsAreAccepted queues synthetic records of every kind, then
// enrolls and syncs with a real officed on loopback: officed must accept and
// apply all of them (loadgen is used to test links, so a record officed
// refuses would measure the wrong thing).
func TestLoadgenRecordsAreAccepted(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	h, err := syncapi.New(syncapi.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	now := time.Now()
	if err := st.AddEnrollCode(ctx, office.EnrollCode{Hash: hash, KioskName: "负载机", Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if rc := Main(args, &out, &errb); rc != 0 {
			t.Fatalf("kioskctl %s: exit %d: %s", strings.Join(args, " "), rc, errb.String())
		}
		return out.String()
	}
	if out := run("enroll", "--data", dir, "--server", srv.URL, "--code", code); !strings.Contains(out, "(负载机)") {
		t.Errorf("enroll said %q; want the name officed gave the code", out)
	}
	n := 3 * len(Synthetic)
	if out := run("loadgen", "--data", dir, "--records", "21"); !strings.Contains(out, "queued 21 records") {
		t.Fatalf("loadgen said %q", out)
	}
	queue := run("queue", "--data", dir)
	for _, kind := range Synthetic {
		if !strings.Contains(queue, "pending\t"+kind+"\t3") {
			t.Errorf("queue lacks 3 pending %s:\n%s", kind, queue)
		}
	}
	if out := run("sync", "now", "--data", dir); !strings.Contains(out, "pushed 21 records") || !strings.Contains(out, " 0 rejected") {
		t.Fatalf("sync now said %q", out)
	}
	recs, err := st.Records(ctx, office.RecordFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("officed holds %d records, want %d", len(recs), n)
	}
}
