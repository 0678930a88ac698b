package officetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/inmem"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// T0 is the instant the contract suite's clock starts at.
var T0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// RunStoreContract runs the behaviour every office.Store must have against
// stores made by open, which returns a new, empty store for each subtest (and
// closes it in t.Cleanup). The SQLite store runs it; a PostgreSQL store must
// pass the same suite.
func RunStoreContract(t *testing.T, open func(t *testing.T) office.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s office.Store)
	}{
		{"enroll", testEnroll},
		{"enroll refusals store nothing", testEnrollRefusals},
		{"kiosks and revoke", testKiosks},
		{"heartbeat", testHeartbeat},
		{"nonces", testNonces},
		{"ingest", testIngest},
		{"ingest refusals store nothing", testIngestRefusals},
		{"concurrent ingest", testConcurrentIngest},
		{"feed publish and compaction", testFeedPublish},
		{"feed paging", testFeedPaging},
		{"feed refusals", testFeedRefusals},
		{"must refetch after reset", testMustRefetchReset},
		{"must refetch beyond the feed", testMustRefetchBeyond},
		{"kiosks converge on the feed", testFeedConvergence},
		{"guides seed once", testGuidesSeed},
		{"guide search matches inmem", testGuideSearch},
		{"guide publish and delete", testGuidePublish},
		{"content seeds once", testContentSeed},
		{"content seed leaves published content alone", testContentSeedAfterPublish},
		{"content seed refusals store nothing", testContentSeedRefusals},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
	for _, tc := range residentContract {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
	for _, tc := range staffContract {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
	for _, tc := range ledgerContract {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

var kioskIDPattern = regexp.MustCompile(`^K[0-9A-HJKMNP-TV-Z]{26}$`)

// newKey returns a fresh Ed25519 public key.
func newKey(t *testing.T) ed25519.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// addCode stores a code for name valid for an hour from at and returns its hash.
func addCode(t testing.TB, s office.Store, name string, at time.Time) [32]byte {
	t.Helper()
	h, ok := office.HashEnrollCode(office.NewEnrollCode())
	if !ok {
		t.Fatal("NewEnrollCode made a code HashEnrollCode refuses")
	}
	if err := s.AddEnrollCode(context.Background(), office.EnrollCode{Hash: h, KioskName: name, Created: at, Expires: at.Add(office.EnrollCodeTTL)}); err != nil {
		t.Fatalf("AddEnrollCode: %v", err)
	}
	return h
}

// Enroll enrolls a kiosk named name with public key pub directly in s,
// through a one-time code issued at at, for tests that need records to come
// from a kiosk without the sync API.
func Enroll(t testing.TB, s office.Store, name string, pub ed25519.PublicKey, at time.Time) office.Kiosk {
	t.Helper()
	k, err := s.Enroll(context.Background(), office.Enrollment{CodeHash: addCode(t, s, name, at), PublicKey: pub, At: at})
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	return k
}

// enroll makes an enrolled kiosk.
func enroll(t *testing.T, s office.Store, name string) office.Kiosk {
	t.Helper()
	k, err := s.Enroll(context.Background(), office.Enrollment{CodeHash: addCode(t, s, name, T0), PublicKey: newKey(t), At: T0.Add(time.Minute)})
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	return k
}

func counts(t *testing.T, s office.Store) office.Counts {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	return c
}

// nonce returns a fresh nonce of kiosk k signed at ts.
func nonce(k office.Kiosk, ts time.Time) office.Nonce {
	return office.Nonce{KioskID: k.ID, Value: sign.NewNonce(), TS: ts}
}

func testEnroll(t *testing.T, s office.Store) {
	ctx := context.Background()
	h := addCode(t, s, "花园街道服务大厅 1号机", T0)
	pub := newKey(t)
	k, err := s.Enroll(ctx, office.Enrollment{CodeHash: h, PublicKey: pub, At: T0.Add(59 * time.Minute)})
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	if !kioskIDPattern.MatchString(k.ID) || k.Name != "花园街道服务大厅 1号机" || !bytes.Equal(k.PublicKey, pub) || k.Revoked() {
		t.Errorf("enrolled kiosk = %+v", k)
	}
	got, err := s.Kiosk(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || !bytes.Equal(got.PublicKey, pub) || !got.EnrolledAt.Equal(T0.Add(59*time.Minute)) ||
		!got.LastSeen.IsZero() || got.Heartbeat != nil {
		t.Errorf("Kiosk(%s) = %+v", k.ID, got)
	}
	if c := counts(t, s); c.Kiosks != 1 || c.EnrollCodes != 1 {
		t.Errorf("counts after enroll: %+v", c)
	}
	// Two kiosks never share an id.
	if other := enroll(t, s, "second"); other.ID == k.ID {
		t.Errorf("two kiosks got id %s", k.ID)
	}
}

func testEnrollRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	used := addCode(t, s, "used", T0)
	if _, err := s.Enroll(ctx, office.Enrollment{CodeHash: used, PublicKey: newKey(t), At: T0}); err != nil {
		t.Fatal(err)
	}
	expiring := addCode(t, s, "expiring", T0)
	unknown, _ := office.HashEnrollCode("0000-0000-0000")
	before := counts(t, s)
	for _, tc := range []struct {
		name string
		e    office.Enrollment
		want error
		code string
	}{
		{"reused code", office.Enrollment{CodeHash: used, PublicKey: newKey(t), At: T0.Add(time.Minute)}, office.ErrCodeUsed, bianmin.ECONFLICT},
		{"expired code", office.Enrollment{CodeHash: expiring, PublicKey: newKey(t), At: T0.Add(office.EnrollCodeTTL)}, office.ErrCodeExpired, bianmin.ECONFLICT},
		{"unknown code", office.Enrollment{CodeHash: unknown, PublicKey: newKey(t), At: T0}, office.ErrCodeUnknown, bianmin.ENOTFOUND},
		{"short key", office.Enrollment{CodeHash: expiring, PublicKey: make([]byte, 31), At: T0}, nil, bianmin.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Enroll(ctx, tc.e)
			if (tc.want != nil && !errors.Is(err, tc.want)) || bianmin.ErrorCode(err) != tc.code {
				t.Errorf("Enroll = %v, want %v (code %s)", err, tc.want, tc.code)
			}
			if after := counts(t, s); after != before {
				t.Errorf("counts changed: %+v → %+v", before, after)
			}
		})
	}
	// The refused attempts did not consume the expiring code.
	if _, err := s.Enroll(ctx, office.Enrollment{CodeHash: expiring, PublicKey: newKey(t), At: T0.Add(office.EnrollCodeTTL - time.Second)}); err != nil {
		t.Errorf("enroll within the hour after refusals: %v", err)
	}
	if err := s.AddEnrollCode(ctx, office.EnrollCode{Hash: used, KioskName: "again", Created: T0, Expires: T0.Add(time.Hour)}); bianmin.ErrorCode(err) != bianmin.ECONFLICT {
		t.Errorf("adding a stored code hash again: %v, want %s", err, bianmin.ECONFLICT)
	}
	other, _ := office.HashEnrollCode(office.NewEnrollCode())
	for _, name := range []string{"", "  ", "tab\there", string(make([]rune, 65))} {
		if err := s.AddEnrollCode(ctx, office.EnrollCode{Hash: other, KioskName: name, Created: T0, Expires: T0.Add(time.Hour)}); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("AddEnrollCode(name %q) = %v, want %s", name, err, bianmin.EINVALID)
		}
	}
}

func testKiosks(t *testing.T, s office.Store) {
	ctx := context.Background()
	if ks, err := s.Kiosks(ctx); err != nil || len(ks) != 0 {
		t.Errorf("Kiosks on an empty store = %v, %v", ks, err)
	}
	a := enroll(t, s, "a")
	b := enroll(t, s, "b")
	ks, err := s.Kiosks(ctx)
	if err != nil || len(ks) != 2 {
		t.Fatalf("Kiosks = %v, %v", ks, err)
	}
	if _, err := s.Kiosk(ctx, "K00000000000000000000000000"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Kiosk(unknown) = %v", err)
	}
	if err := s.Revoke(ctx, a.ID, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, a.ID, T0.Add(2*time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	got, _ := s.Kiosk(ctx, a.ID)
	if !got.Revoked() || !got.RevokedAt.Equal(T0.Add(time.Hour)) {
		t.Errorf("revoked kiosk: revoked at %v, want the first revocation %v", got.RevokedAt, T0.Add(time.Hour))
	}
	if got, _ := s.Kiosk(ctx, b.ID); got.Revoked() {
		t.Error("revoking one kiosk revoked another")
	}
	if err := s.Revoke(ctx, "Knope", T0); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Revoke(unknown) = %v", err)
	}
}

func testHeartbeat(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "hb")
	other := enroll(t, s, "quiet")
	hb := wire.Heartbeat{AppVersion: "1.4.0", UptimeS: 3600, Devices: map[string]string{"printer": "paper_near_end"},
		QueueDepth: 7, Rejected: 1, Cursor: 42, Cash: wire.CashBox{Notes: 3, Coins: 2, TotalFen: 7200}}
	at := T0.Add(10 * time.Minute)
	n := nonce(k, at)
	if err := s.Heartbeat(ctx, n, hb, at); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Kiosk(ctx, k.ID)
	if !got.LastSeen.Equal(at) || got.AppVersion != "1.4.0" || got.QueueDepth != 7 || got.Heartbeat == nil ||
		got.Heartbeat.Devices["printer"] != "paper_near_end" || got.Heartbeat.Cash.TotalFen != 7200 {
		t.Errorf("after heartbeat: %+v (heartbeat %+v)", got, got.Heartbeat)
	}
	for _, tc := range []struct {
		since time.Time
		want  int
	}{{at, 1}, {at.Add(-2 * time.Minute), 1}, {at.Add(time.Second), 0}} {
		if n, err := s.KiosksOnline(ctx, tc.since); err != nil || n != tc.want {
			t.Errorf("KiosksOnline(%v) = %d, %v; want %d", tc.since, n, err, tc.want)
		}
	}

	// A replayed heartbeat changes nothing.
	hb2 := hb
	hb2.QueueDepth = 99
	if err := s.Heartbeat(ctx, n, hb2, at.Add(time.Minute)); !errors.Is(err, office.ErrReplay) {
		t.Errorf("replayed heartbeat: %v, want ErrReplay", err)
	}
	if got, _ := s.Kiosk(ctx, k.ID); got.QueueDepth != 7 || !got.LastSeen.Equal(at) {
		t.Errorf("a replayed heartbeat was stored: %+v", got)
	}
	if err := s.Heartbeat(ctx, nonce(office.Kiosk{ID: "Kunknown"}, at), hb, at); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("heartbeat of an unknown kiosk: %v", err)
	}
	if err := s.Revoke(ctx, k.ID, at); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.KiosksOnline(ctx, at.Add(-time.Minute)); n != 0 {
		t.Errorf("a revoked kiosk counts as online (%d)", n)
	}
	before := counts(t, s)
	if err := s.Heartbeat(ctx, nonce(k, at), hb2, at.Add(time.Minute)); !errors.Is(err, office.ErrRevoked) {
		t.Errorf("heartbeat of a revoked kiosk: %v, want ErrRevoked", err)
	}
	if after := counts(t, s); after != before {
		t.Errorf("refused heartbeat changed counts %+v → %+v", before, after)
	}
	if got, _ := s.Kiosk(ctx, other.ID); got.Heartbeat != nil {
		t.Error("a heartbeat reached another kiosk")
	}
}

func testNonces(t *testing.T, s office.Store) {
	ctx := context.Background()
	a, b := enroll(t, s, "a"), enroll(t, s, "b")
	n := nonce(a, T0)
	if err := s.UseNonce(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, n); !errors.Is(err, office.ErrReplay) {
		t.Errorf("second use: %v, want ErrReplay", err)
	}
	// Nonces are per kiosk.
	if err := s.UseNonce(ctx, office.Nonce{KioskID: b.ID, Value: n.Value, TS: T0}); err != nil {
		t.Errorf("same nonce for another kiosk: %v", err)
	}
	if err := s.UseNonce(ctx, nonce(a, T0.Add(20*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, s); c.Nonces != 3 {
		t.Errorf("%d nonces stored, want 3", c.Nonces)
	}
	pruned, err := s.PruneNonces(ctx, T0.Add(10*time.Minute))
	if err != nil || pruned != 2 {
		t.Errorf("PruneNonces = %d, %v; want 2", pruned, err)
	}
	if c := counts(t, s); c.Nonces != 1 {
		t.Errorf("%d nonces after pruning, want 1", c.Nonces)
	}
	if err := s.UseNonce(ctx, nonce(office.Kiosk{ID: "Kunknown"}, T0)); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("nonce of an unknown kiosk: %v", err)
	}
}

// records makes n valid records for a kiosk, sequence from seq.
func records(n int, seq int64) []wire.Record {
	k := &Kiosk{seq: seq - 1, Now: func() time.Time { return T0 }}
	return k.Records(n, 120)
}

func testIngest(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "pusher")
	recs := records(10, 1)
	at := T0.Add(5 * time.Minute)
	res, err := s.Ingest(ctx, nonce(k, at), recs, at)
	if err != nil {
		t.Fatal(err)
	}
	wantNew := map[string]int{}
	for i, r := range recs {
		wantNew[r.Kind]++
		if res.Acked[i] != r.ID {
			t.Errorf("acked[%d] = %s, want %s (batch order)", i, res.Acked[i], r.ID)
		}
	}
	if len(res.Acked) != 10 || res.Duplicates != 0 || fmt.Sprint(res.New) != fmt.Sprint(wantNew) {
		t.Errorf("first push: %+v, want new %v", res, wantNew)
	}
	stored, err := s.Records(ctx, office.RecordFilter{KioskID: k.ID})
	if err != nil || len(stored) != 10 {
		t.Fatalf("Records = %d, %v", len(stored), err)
	}
	for i, r := range stored {
		w := recs[i]
		if r.KioskID != k.ID || r.Record.ID != w.ID || r.Record.Seq != w.Seq || r.Record.Kind != w.Kind ||
			r.Record.Schema != w.Schema || !r.Record.Created.Equal(w.Created) || !bytes.Equal(r.Record.Data, w.Data) ||
			!r.ReceivedAt.Equal(at) {
			t.Errorf("stored[%d] = %+v, want %+v received %v", i, r, w, at)
		}
	}

	// The same batch again, and one overlapping it: every id acknowledged,
	// none stored twice.
	res, err = s.Ingest(ctx, nonce(k, at), recs, at.Add(time.Minute))
	if err != nil || len(res.Acked) != 10 || res.Duplicates != 10 || len(res.New) != 0 {
		t.Errorf("same batch again: %+v, %v", res, err)
	}
	more := append(slices.Clone(recs[5:]), records(5, 11)...)
	res, err = s.Ingest(ctx, nonce(k, at), more, at.Add(2*time.Minute))
	newN := 0
	for _, n := range res.New {
		newN += n
	}
	if err != nil || len(res.Acked) != 10 || res.Duplicates != 5 || newN != 5 {
		t.Errorf("overlapping batch: %+v, %v", res, err)
	}
	if c := counts(t, s); c.Records != 15 {
		t.Errorf("%d records stored, want 15", c.Records)
	}
	if got, _ := s.Records(ctx, office.RecordFilter{KioskID: k.ID, AfterSeq: 12, Limit: 2}); len(got) != 2 || got[0].Record.Seq != 13 {
		t.Errorf("Records(after 12, limit 2) = %+v", got)
	}

	// Ids are per kiosk: another kiosk's record with the same id is its own.
	other := enroll(t, s, "other")
	res, err = s.Ingest(ctx, nonce(other, at), recs[:1], at)
	if err != nil || res.Duplicates != 0 {
		t.Errorf("same id from another kiosk: %+v, %v", res, err)
	}
}

func testIngestRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	n := nonce(k, T0)
	if _, err := s.Ingest(ctx, n, records(3, 1), T0); err != nil {
		t.Fatal(err)
	}
	before := counts(t, s)
	if _, err := s.Ingest(ctx, n, records(3, 4), T0); !errors.Is(err, office.ErrReplay) {
		t.Errorf("replayed nonce: %v, want ErrReplay", err)
	}
	if _, err := s.Ingest(ctx, nonce(office.Kiosk{ID: "Kunknown"}, T0), records(3, 4), T0); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("unknown kiosk: %v", err)
	}
	if err := s.Revoke(ctx, k.ID, T0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, nonce(k, T0), records(3, 4), T0); !errors.Is(err, office.ErrRevoked) {
		t.Errorf("revoked kiosk: %v, want ErrRevoked", err)
	}
	if after := counts(t, s); after != before {
		t.Errorf("refused pushes changed counts %+v → %+v", before, after)
	}
	// A cancelled push stores nothing either.
	k2 := enroll(t, s, "k2")
	before = counts(t, s)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Ingest(cctx, nonce(k2, T0), records(3, 1), T0); err == nil {
		t.Error("Ingest with a cancelled context succeeded")
	}
	if after := counts(t, s); after != before {
		t.Errorf("a cancelled push changed counts %+v → %+v", before, after)
	}
}

