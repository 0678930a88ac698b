package store

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianmin/kiosk/keyring"
	"bianmin/sync/wire"
)

func openOutbox(t *testing.T) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(context.Background(), filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := keyring.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(keys)
	return db, dir
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestOutboxAppendPendingSent(t *testing.T) {
	db, dir := openOutbox(t)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 5; i++ {
		r, err := db.Append(ctx, "ticket", 1, map[string]any{"phone": "13812345678", "n": i}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != int64(i+1) || !wire.ValidID(r.ID) {
			t.Fatalf("record %d: seq %d id %s", i, r.Seq, r.ID)
		}
		ids = append(ids, r.ID)
	}
	// Personal data never reaches the file in the clear.
	db.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, "kiosk.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "kiosk.db-wal"))
	if bytes.Contains(raw, []byte("13812345678")) || bytes.Contains(wal, []byte("13812345678")) {
		t.Fatal("a phone number is stored in the clear")
	}
	db, err := Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, _ := keyring.Load(dir)
	db.SetSealer(keys)

	got, err := db.Pending(ctx, 3, 1<<20)
	if err != nil || len(got) != 3 || got[0].ID != ids[0] {
		t.Fatalf("pending: %d %v", len(got), err)
	}
	var data map[string]any
	if err := json.Unmarshal(got[0].Data, &data); err != nil || data["phone"] != "13812345678" {
		t.Fatalf("unsealed data %s: %v", got[0].Data, err)
	}
	if small, _ := db.Pending(ctx, 10, 1); len(small) != 1 {
		t.Errorf("byte budget of 1: %d records, want exactly one", len(small))
	}
	if err := db.MarkSent(ctx, ids[:3], t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, ids[:3], t0); err != nil { // acknowledged twice
		t.Fatal(err)
	}
	if err := db.MarkRejected(ctx, ids[3], "unknown_kind: x"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRejected(ctx, ids[0], "x"); err == nil {
		t.Error("a sent record was marked rejected")
	}
	counts, _ := db.QueueCounts(ctx)
	want := map[string]int{"pending": 1, "rejected": 1, "sent": 3}
	for _, c := range counts {
		if c.Kind != "ticket" || want[c.State] != c.Count {
			t.Errorf("count %+v", c)
		}
	}
	rest, _ := db.Pending(ctx, 10, 1<<20)
	if len(rest) != 1 || rest[0].ID != ids[4] {
		t.Errorf("pending after acks: %v", rest)
	}
	rej, _ := db.Rejected(ctx, 10)
	if len(rej) != 1 || rej[0].Record != ids[3] {
		t.Errorf("rejected list %v", rej)
	}
	n, err := db.Purge(ctx, t0.Add(time.Second))
	if err != nil || n != 3 {
		t.Fatalf("purged %d: %v", n, err)
	}
	var sealed int
	db.db.QueryRow("SELECT count(*) FROM outbox WHERE sealed IS NOT NULL").Scan(&sealed)
	if sealed != 2 {
		t.Errorf("%d rows still hold data after purge, want 2 (pending and rejected)", sealed)
	}
	r, err := db.Append(ctx, "rating", 1, map[string]int{"level": 5}, t0)
	if err != nil || r.Seq != 6 {
		t.Errorf("after purge the sequence continues: %d %v", r.Seq, err)
	}
}

func TestOutboxRejectsBadInputAndKeepsTxAtomic(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"unknown kind":   func() error { _, err := db.Append(ctx, "bribe", 1, map[string]int{}, t0); return err },
		"unknown schema": func() error { _, err := db.Append(ctx, "ticket", 9, map[string]int{}, t0); return err },
		"not an object":  func() error { _, err := db.Append(ctx, "ticket", 1, []int{1}, t0); return err },
	} {
		if f() == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// A failure after the append inside the same transaction leaves no record.
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Append(ctx, "ticket", 1, map[string]int{"a": 1}, t0); err != nil {
			return err
		}
		return os.ErrInvalid
	})
	if err == nil {
		t.Fatal("update error lost")
	}
	if c, _ := db.QueueCounts(ctx); len(c) != 0 {
		t.Errorf("a rolled-back append left %v", c)
	}
	plain, _ := Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	defer plain.Close()
	if _, err := plain.Append(ctx, "ticket", 1, map[string]int{}, t0); err != ErrNoSealer {
		t.Errorf("append without a key: %v", err)
	}
}

func TestApplyChangesAndRefetch(t *testing.T) {
	db := openSeeded(t)
	ctx := context.Background()
	g, _ := db.Guide(ctx, "dibao-apply")
	g.Title = "最低生活保障申请（新版）"
	doc, _ := json.Marshal(g)
	changes := []wire.Change{
		{Seq: 5, Class: "guides", Key: g.ID, Op: "put", Data: doc},
		{Seq: 6, Class: "guides", Key: "temporary-id-card", Op: "delete"},
		{Seq: 7, Class: "units", Key: "u1", Op: "put", Data: json.RawMessage(`{"name":"区民政局"}`)},
	}
	if err := db.ApplyChanges(ctx, changes, 7); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Cursor(ctx); c != 7 {
		t.Errorf("cursor %d", c)
	}
	if got, _ := db.Guide(ctx, g.ID); got.Title != g.Title {
		t.Errorf("guide not updated: %s", got.Title)
	}
	if _, err := db.Guide(ctx, "temporary-id-card"); err == nil {
		t.Error("deleted guide still there")
	}
	if d, ok, _ := db.Content(ctx, "units", "u1"); !ok || string(d) != `{"name":"区民政局"}` {
		t.Errorf("unit %s %v", d, ok)
	}
	// A bad change stores nothing of its page and keeps the cursor.
	bad := []wire.Change{
		{Seq: 8, Class: "units", Key: "u2", Op: "put", Data: json.RawMessage(`{"name":"x"}`)},
		{Seq: 9, Class: "guides", Key: "x", Op: "put", Data: json.RawMessage(`{"id":"x"}`)},
	}
	if err := db.ApplyChanges(ctx, bad, 9); err == nil {
		t.Fatal("invalid guide applied")
	}
	if c, _ := db.Cursor(ctx); c != 7 {
		t.Errorf("cursor moved to %d on a failed page", c)
	}
	if _, ok, _ := db.Content(ctx, "units", "u2"); ok {
		t.Error("part of a failed page was applied")
	}
	if err := db.ReplaceClass(ctx, "guides", []wire.Change{{Seq: 1, Class: "guides", Key: g.ID, Op: "put", Data: doc}}); err != nil {
		t.Fatal(err)
	}
	all, _ := db.FindGuides(ctx, bianminFilter(""))
	if len(all) != 1 || all[0].ID != g.ID {
		t.Errorf("after refetch %d guides", len(all))
	}
}
