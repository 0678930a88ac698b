package syncapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"testing"

	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/sync/client"
	"bianmin/sync/wire"
)

// TestKioskClient drives the server with the kiosk's own client
// (sync/client), so the two sides of the protocol cannot drift apart.
func TestKioskClient(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	er, err := client.Enroll(ctx, nil, f.srv.URL, f.code(t, "interop"), "interop", pub)
	if err != nil {
		t.Fatalf("client.Enroll: %v", err)
	}
	c := &client.Client{Server: f.srv.URL, KioskID: er.KioskID, Key: key, Now: f.clock.Now}

	sim := &officetest.Kiosk{Now: f.clock.Now}
	recs := sim.Records(30, 200)
	ack, err := c.Push(ctx, recs)
	if err != nil || len(ack.Acked) != 30 {
		t.Fatalf("Push: %+v, %v", ack, err)
	}
	if ack, err = c.Push(ctx, recs[:10]); err != nil || ack.Duplicates != 10 {
		t.Errorf("Push again: %+v, %v", ack, err)
	}
	bad := sim.Records(2, 10)
	bad[1].Schema = 7
	_, err = c.Push(ctx, bad)
	var se *client.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity || se.Err.Record != bad[1].ID || se.Temporary() {
		t.Errorf("Push with a bad record: %v, want a permanent 422 naming %s", err, bad[1].ID)
	}

	if _, err := f.store.SeedGuides(ctx, officetest.GuideFixtures(), f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Changes(ctx, 0, "", 2)
	if err != nil || len(ch.Changes) != 2 || !ch.More {
		t.Errorf("Changes: %+v, %v", ch, err)
	}
	ch, err = c.Changes(ctx, 0, office.ClassGuides, 0)
	if err != nil || len(ch.Changes) != len(officetest.GuideFixtures()) || ch.More {
		t.Errorf("Changes(guides): %d changes, %v", len(ch.Changes), err)
	}
	if _, err := c.Heartbeat(ctx, wire.Heartbeat{AppVersion: "interop", QueueDepth: 2}); err != nil {
		t.Errorf("Heartbeat: %v", err)
	}

	if err := f.store.Revoke(ctx, er.KioskID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = c.Push(ctx, sim.Records(1, 10))
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Err.Code != "revoked" || se.Err.Record != "" {
		t.Errorf("Push after revocation: %v, want 403 revoked naming no record", err)
	}
}