func testConcurrentIngest(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	recs := records(50, 1)
	// The same request arriving twice at once: exactly one is stored.
	n := nonce(k, T0)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Ingest(ctx, n, recs, T0)
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), office.ErrReplay) {
		t.Errorf("same nonce twice at once: %v, %v; want one ErrReplay", errs[0], errs[1])
	}
	// Retries of overlapping batches from many goroutines: each record once.
	all := append(recs, records(50, 51)...)
	var mu sync.Mutex
	newTotal, dups := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := all[i*10 : i*10+30]
			res, err := s.Ingest(ctx, nonce(k, T0), part, T0)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, n := range res.New {
				newTotal += n
			}
			dups += res.Duplicates
		}()
	}
	wg.Wait()
	if c := counts(t, s); c.Records != 100 || newTotal != 50 || dups != 8*30-50 {
		t.Errorf("records %d (want 100), newly stored %d (want 50), duplicates %d (want %d)", c.Records, newTotal, dups, 8*30-50)
	}
}

func item(key, data string) office.Item {
	if data == "" {
		return office.Item{Key: key}
	}
	return office.Item{Key: key, Data: json.RawMessage(data)}
}

// pullAll reads the feed from cursor to its end in pages of limit and fails
// on a must_refetch answer.
func pullAll(t *testing.T, s office.Store, cursor int64, class string, limit int) ([]wire.Change, int64) {
	t.Helper()
	var all []wire.Change
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("feed paging does not end")
		}
		ch, err := s.Changes(context.Background(), office.ChangesQuery{Cursor: cursor, Class: class, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.MustRefetch) > 0 {
			t.Fatalf("unexpected must_refetch %v at cursor %d", ch.MustRefetch, cursor)
		}
		all = append(all, ch.Changes...)
		if ch.Cursor < cursor {
			t.Fatalf("cursor went back from %d to %d", cursor, ch.Cursor)
		}
		cursor = ch.Cursor
		if !ch.More {
			return all, cursor
		}
	}
}

