package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

func validApplication() bianmin.Application {
	return bianmin.Application{IDNumber: "230103198503121239", Name: "张秀英", Source: "card", Reason: "lost",
		Phone: "13812345678", FeeFen: bianmin.TempIDFeeFen, Payment: "P20261125-483920-0007"}
}

func TestAddApplicationQueuesOnceAndIsFoundOffline(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)

	// Tickets and applications count separately: A0001 after two tickets.
	for i := 0; i < 2; i++ {
		tk := bianmin.Ticket{Category: "供水", Community: "huayuan", Phrases: []string{"家中无水"}, Phone: "13812345678", Channel: "kiosk"}
		if _, err := db.AddTicket(ctx, &tk, "483920", now); err != nil {
			t.Fatal(err)
		}
	}
	a := validApplication()
	a.IDNumber = "23010319850312128x" // typed lower case: stored normalised
	rec, err := db.AddApplication(ctx, &a, "483920", now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Number != "A20261125-483920-0001" || !bianmin.ValidSecret(a.Secret) || rec.Kind != bianmin.KindApplication {
		t.Fatalf("application %s secret %q record %+v", a.Number, a.Secret, rec)
	}
	var queued bianmin.Application
	if err := json.Unmarshal(rec.Data, &queued); err != nil || queued.Number != a.Number || queued.IDNumber != "23010319850312128X" {
		t.Errorf("queued data %+v (%v)", queued, err)
	}

	s, err := db.LookupService(ctx, a.Number)
	if err != nil || s.Kind != "application" || s.Summary != "lost" || s.Record != rec.ID || s.Secret != a.Secret {
		t.Fatalf("lookup %+v %v", s, err)
	}

	// The status pulled from officed shows with the local row.
	status := json.RawMessage(`{"number":"` + a.Number + `","kind":"application","state":"issued","timeline":[` +
		`{"state":"submitted","at":"2026-11-25T10:00:00+08:00"},{"state":"issued","at":"2026-11-27T09:00:00+08:00","note":"请到花园街派出所领取"}]}`)
	if err := db.ApplyChanges(ctx, []wire.Change{{Seq: 1, Class: "tickets", Key: a.Number, Op: "put", Data: status}}, 1); err != nil {
		t.Fatal(err)
	}
	if s, _ = db.LookupService(ctx, a.Number); s.Status == nil || s.Status.State != "issued" || len(s.Status.Timeline) != 2 {
		t.Errorf("status after pull %+v", s.Status)
	}
}

// Bad input queues nothing and spends no number; the services row carries no
// personal data.
func TestAddApplicationRefusesBadInput(t *testing.T) {
	db, _ := openOutbox(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	for name, mutate := range map[string]func(a *bianmin.Application){
		"wrong check digit":     func(a *bianmin.Application) { a.IDNumber = "230103198503121238" },
		"impossible birth date": func(a *bianmin.Application) { a.IDNumber = "230103198502301234" },
		"10-digit phone":        func(a *bianmin.Application) { a.Phone = "1381234567" },
		"no fee receipt":        func(a *bianmin.Application) { a.Payment = "" },
		"unknown reason":        func(a *bianmin.Application) { a.Reason = "stolen" },
		"no name":               func(a *bianmin.Application) { a.Name = "" },
	} {
		t.Run(name, func(t *testing.T) {
			a := validApplication()
			mutate(&a)
			if _, err := db.AddApplication(ctx, &a, "483920", now); bianmin.ErrorCode(err) != bianmin.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			if a.Number != "" || a.Secret != "" {
				t.Errorf("a refused application keeps number %q", a.Number)
			}
		})
	}
	if counts, _ := db.QueueCounts(ctx); len(counts) != 0 {
		t.Fatalf("queue %v after refusals", counts)
	}
	a := validApplication()
	if _, err := db.AddApplication(ctx, &a, "483920", now); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a.Number, "-0001") {
		t.Errorf("refused applications used numbers: the first good one is %s", a.Number)
	}
	var summary string
	if err := db.db.QueryRowContext(ctx, "SELECT summary || secret || number FROM services").Scan(&summary); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a.IDNumber, a.Name, a.Phone} {
		if strings.Contains(summary, p) {
			t.Errorf("services row holds personal data %q", p)
		}
	}
}
