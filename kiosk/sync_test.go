package kiosk

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
)

// TestBackgroundSyncDeliversAndReenrolls runs the kiosk's background sync
// against a real officed: a queued ticket arrives by itself, and enrolling
// again moves the rounds to the new identity.
func TestBackgroundSyncDeliversAndReenrolls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := sqlitetest.Open(t)
	h, err := syncapi.New(syncapi.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	code := func() string {
		c := office.NewEnrollCode()
		hash, _ := office.HashEnrollCode(c)
		if err := st.AddEnrollCode(ctx, office.EnrollCode{Hash: hash, KioskName: "k", Created: time.Now(), Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return c
	}

	rt, err := Open(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	cfg := rt.Config()
	cfg.SyncEvery = time.Second
	if err := rt.SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	rt.RunSync(ctx) // not enrolled yet: only purging runs
	if _, err := rt.Enroll(ctx, srv.URL, code()); err != nil {
		t.Fatal(err)
	}
	tk := bianmin.Ticket{Category: "排水", Community: "huayuan", Building: "b1", Phrases: []string{"下水道堵塞"}, Phone: "13900001111"}
	if _, err := rt.SubmitTicket(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	waitRecords := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			recs, err := st.Records(ctx, office.RecordFilter{})
			if err == nil && len(recs) >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("officed holds %d records after 10 s, want %d", len(recs), n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitRecords(1)
	first, _, _ := rt.Enrollment(ctx)

	if _, err := rt.Enroll(ctx, srv.URL, code()); err != nil {
		t.Fatal(err)
	}
	second, _, _ := rt.Enrollment(ctx)
	if second.KioskID == first.KioskID {
		t.Fatal("re-enrollment kept the kiosk id")
	}
	tk2 := bianmin.Ticket{Category: "供热", Community: "huayuan", Building: "b1", Phrases: []string{"暖气不热"}, Phone: "13900001111"}
	if _, err := rt.SubmitTicket(ctx, &tk2); err != nil {
		t.Fatal(err)
	}
	waitRecords(2)
	recs, _ := st.Records(ctx, office.RecordFilter{KioskID: second.KioskID})
	if len(recs) != 1 {
		t.Errorf("the new identity pushed %d records, want 1", len(recs))
	}
	// officed commits before the kiosk reads the answer and marks the record
	// sent, so the queue empties a moment after the record arrives.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		info := rt.SyncInfo(ctx)
		if info.Enrolled && info.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync info %+v", info)
		}
	}
}