func keys(cs []wire.Change) []string {
	out := []string{}
	for _, c := range cs {
		s := c.Class + "/" + c.Key + ":" + c.Op
		if c.Op == "put" {
			s += "=" + string(c.Data)
		}
		out = append(out, s)
	}
	return out
}

func testFeedPublish(t *testing.T, s office.Store) {
	ctx := context.Background()
	ch, err := s.Changes(ctx, office.ChangesQuery{Limit: 10})
	if err != nil || len(ch.Changes) != 0 || ch.Cursor != 0 || ch.More || len(ch.MustRefetch) != 0 || ch.Changes == nil {
		t.Errorf("empty feed: %+v, %v (changes must be [] not null)", ch, err)
	}
	end, err := s.Publish(ctx, office.ClassUnits, []office.Item{item("water", `{"name":"自来水公司"}`), item("heat", `{"name":"热力公司"}`)}, T0)
	if err != nil || end != 2 {
		t.Fatalf("Publish = %d, %v", end, err)
	}
	if _, err := office.PublishBills(ctx, s, map[string]int{"heat/1001": 245000}, T0); err != nil {
		t.Fatal(err)
	}
	// Publishing water again moves it to the end; its old entry is gone.
	end, err = s.Publish(ctx, office.ClassUnits, []office.Item{item("water", `{"name":"供水集团"}`)}, T0)
	if err != nil || end != 4 {
		t.Fatalf("second Publish = %d, %v", end, err)
	}
	all, cursor := pullAll(t, s, 0, "", 10)
	want := []string{`units/heat:put={"name":"热力公司"}`, `bills/heat/1001:put=245000`, `units/water:put={"name":"供水集团"}`}
	if !slices.Equal(keys(all), want) || cursor != 4 {
		t.Errorf("feed = %v cursor %d, want %v cursor 4", keys(all), cursor, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Errorf("feed not in seq order: %d after %d", all[i].Seq, all[i-1].Seq)
		}
	}
	// A delete leaves a tombstone; deleting what the feed does not hold adds nothing.
	if _, err := office.Unpublish(ctx, s, office.ClassUnits, []string{"heat", "never-published"}, T0); err != nil {
		t.Fatal(err)
	}
	since, cursor := pullAll(t, s, cursor, "", 10)
	if !slices.Equal(keys(since), []string{"units/heat:delete"}) || since[0].Data != nil {
		t.Errorf("after delete: %v", keys(since))
	}
	// Deleting it again is a no-op; the feed end does not move.
	end, _ = s.Publish(ctx, office.ClassUnits, []office.Item{item("heat", "")}, T0)
	if end != cursor {
		t.Errorf("deleting a deleted key moved the feed end from %d to %d", cursor, end)
	}
	if got, _ := pullAll(t, s, 0, office.ClassUnits, 10); !slices.Equal(keys(got), []string{"units/water:put={\"name\":\"供水集团\"}", "units/heat:delete"}) {
		t.Errorf("units from 0 = %v", keys(got))
	}
	if got, cur := pullAll(t, s, 0, office.ClassBills, 10); len(got) != 1 || cur != end {
		t.Errorf("bills from 0 = %v, cursor %d (want the feed end %d)", keys(got), cur, end)
	}
	if c := counts(t, s); c.Changes != 3 {
		t.Errorf("%d feed rows, want 3 (compacted)", c.Changes)
	}
}

