package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

func TestAddTicketQueuesAndIsFoundOffline(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	var numbers []string
	for i := 0; i < 3; i++ {
		tk := bianmin.Ticket{Category: "供水", Community: "huayuan", Building: "b1", Phrases: []string{"家中无水"}, Phone: "13812345678", Channel: "kiosk"}
		rec, err := db.AddTicket(ctx, &tk, "483920", now)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind != "ticket" || tk.Number == "" || tk.Secret == "" {
			t.Fatalf("record %+v ticket %+v", rec, tk)
		}
		numbers = append(numbers, tk.Number)
	}
	if numbers[0] != "T20261125-483920-0001" || numbers[2] != "T20261125-483920-0003" {
		t.Errorf("numbers %v", numbers)
	}
	bad := bianmin.Ticket{Category: "供水", Community: "huayuan", Phrases: []string{"x"}, Phone: "1381234567", Channel: "kiosk"}
	if _, err := db.AddTicket(ctx, &bad, "483920", now); err == nil {
		t.Fatal("a 10-digit phone was queued")
	}
	counts, _ := db.QueueCounts(ctx)
	if len(counts) != 1 || counts[0].Count != 3 {
		t.Errorf("queue %v: a refused ticket must queue nothing", counts)
	}
	s, err := db.LookupService(ctx, numbers[1])
	if err != nil || s.Kind != "ticket" || s.Summary != "供水" || s.Status != nil {
		t.Fatalf("lookup: %+v %v", s, err)
	}
	status := json.RawMessage(`{"number":"` + numbers[1] + `","kind":"ticket","state":"accepted","timeline":[{"state":"accepted","at":"2026-11-25T11:00:00+08:00"}]}`)
	if err := db.ApplyChanges(ctx, []wire.Change{{Seq: 1, Class: "tickets", Key: numbers[1], Op: "put", Data: status}}, 1); err != nil {
		t.Fatal(err)
	}
	s, _ = db.LookupService(ctx, numbers[1])
	if s.Status == nil || s.Status.State != "accepted" {
		t.Errorf("status after pull: %+v", s.Status)
	}
	if last, _ := db.LastSync(ctx); last.IsZero() {
		t.Error("last sync time not recorded")
	}
	if _, err := db.LookupService(ctx, "T20261125-000000-0001"); err != ErrUnknownService {
		t.Errorf("unknown number: %v", err)
	}
}
