package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/assets"
	"bianmin/kiosk/keyring"
	"bianmin/kiosk/store"
	"bianmin/office"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
	"bianmin/sync/client"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// officeFixture is a real officed sync API on loopback over a real SQLite file.
type officeFixture struct {
	store *sqlite.Store
	srv   *httptest.Server
}

func startOffice(t testing.TB) *officeFixture {
	t.Helper()
	st := sqlitetest.Open(t)
	h, err := syncapi.New(syncapi.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &officeFixture{store: st, srv: srv}
}

func (o *officeFixture) code(t testing.TB, name string) string {
	t.Helper()
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	now := time.Now()
	if err := o.store.AddEnrollCode(context.Background(), office.EnrollCode{Hash: hash, KioskName: name, Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return code
}

// kioskFixture is a kiosk's real store and keys, enrolled with o.
type kioskFixture struct {
	db     *store.DB
	syncer *client.Syncer
}

func enrollKiosk(t testing.TB, o *officeFixture, rt http.RoundTripper) *kioskFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keys, err := keyring.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetSealer(keys)
	resp, err := client.Enroll(ctx, nil, o.srv.URL, o.code(t, "测试机"), "测试机", keys.Public())
	if err != nil {
		t.Fatal(err)
	}
	httpc := &http.Client{Timeout: 5 * time.Second, Transport: rt}
	return &kioskFixture{db: db, syncer: &client.Syncer{
		Client:       &client.Client{Server: o.srv.URL, KioskID: resp.KioskID, Key: keys.Sign, HTTP: httpc},
		Local:        db,
		BatchRecords: 7, // small batches: more requests, more faults
	}}
}

// TestExactlyOnceThroughNetworkFaults pushes records through a link that drops,
// delays, resets, duplicates and loses answers after officed committed; after
// quiescence every record exists on officed exactly once (SPEC §6).
func TestExactlyOnceThroughNetworkFaults(t *testing.T) {
	o := startOffice(t)
	ft := &faultyTransport{
		base:    http.DefaultTransport,
		rng:     rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1)),
		weights: map[fault]int{faultDrop: 12, faultDelay: 8, faultReset: 12, faultDuplicate: 12, faultLostResponse: 15},
		delay:   20 * time.Millisecond,
		counts:  map[fault]int{},
	}
	k := enrollKiosk(t, o, ft)
	ctx := context.Background()
	const n = 300
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		rec, err := k.db.Append(ctx, "ticket", 1, validTicket(i), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want[rec.ID] = true
		// Push while records keep arriving, as a kiosk in use does.
		if i%25 == 0 {
			k.syncer.Push(ctx)
		}
	}
	for round := 0; ; round++ {
		if round > 500 {
			t.Fatal("the outbox never drained")
		}
		if _, err := k.syncer.Push(ctx); err == nil {
			if left, _ := k.db.Pending(ctx, 1, 1<<20); len(left) == 0 {
				break
			}
		} else if !errors.Is(err, errInjected) && !isTransient(err) {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	stored, err := o.store.Records(ctx, office.RecordFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range stored {
		seen[r.Record.ID]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("record %s stored %d times", id, seen[id])
		}
	}
	if len(stored) != n {
		t.Errorf("officed holds %d records, the kiosk made %d", len(stored), n)
	}
	counts, _ := k.db.QueueCounts(ctx)
	for _, c := range counts {
		if c.State != "sent" {
			t.Errorf("outbox still has %d %s %s", c.Count, c.State, c.Kind)
		}
	}
	for f := faultDrop; f <= faultLostResponse; f++ {
		if ft.counts[f] == 0 {
			t.Errorf("fault %d never happened: the test did not exercise it", f)
		}
	}
	t.Logf("faults injected: %v", ft.counts)
}

// isTransient reports errors the network faults cause on officed's side: a
// duplicated request is answered as a replay, which the next round resolves.
func isTransient(err error) bool {
	var se *client.StatusError
	return errors.As(err, &se) && (se.Err.Code == "replay" || se.Temporary())
}

// TestRejectedRecordIsKeptAndOthersFlow: a record officed refuses stays in the
// outbox as rejected, visible, and does not hold back the others.
func TestRejectedRecordIsKeptAndOthersFlow(t *testing.T) {
	o := startOffice(t)
	k := enrollKiosk(t, o, http.DefaultTransport)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := k.db.Append(ctx, "rating", 1, bianmin.Rating{Record: "dibao-apply", Service: "guide", Level: 5}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The kiosk's own checks never produce a record officed refuses, so a
	// schema version officed does not know is put in flight (and re-signed,
	// as a kiosk running a newer release would have signed it).
	bad := &schemaTamper{base: http.DefaultTransport, kiosk: k.syncer.Client.KioskID, key: k.syncer.Client.Key}
	k.syncer.Client.HTTP = &http.Client{Transport: bad}
	sent, err := k.syncer.Push(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != 4 {
		t.Errorf("%d records acknowledged, want 4 (one rejected)", sent)
	}
	rej, _ := k.db.Rejected(ctx, 10)
	if len(rej) != 1 || rej[0].Record != bad.tampered {
		t.Fatalf("rejected %+v, want the tampered record %s", rej, bad.tampered)
	}
	stored, _ := o.store.Records(ctx, office.RecordFilter{})
	if len(stored) != 4 {
		t.Errorf("officed holds %d records", len(stored))
	}
}

// schemaTamper gives the first record of the first batch a schema version
// officed does not know, and signs the request again.
type schemaTamper struct {
	base     http.RoundTripper
	kiosk    string
	key      ed25519.PrivateKey
	tampered string
}

func (s *schemaTamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.tampered == "" && r.URL.Path == "/api/v1/records" {
		body, _ := io.ReadAll(r.Body)
		var b wire.Batch
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, err
		}
		b.Records[0].Schema = 99
		s.tampered = b.Records[0].ID
		body, _ = json.Marshal(b)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		sign.Sign(r, s.kiosk, s.key, body, time.Now())
	}
	return s.base.RoundTrip(r)
}

// TestPullAppliesFeedAndRefetches: guides published on officed reach the
// kiosk's store; a reset class is reloaded from scratch; the cursor survives.
func TestPullAppliesFeedAndRefetches(t *testing.T) {
	o := startOffice(t)
	k := enrollKiosk(t, o, http.DefaultTransport)
	k.syncer.PageSize = 5 // several pages
	k.syncer.Heartbeat = func(context.Context) wire.Heartbeat {
		return wire.Heartbeat{AppVersion: "test", QueueDepth: 3, Devices: map[string]string{"printer": "ready"}}
	}
	ctx := context.Background()
	guides, err := assets.Guides()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.store.SeedGuides(ctx, guides, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := o.store.Publish(ctx, "units", []office.Item{{Key: "u1", Data: json.RawMessage(`{"name":"南岗区民政局"}`)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := k.syncer.Once(ctx); err != nil {
		t.Fatal(err)
	}
	all, _ := k.db.FindGuides(ctx, bianmin.GuideFilter{})
	if len(all) != len(guides) {
		t.Fatalf("kiosk holds %d guides after the pull, officed published %d", len(all), len(guides))
	}
	if _, ok, _ := k.db.Content(ctx, "units", "u1"); !ok {
		t.Error("unit not pulled")
	}
	ks, err := o.store.Kiosk(ctx, k.syncer.Client.KioskID)
	if err != nil || ks.QueueDepth != 3 || ks.LastSeen.IsZero() {
		t.Errorf("heartbeat not recorded: %+v %v", ks, err)
	}

	// officed resets the units: the kiosk drops what it had and reloads.
	if _, err := o.store.ReplaceClass(ctx, "units", []office.Item{{Key: "u2", Data: json.RawMessage(`{"name":"南岗区住建局"}`)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := k.syncer.Pull(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := k.db.Content(ctx, "units", "u1"); ok {
		t.Error("a unit dropped by the reset is still on the kiosk")
	}
	if _, ok, _ := k.db.Content(ctx, "units", "u2"); !ok {
		t.Error("the reset's unit did not arrive")
	}
	before, _ := k.db.Cursor(ctx)
	if n, err := k.syncer.Pull(ctx); err != nil || n != 0 {
		t.Errorf("a pull with nothing new applied %d: %v", n, err)
	}
	if after, _ := k.db.Cursor(ctx); after != before || after == 0 {
		t.Errorf("cursor %d then %d", before, after)
	}
}

// validTicket is the i-th of a kiosk's problem reports: officed decodes and
// validates every record it stores, so test records must be real ones.
func validTicket(i int) bianmin.Ticket {
	return bianmin.Ticket{Number: bianmin.NewNumber('T', time.Now(), "100001", int64(i+1)), Secret: bianmin.NewSecret(),
		Category: "供水", Community: "huayuan", Building: "3", Unit: "2单元", Room: "501",
		Phrases: []string{"家中无水", "已持续两天"}, Phone: "13800000000", Channel: "kiosk"}
}

// fault is one way a request between kiosk and officed goes wrong.
type fault int

const (
	faultNone         fault = iota
	faultDrop               // the request never reaches officed
	faultDelay              // it arrives late
	faultReset              // the connection breaks while the request is sent: officed may or may not have it
	faultDuplicate          // the network delivers it twice
	faultLostResponse       // officed committed, the answer is lost
)

// faultyTransport injects faults in process between the kiosk's client and a
// real officed on loopback. The faults are chosen at random from weights, so a
// test run covers every interleaving over many rounds.
type faultyTransport struct {
	base http.RoundTripper
	rng  *rand.Rand
	// weights of each fault, by index; faultNone takes the rest of 100.
	weights map[fault]int
	delay   time.Duration

	mu     sync.Mutex
	counts map[fault]int
}

func (f *faultyTransport) pick() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.rng.IntN(100)
	for _, k := range []fault{faultDrop, faultDelay, faultReset, faultDuplicate, faultLostResponse} {
		if n < f.weights[k] {
			f.counts[k]++
			return k
		}
		n -= f.weights[k]
	}
	f.counts[faultNone]++
	return faultNone
}

var errInjected = errors.New("injected network fault")

func (f *faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	send := func() (*http.Response, error) {
		c := r.Clone(r.Context())
		c.Body = io.NopCloser(bytes.NewReader(body))
		return f.base.RoundTrip(c)
	}
	switch f.pick() {
	case faultDrop:
		return nil, errInjected
	case faultDelay:
		time.Sleep(f.delay)
		return send()
	case faultReset:
		// Half the time the request got through before the reset.
		if f.rng.IntN(2) == 0 {
			if resp, err := send(); err == nil {
				resp.Body.Close()
			}
		}
		return nil, errInjected
	case faultDuplicate:
		if resp, err := send(); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return send()
	case faultLostResponse:
		resp, err := send()
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errInjected
	}
	return send()
}