func testFeedPaging(t *testing.T, s office.Store) {
	ctx := context.Background()
	var items []office.Item
	for i := 0; i < 25; i++ {
		items = append(items, item(fmt.Sprintf("b%02d", i), fmt.Sprintf(`{"due_fen":%d}`, i)))
	}
	if _, err := s.Publish(ctx, office.ClassBills, items, T0); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 7, 25, 1000} {
		got, cursor := pullAll(t, s, 0, "", limit)
		if len(got) != 25 || cursor != 25 || got[0].Key != "b00" || got[24].Key != "b24" {
			t.Errorf("limit %d: %d changes, cursor %d", limit, len(got), cursor)
		}
	}
	ch, err := s.Changes(ctx, office.ChangesQuery{Cursor: 0, Limit: 10})
	if err != nil || len(ch.Changes) != 10 || !ch.More || ch.Cursor != ch.Changes[9].Seq {
		t.Errorf("first page of 10: %d changes, more %v, cursor %d", len(ch.Changes), ch.More, ch.Cursor)
	}
	// Resuming mid-feed gives exactly the rest.
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: 20, Limit: 10})
	if len(ch.Changes) != 5 || ch.More || ch.Changes[0].Seq != 21 || ch.Cursor != 25 {
		t.Errorf("from 20: %+v", ch)
	}
	// The byte budget ends a page early, but never before its first entry.
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: 0, Limit: 100, MaxBytes: 1})
	if len(ch.Changes) != 1 || !ch.More {
		t.Errorf("1-byte budget: %d changes, more %v", len(ch.Changes), ch.More)
	}
	// At the end: nothing, no more, cursor stays.
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: 25, Limit: 10})
	if len(ch.Changes) != 0 || ch.More || ch.Cursor != 25 || len(ch.MustRefetch) != 0 {
		t.Errorf("at the end: %+v", ch)
	}
}

func testFeedRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	if _, err := s.Publish(ctx, office.ClassUnits, []office.Item{item("u", `{}`)}, T0); err != nil {
		t.Fatal(err)
	}
	before := counts(t, s)
	for _, tc := range []struct {
		name  string
		class string
		items []office.Item
	}{
		{"unknown class", "bribes", []office.Item{item("x", `{}`)}},
		{"guides through Publish", office.ClassGuides, []office.Item{item("dibao", `{}`)}},
		{"empty key", office.ClassUnits, []office.Item{item("", `{}`)}},
		{"key twice", office.ClassUnits, []office.Item{item("a", `{}`), item("a", `{}`)}},
		{"not JSON after a good one", office.ClassUnits, []office.Item{item("ok", `{}`), item("bad", `{"a":`)}},
		{"too large", office.ClassUnits, []office.Item{{Key: "big", Data: json.RawMessage(`"` + string(bytes.Repeat([]byte("x"), office.MaxItemBytes)) + `"`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Publish(ctx, tc.class, tc.items, T0); bianmin.ErrorCode(err) != bianmin.EINVALID {
				t.Errorf("Publish = %v, want %s", err, bianmin.EINVALID)
			}
			if _, err := s.ReplaceClass(ctx, tc.class, tc.items, T0); bianmin.ErrorCode(err) != bianmin.EINVALID {
				t.Errorf("ReplaceClass = %v, want %s", err, bianmin.EINVALID)
			}
			if after := counts(t, s); after != before {
				t.Errorf("counts changed %+v → %+v", before, after)
			}
		})
	}
	for _, q := range []office.ChangesQuery{{Cursor: -1, Limit: 10}, {Class: "bribes", Limit: 10}, {Limit: 0}, {Limit: office.MaxPage + 1}} {
		if _, err := s.Changes(ctx, q); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("Changes(%+v) = %v, want %s", q, err, bianmin.EINVALID)
		}
	}
}

func testMustRefetchReset(t *testing.T, s office.Store) {
	ctx := context.Background()
	pub := func(class string, kv ...string) int64 {
		t.Helper()
		var items []office.Item
		for i := 0; i+1 < len(kv); i += 2 {
			items = append(items, item(kv[i], kv[i+1]))
		}
		end, err := s.Publish(ctx, class, items, T0)
		if err != nil {
			t.Fatal(err)
		}
		return end
	}
	pub(office.ClassBills, "a", `1`, "b", `2`)
	pub(office.ClassUnits, "u1", `{}`)
	_, kioskCursor := pullAll(t, s, 0, "", 100) // a kiosk in sync at 3
	pub(office.ClassGrid, "c1", `{}`)           // 4: changed before the reset
	resetEnd, err := s.ReplaceClass(ctx, office.ClassBills, []office.Item{item("c", `3`)}, T0)
	if err != nil {
		t.Fatal(err)
	}
	pub(office.ClassConfig, "k", `true`) // after the reset

	ch, err := s.Changes(ctx, office.ChangesQuery{Cursor: kioskCursor, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.MustRefetch, []string{office.ClassGrid, office.ClassBills}) || len(ch.Changes) != 0 {
		t.Fatalf("from %d after a reset: %+v, want must_refetch [grid bills] and no changes", kioskCursor, ch)
	}
	resetSeq := ch.Cursor
	if resetSeq <= 4 || resetSeq >= resetEnd {
		t.Errorf("must_refetch cursor %d, want the reset's own seq between 4 and %d", resetSeq, resetEnd)
	}
	// The kiosk refetches each class from 0, paging, without being told to
	// refetch again.
	bills, _ := pullAll(t, s, 0, office.ClassBills, 1)
	if !slices.Equal(keys(bills), []string{"bills/c:put=3"}) {
		t.Errorf("refetched bills = %v (the replaced a and b must be gone)", keys(bills))
	}
	grid, _ := pullAll(t, s, 0, office.ClassGrid, 1)
	if len(grid) != 1 {
		t.Errorf("refetched grid = %v", keys(grid))
	}
	// It goes on from the reset and gets what followed, with no refetch.
	rest, _ := pullAll(t, s, resetSeq, "", 100)
	if !slices.Equal(keys(rest), []string{"bills/c:put=3", "config/k:put=true"}) {
		t.Errorf("after the refetch = %v", keys(rest))
	}
	// A class query from before the reset names just that class.
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: kioskCursor, Class: office.ClassBills, Limit: 10})
	if !slices.Equal(ch.MustRefetch, []string{office.ClassBills}) || ch.Cursor != resetSeq {
		t.Errorf("class query before the reset: %+v", ch)
	}
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: kioskCursor, Class: office.ClassUnits, Limit: 10})
	if len(ch.MustRefetch) != 0 {
		t.Errorf("units were not reset, yet: %+v", ch)
	}
	// A new kiosk (cursor 0) gets everything in one page without a refetch.
	if all, _ := pullAll(t, s, 0, "", 100); len(all) != 4 {
		t.Errorf("fresh pull = %v", keys(all))
	}
	// Paging from 0 across the reset, it may be told to refetch (the server
	// cannot tell it from an old kiosk at the same cursor); following the
	// protocol it ends with exactly the published state.
	k := &feedKiosk{}
	k.sync(t, s, 2)
	if got := k.state(); got != fmt.Sprint(map[string]map[string]string{
		"bills": {"c": "3"}, "config": {"k": "true"}, "grid": {"c1": "{}"}, "units": {"u1": "{}"}}) {
		t.Errorf("kiosk paging by 2 ends with %s", got)
	}
	// Replacing with nothing empties the class for kiosks too.
	if _, err := s.ReplaceClass(ctx, office.ClassBills, nil, T0); err != nil {
		t.Fatal(err)
	}
	_, end := pullAll(t, s, 0, "", 100)
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: end - 1, Limit: 10})
	if !slices.Equal(ch.MustRefetch, []string{office.ClassBills}) {
		t.Errorf("after emptying bills: %+v", ch)
	}
	if got, _ := pullAll(t, s, 0, office.ClassBills, 10); len(got) != 0 {
		t.Errorf("bills after emptying = %v", keys(got))
	}
}

func testMustRefetchBeyond(t *testing.T, s office.Store) {
	ctx := context.Background()
	end, err := s.Publish(ctx, office.ClassGrid, []office.Item{item("c1", `{}`), item("c2", `{}`)}, T0)
	if err != nil {
		t.Fatal(err)
	}
	// A kiosk that pulled up to 40 from a server since restored from a backup.
	ch, err := s.Changes(ctx, office.ChangesQuery{Cursor: 40, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.MustRefetch, wire.Classes) || ch.Cursor != end || len(ch.Changes) != 0 {
		t.Errorf("cursor beyond the feed: %+v, want every class and cursor %d", ch, end)
	}
	ch, _ = s.Changes(ctx, office.ChangesQuery{Cursor: 40, Class: office.ClassGrid, Limit: 10})
	if !slices.Equal(ch.MustRefetch, []string{office.ClassGrid}) || ch.Cursor != end {
		t.Errorf("class query beyond the feed: %+v", ch)
	}
	// At the end exactly is fine.
	if ch, _ := s.Changes(ctx, office.ChangesQuery{Cursor: end, Limit: 10}); len(ch.MustRefetch) != 0 {
		t.Errorf("cursor at the end: %+v", ch)
	}
}

// GuideFixtures returns complete, valid guides for search tests; their
// titles sort B, D, C, E, A in code-point order.
func GuideFixtures() []bianmin.Guide {
	g := func(id, title, category, dept string, materials ...string) bianmin.Guide {
		out := bianmin.Guide{
			ID: id, Title: title, Category: category, Department: dept,
			Conditions: []string{"本市户籍居民"}, Steps: []string{"窗口提交材料", "审核办结"},
			TimeLimit: "即办", Fee: "免费", Place: "花园街道便民服务中心一楼", Hours: "周一至周五 8:30-17:00",
			Phone: "0451-82681102", LegalBasis: []string{"《社会救助暂行办法》"}, Version: "1", Updated: "2026-01-02",
		}
		for i := 0; i+1 < len(materials); i += 2 {
			out.Materials = append(out.Materials, bianmin.Material{Name: materials[i], Form: "原件", Count: 1, Note: materials[i+1]})
		}
		return out
	}
	return []bianmin.Guide{
		g("dibao-apply", "最低生活保障（低保）申请", "社会救助", "南岗区民政局", "低保申请书", "窗口领取", "居民身份证", "全体家庭成员"),
		g("temporary-assistance", "临时救助申请", "社会救助", "南岗区民政局", "临时救助申请书", "", "低保证", "已纳入低保的家庭提供"),
		g("resident-medical-insurance", "城乡居民医保参保登记", "社会保障", "南岗区医疗保障局", "居民身份证", "个人缴费约占50%", "居民户口簿", ""),
		g("party-transfer", "党组织关系转接", "党群服务", "花园街道党工委", "党员证明", "注明'转出'党组织名称"),
		g("residence-permit", "居住证办理", "户籍证件", "南岗公安分局", "居民身份证", "", "租房合同", "Lease Contract"),
	}
}

func testGuidesSeed(t *testing.T, s office.Store) {
	ctx := context.Background()
	fx := GuideFixtures()
	n, err := s.SeedGuides(ctx, fx, T0)
	if err != nil || n != len(fx) {
		t.Fatalf("SeedGuides = %d, %v", n, err)
	}
	feed, _ := pullAll(t, s, 0, office.ClassGuides, 100)
	if len(feed) != len(fx) {
		t.Fatalf("%d guides on the feed, want %d", len(feed), len(fx))
	}
	for _, c := range feed {
		g, err := bianmin.ParseGuide(c.Data) // what the kiosk does with it
		if err != nil || g.ID != c.Key || c.Op != "put" {
			t.Errorf("feed entry %s: %v", c.Key, err)
		}
	}
	if err := s.DeleteGuide(ctx, fx[0].ID, T0); err != nil {
		t.Fatal(err)
	}
	// Seeding again — a restart — neither restores the deleted guide nor
	// touches the feed.
	before := counts(t, s)
	if n, err := s.SeedGuides(ctx, fx, T0.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second SeedGuides = %d, %v; want 0", n, err)
	}
	if _, err := s.Guide(ctx, fx[0].ID); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("deleted guide back after a second seed: %v", err)
	}
	if after := counts(t, s); after != before {
		t.Errorf("second seed changed counts %+v → %+v", before, after)
	}
}

func testGuideSearch(t *testing.T, s office.Store) {
	ctx := context.Background()
	fx := GuideFixtures()
	if err := s.PublishGuides(ctx, fx, T0); err != nil {
		t.Fatal(err)
	}
	ref, err := inmem.NewGuideService(fx)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(gs []bianmin.Guide) []string {
		out := []string{}
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	for _, f := range []bianmin.GuideFilter{
		{}, {Query: "党"}, {Query: "低保"}, {Query: "医保"}, {Query: "民政"}, {Query: "社会救助"}, {Query: "证"},
		{Query: "全体家庭"}, {Query: "(低保)"}, {Query: "ｌｅａｓｅ"}, {Query: "  医保 \t"}, {Query: "%"}, {Query: "_"},
		{Query: "'"}, {Query: "' OR 1=1 --"}, {Query: "不存在的事项"}, {Category: "社会救助"},
		{Category: "社会救助", Query: "身份证"}, {Category: "不存在"},
	} {
		got, err := s.FindGuides(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.FindGuides(ctx, f)
		if !slices.Equal(ids(got), ids(want)) {
			t.Errorf("FindGuides(%+v) = %v, inmem says %v", f, ids(got), ids(want))
		}
	}
	// A few absolute answers, so the comparison cannot pass on two wrong ones.
	if got, _ := s.FindGuides(ctx, bianmin.GuideFilter{Query: "低保"}); !slices.Equal(ids(got), []string{"dibao-apply", "temporary-assistance"}) {
		t.Errorf("低保 = %v", ids(got))
	}
	cats, _ := s.Categories(ctx)
	want, _ := ref.Categories(ctx)
	if !slices.Equal(cats, want) || cats[0] != "社会救助" {
		t.Errorf("Categories = %v, inmem says %v", cats, want)
	}
	g, err := s.Guide(ctx, "dibao-apply")
	if err != nil || g.Title != fx[0].Title || len(g.Materials) != 2 || g.Materials[1].Note != "全体家庭成员" {
		t.Errorf("Guide(dibao-apply) = %+v, %v", g, err)
	}
	for _, id := range []string{"unknown", "", "../dibao-apply", "DIBAO-APPLY"} {
		if _, err := s.Guide(ctx, id); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
			t.Errorf("Guide(%q) = %v, want %s", id, err, bianmin.ENOTFOUND)
		}
	}
}

func testGuidePublish(t *testing.T, s office.Store) {
	ctx := context.Background()
	fx := GuideFixtures()
	if err := s.PublishGuides(ctx, fx[:2], T0); err != nil {
		t.Fatal(err)
	}
	_, cursor := pullAll(t, s, 0, "", 100)
	edited := fx[0]
	edited.Title = "最低生活保障申请（新）"
	edited.Version = "2"
	if err := s.PublishGuides(ctx, []bianmin.Guide{edited}, T0); err != nil {
		t.Fatal(err)
	}
	got, _ := pullAll(t, s, cursor, "", 100)
	if len(got) != 1 || got[0].Key != edited.ID {
		t.Fatalf("after an edit: %v", keys(got))
	}
	if g, _ := bianmin.ParseGuide(got[0].Data); g.Title != edited.Title {
		t.Errorf("feed carries %q, want the edited title", g.Title)
	}
	if found, _ := s.FindGuides(ctx, bianmin.GuideFilter{Query: "新"}); len(found) != 1 {
		t.Errorf("search does not see the edit: %d found", len(found))
	}
	before := counts(t, s)
	bad := fx[2]
	bad.Materials = nil
	if err := s.PublishGuides(ctx, []bianmin.Guide{fx[3], bad}, T0); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("publishing an invalid guide: %v", err)
	}
	if err := s.PublishGuides(ctx, []bianmin.Guide{fx[3], fx[3]}, T0); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("publishing a guide twice in one call: %v", err)
	}
	if after := counts(t, s); after != before {
		t.Errorf("refused publish changed counts %+v → %+v", before, after)
	}
	if err := s.DeleteGuide(ctx, "no-such-guide", T0); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("DeleteGuide(unknown) = %v", err)
	}
	if err := s.DeleteGuide(ctx, fx[1].ID, T0); err != nil {
		t.Fatal(err)
	}
	got, _ = pullAll(t, s, cursor, office.ClassGuides, 100)
	if !slices.Equal(keys(got)[1:], []string{"guides/" + fx[1].ID + ":delete"}) {
		t.Errorf("after delete: %v", keys(got))
	}
	if cats, _ := s.Categories(ctx); !slices.Equal(cats, []string{"社会救助"}) {
		t.Errorf("Categories after delete = %v", cats)
	}
}

// feedKiosk follows the pull protocol as a kiosk does (sync/client.Syncer):
// pages from its cursor, and on must_refetch reloads each named class from 0
// with class=C, replaces it, and goes on from the answer's cursor.
type feedKiosk struct {
	cursor int64
	data   map[string]map[string]string
}

func (k *feedKiosk) apply(c wire.Change) {
	if k.data[c.Class] == nil {
		k.data[c.Class] = map[string]string{}
	}
	if c.Op == "delete" {
		delete(k.data[c.Class], c.Key)
	} else {
		k.data[c.Class][c.Key] = string(c.Data)
	}
}

func (k *feedKiosk) sync(t *testing.T, s office.Store, limit int) {
	t.Helper()
	ctx := context.Background()
	if k.data == nil {
		k.data = map[string]map[string]string{}
	}
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("pull does not end")
		}
		ch, err := s.Changes(ctx, office.ChangesQuery{Cursor: k.cursor, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.MustRefetch) > 0 {
			if len(ch.Changes) > 0 {
				t.Fatalf("a must_refetch answer carries %d changes", len(ch.Changes))
			}
			for _, class := range ch.MustRefetch {
				all, _ := pullAll(t, s, 0, class, limit) // fails on a nested must_refetch
				k.data[class] = map[string]string{}
				for _, c := range all {
					if c.Class != class {
						t.Fatalf("refetch of %s returned a %s change", class, c.Class)
					}
					k.apply(c)
				}
			}
			if ch.Cursor == k.cursor && ch.Cursor != 0 {
				// Told to refetch and continue where it stands: the next
				// answer must not be the same refetch, or the kiosk loops.
				again, _ := s.Changes(ctx, office.ChangesQuery{Cursor: k.cursor, Limit: limit})
				if slices.Equal(again.MustRefetch, ch.MustRefetch) {
					t.Fatalf("must_refetch %v at cursor %d repeats forever", ch.MustRefetch, k.cursor)
				}
			}
			k.cursor = ch.Cursor
			continue
		}
		for _, c := range ch.Changes {
			k.apply(c)
		}
		if ch.Cursor < k.cursor {
			t.Fatalf("cursor went back from %d to %d", k.cursor, ch.Cursor)
		}
		k.cursor = ch.Cursor
		if !ch.More {
			return
		}
	}
}

// state renders the kiosk's content, empty classes left out.
func (k *feedKiosk) state() string {
	out := map[string]map[string]string{}
	for c, m := range k.data {
		if len(m) > 0 {
			out[c] = m
		}
	}
	return fmt.Sprint(out)
}

// testFeedConvergence publishes, deletes and replaces content at random while
// kiosks with different page sizes sync now and then: after every sync a
// kiosk holds exactly what is published, compaction and resets included.
func testFeedConvergence(t *testing.T, s office.Store) {
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(4, 2026))
	model := map[string]map[string]string{}
	classes := []string{office.ClassUnits, office.ClassGrid, office.ClassBills}
	kiosks := []*feedKiosk{{}, {}, {}, {}}
	limits := []int{1, 3, 10, 1000}
	for step := 0; step < 400; step++ {
		class := classes[rng.IntN(len(classes))]
		if model[class] == nil {
			model[class] = map[string]string{}
		}
		switch r := rng.IntN(20); {
		case r == 0: // replace the whole class
			next := map[string]string{}
			var items []office.Item
			for i := 0; i < rng.IntN(4); i++ {
				key, val := fmt.Sprintf("k%d", rng.IntN(8)), fmt.Sprintf("%d", step)
				if _, dup := next[key]; dup {
					continue
				}
				next[key] = val
				items = append(items, item(key, val))
			}
			if _, err := s.ReplaceClass(ctx, class, items, T0); err != nil {
				t.Fatal(err)
			}
			model[class] = next
		case r < 6: // delete a key (maybe one never published)
			key := fmt.Sprintf("k%d", rng.IntN(8))
			if _, err := s.Publish(ctx, class, []office.Item{item(key, "")}, T0); err != nil {
				t.Fatal(err)
			}
			delete(model[class], key)
		default:
			key, val := fmt.Sprintf("k%d", rng.IntN(8)), fmt.Sprintf("%d", step)
			if _, err := s.Publish(ctx, class, []office.Item{item(key, val)}, T0); err != nil {
				t.Fatal(err)
			}
			model[class][key] = val
		}
		for i, k := range kiosks {
			if rng.IntN(4) != 0 {
				continue
			}
			k.sync(t, s, limits[i])
			want := map[string]map[string]string{}
			for c, m := range model {
				if len(m) > 0 {
					want[c] = maps.Clone(m)
				}
			}
			if got := k.state(); got != fmt.Sprint(want) {
				t.Fatalf("step %d, kiosk paging by %d holds\n%s\nwant\n%s", step, limits[i], got, fmt.Sprint(want))
			}
		}
	}
}
