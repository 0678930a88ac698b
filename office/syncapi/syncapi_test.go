package syncapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// fixture is officed's sync API on a real SQLite file behind a real loopback
// HTTP server, with a clock the test moves.
type fixture struct {
	store *sqlite.Store
	h     *syncapi.Handler
	srv   *httptest.Server
	clock *officetest.Clock
	logs  *officetest.LogBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := sqlitetest.Open(t)
	f := &fixture{store: st, clock: officetest.NewClock(time.Now().UTC().Truncate(time.Second)), logs: &officetest.LogBuffer{}}
	var err error
	f.h, err = syncapi.New(syncapi.Config{Store: st, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(func() {
		f.srv.Close()
		st.Close()
		if strings.Contains(f.logs.String(), officetest.SecretPhone) {
			t.Errorf("record data reached the log:\n%s", f.logs.String())
		}
	})
	return f
}

// code stores a one-time code for name, valid for an hour from now.
func (f *fixture) code(t *testing.T, name string) string {
	t.Helper()
	c := office.NewEnrollCode()
	h, _ := office.HashEnrollCode(c)
	now := f.clock.Now()
	if err := f.store.AddEnrollCode(context.Background(), office.EnrollCode{Hash: h, KioskName: name, Created: now, Expires: now.Add(office.EnrollCodeTTL)}); err != nil {
		t.Fatal(err)
	}
	return c
}

// kiosk returns a kiosk enrolled over HTTP, signing with the fixture's clock.
func (f *fixture) kiosk(t *testing.T, name string) *officetest.Kiosk {
	t.Helper()
	k := officetest.NewKiosk(f.srv.URL)
	k.Now = f.clock.Now
	resp, err := k.Enroll(context.Background(), f.code(t, name), name)
	if err != nil || resp.Status != http.StatusOK || k.ID == "" {
		t.Fatalf("enroll: %v %d %s", err, resp.Status, resp.Body)
	}
	return k
}

func (f *fixture) counts(t *testing.T) office.Counts {
	t.Helper()
	c, err := f.store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) metrics(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.h.Metrics().WriteTo(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// wantError checks a refusal's status and JSON error code.
func wantError(t *testing.T, resp officetest.Response, status int, code string) {
	t.Helper()
	if resp.Status != status || resp.Err == nil || resp.Err.Code != code || resp.Err.Message == "" {
		t.Errorf("got %d %s, want %d with error code %q", resp.Status, resp.Body, status, code)
	}
}

func enrollBody(code string, key any) []byte {
	b, _ := json.Marshal(map[string]any{"code": code, "name": "x", "public_key": key})
	return b
}

func post(t *testing.T, url string, body []byte) officetest.Response {
	t.Helper()
	k := officetest.NewKiosk("")
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	resp, err := k.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// unchanged fails the test if the store's counts moved from before: a
// refused request stores nothing.
func (f *fixture) unchanged(t *testing.T, before office.Counts) {
	t.Helper()
	if after := f.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
}

// refusedEnroll enrolls with code and wants it refused as a code (403
// enroll_code) with a message that says why, and nothing stored.
func (f *fixture) refusedEnroll(t *testing.T, code, why string) {
	t.Helper()
	before := f.counts(t)
	resp, _ := officetest.NewKiosk(f.srv.URL).Enroll(context.Background(), code, "")
	wantError(t, resp, http.StatusForbidden, "enroll_code")
	if resp.Err != nil && !strings.Contains(resp.Err.Message, why) {
		t.Errorf("message %q does not say %q", resp.Err.Message, why)
	}
	f.unchanged(t, before)
}

func TestEnroll(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	code := f.code(t, "花园街道 1号机")

	k := officetest.NewKiosk(f.srv.URL)
	resp, err := k.Enroll(ctx, strings.ToLower(code), "kiosk's own name") // codes are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	var er wire.EnrollResponse
	if err := resp.Decode(&er); err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if er.KioskID == "" || er.Name != "花园街道 1号机" || er.Server.Sub(f.clock.Now()).Abs() > time.Second {
		t.Errorf("enroll answer %+v", er)
	}
	stored, err := f.store.Kiosk(ctx, er.KioskID)
	if err != nil || !bytes.Equal(stored.PublicKey, k.Pub) {
		t.Errorf("stored kiosk %+v, %v", stored, err)
	}

	t.Run("reused code", func(t *testing.T) { f.refusedEnroll(t, code, "already used") })
	t.Run("expired code", func(t *testing.T) {
		code := f.code(t, "late")
		f.clock.Add(office.EnrollCodeTTL + time.Second)
		defer f.clock.Add(-office.EnrollCodeTTL - time.Second)
		f.refusedEnroll(t, code, "expired")
	})
	t.Run("garbage keys do not use the code up", func(t *testing.T) {
		code := f.code(t, "careful")
		before := f.counts(t)
		for _, tc := range []struct {
			name   string
			key    any
			status int
			code   string
		}{
			{"31 bytes", make([]byte, 31), 400, "invalid"},
			{"empty", "", 400, "invalid"},
			{"not base64", "!!not-base64!!", 400, "malformed"},
			{"a number", 42, 400, "malformed"},
		} {
			wantError(t, post(t, f.srv.URL+"/api/v1/enroll", enrollBody(code, tc.key)), tc.status, tc.code)
		}
		f.unchanged(t, before)
		if resp, _ := officetest.NewKiosk(f.srv.URL).Enroll(ctx, code, ""); resp.Status != 200 {
			t.Errorf("the code no longer works after garbage attempts: %d %s", resp.Status, resp.Body)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		before := f.counts(t)
		key := make([]byte, 32)
		for _, tc := range []struct {
			name   string
			body   []byte
			status int
			code   string
		}{
			{"unknown code", enrollBody("0000-0000-0000", key), 403, "enroll_code"},
			{"not a code", enrollBody("let me in", key), 403, "enroll_code"},
			{"not JSON", []byte(`{"code":`), 400, "malformed"},
			{"unknown field", []byte(`{"code":"x","public_key":"","admin":true}`), 400, "malformed"},
			{"trailing data", append(enrollBody("0000-0000-0000", key), []byte(` {}`)...), 400, "malformed"},
			{"oversized", bytes.Repeat([]byte(" "), 5<<10), 413, "too_large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, post(t, f.srv.URL+"/api/v1/enroll", tc.body), tc.status, tc.code)
			})
		}
		f.unchanged(t, before)
	})
}

func TestPush(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "pusher")
	recs := k.Records(50, 300)

	ack, resp, err := k.Push(ctx, recs)
	if err != nil || resp.Status != 200 {
		t.Fatalf("push: %v %d %s", err, resp.Status, resp.Body)
	}
	if len(ack.Acked) != 50 || ack.Duplicates != 0 || ack.Acked[0] != recs[0].ID || ack.Acked[49] != recs[49].ID {
		t.Errorf("ack = %d ids, %d duplicates", len(ack.Acked), ack.Duplicates)
	}
	// The same batch again (a retry after a lost answer): all acknowledged as
	// duplicates, stored once.
	ack, resp, _ = k.Push(ctx, recs)
	if resp.Status != 200 || len(ack.Acked) != 50 || ack.Duplicates != 50 {
		t.Errorf("same batch again: %d, %d acked, %d duplicates", resp.Status, len(ack.Acked), ack.Duplicates)
	}
	stored, _ := f.store.Records(ctx, office.RecordFilter{KioskID: k.ID})
	if len(stored) != 50 {
		t.Errorf("%d records stored, want 50", len(stored))
	}
	for i, r := range stored {
		if r.Record.ID != recs[i].ID || !bytes.Equal(r.Record.Data, recs[i].Data) || !r.ReceivedAt.Equal(f.clock.Now()) {
			t.Errorf("stored[%d] = %+v", i, r)
			break
		}
	}

	t.Run("refused batches store nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func([]wire.Record)
			status int
			code   string
			record bool // the error names the record
		}{
			{"one unknown kind", func(rs []wire.Record) { rs[7].Kind = "bribe" }, 422, "unknown_kind", true},
			{"one unknown schema", func(rs []wire.Record) { rs[3].Schema = 9 }, 422, "unknown_schema", true},
			{"one bad id", func(rs []wire.Record) { rs[5].ID = strings.ToUpper(rs[5].ID) }, 422, "invalid", true},
			{"data not an object", func(rs []wire.Record) { rs[9].Data = json.RawMessage(`"13912345678"`) }, 422, "invalid", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				batch := k.Records(10, 100)
				tc.change(batch)
				before := f.counts(t)
				_, resp, err := k.Push(ctx, batch)
				if err != nil {
					t.Fatal(err)
				}
				wantError(t, resp, tc.status, tc.code)
				if tc.record && (resp.Err == nil || resp.Err.Record == "") {
					t.Errorf("error %s does not name the record", resp.Body)
				}
				if tc.name == "one unknown kind" && resp.Err.Record != batch[7].ID {
					t.Errorf("error names %q, want %s", resp.Err.Record, batch[7].ID)
				}
				f.unchanged(t, before)
			})
		}
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"not JSON", `{"records":[`, 400, "malformed"},
			{"empty batch", `{"records":[]}`, 400, "invalid"},
			{"unknown field", `{"records":[],"x":1}`, 400, "malformed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.counts(t)
				resp, _ := k.Signed(ctx, http.MethodPost, "/api/v1/records", []byte(tc.body))
				wantError(t, resp, tc.status, tc.code)
				f.unchanged(t, before)
			})
		}
		t.Run("too many records", func(t *testing.T) {
			before := f.counts(t)
			_, resp, _ := k.Push(ctx, k.Records(wire.MaxBatch+1, 10))
			wantError(t, resp, 413, "too_large")
			f.unchanged(t, before)
		})
	})
}

func TestPull(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "puller")
	now := f.clock.Now()
	units := map[string]map[string]string{}
	for i := 0; i < 25; i++ {
		units[fmt.Sprintf("u%02d", i)] = map[string]string{"name": fmt.Sprintf("单位%d", i)}
	}
	if _, err := office.PublishUnits(ctx, f.store, units, now); err != nil {
		t.Fatal(err)
	}
	// Republishing u00 moves it to the end: the feed holds it once.
	if _, err := office.PublishUnits(ctx, f.store, map[string]map[string]string{"u00": {"name": "新单位"}}, now); err != nil {
		t.Fatal(err)
	}

	var got []wire.Change
	cursor, pages := int64(0), 0
	for {
		ch, resp, err := k.Changes(ctx, cursor, "", 10)
		if err != nil || resp.Status != 200 {
			t.Fatalf("changes: %v %d %s", err, resp.Status, resp.Body)
		}
		pages++
		got = append(got, ch.Changes...)
		cursor = ch.Cursor
		if !ch.More {
			break
		}
	}
	if pages != 3 || len(got) != 25 || got[24].Key != "u00" || !strings.Contains(string(got[24].Data), "新单位") || cursor != 26 {
		t.Errorf("%d pages, %d changes, last %s %s, cursor %d", pages, len(got), got[24].Key, got[24].Data, cursor)
	}

	t.Run("must refetch after a class reset", func(t *testing.T) {
		if _, err := f.store.ReplaceClass(ctx, office.ClassBills, []office.Item{{Key: "heat/1", Data: json.RawMessage(`{"due_fen":245000}`)}}, now); err != nil {
			t.Fatal(err)
		}
		ch, resp, _ := k.Changes(ctx, cursor, "", 10)
		if resp.Status != 200 || !slices.Equal(ch.MustRefetch, []string{"bills"}) || len(ch.Changes) != 0 || ch.Cursor <= cursor {
			t.Fatalf("after reset: %d %s", resp.Status, resp.Body)
		}
		bills, _, _ := k.Changes(ctx, 0, "bills", 10)
		if len(bills.Changes) != 1 || bills.Changes[0].Key != "heat/1" || len(bills.MustRefetch) != 0 {
			t.Errorf("refetch of bills: %+v", bills)
		}
		rest, _, _ := k.Changes(ctx, ch.Cursor, "", 10)
		if len(rest.MustRefetch) != 0 || len(rest.Changes) != 1 {
			t.Errorf("continuing after the refetch: %+v", rest)
		}
	})
	t.Run("must refetch beyond the feed", func(t *testing.T) {
		ch, resp, _ := k.Changes(ctx, 1_000_000, "", 10)
		if resp.Status != 200 || !slices.Equal(ch.MustRefetch, wire.Classes) || ch.Cursor >= 1_000_000 {
			t.Errorf("beyond the feed: %d %s", resp.Status, resp.Body)
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		before := f.counts(t)
		for _, q := range []string{"cursor=-1", "cursor=abc", "cursor=01", "limit=0", "limit=1001", "class=bribes", "cursor=1&cursor=2", "since=4"} {
			resp, _ := k.Signed(ctx, http.MethodGet, "/api/v1/changes?"+q, nil)
			wantError(t, resp, 400, "invalid")
		}
		if after := f.counts(t); after != before {
			t.Errorf("counts %+v → %+v (a refused pull must not even use its nonce)", before, after)
		}
	})
}

func TestHeartbeat(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "beating")
	f.kiosk(t, "silent")
	hb := wire.Heartbeat{AppVersion: "0.4.0", UptimeS: 120, Devices: map[string]string{"printer": "ok", "cash": "disconnected"},
		QueueDepth: 12, Cash: wire.CashBox{Notes: 4, TotalFen: 20000}}
	resp, err := k.Heartbeat(ctx, hb)
	var ack wire.HeartbeatAck
	if err != nil || resp.Decode(&ack) != nil || !ack.Server.Equal(f.clock.Now()) {
		t.Fatalf("heartbeat: %v %d %s", err, resp.Status, resp.Body)
	}
	got, _ := f.store.Kiosk(ctx, k.ID)
	if got.QueueDepth != 12 || got.AppVersion != "0.4.0" || got.Heartbeat.Devices["cash"] != "disconnected" || !got.LastSeen.Equal(f.clock.Now()) {
		t.Errorf("stored kiosk after heartbeat: %+v", got)
	}
	if m := f.metrics(t); !strings.Contains(m, "\nofficed_kiosks_online 1\n") {
		t.Errorf("kiosks online after one heartbeat:\n%s", m)
	}
	f.clock.Add(syncapi.OnlineWindow + time.Second)
	if m := f.metrics(t); !strings.Contains(m, "\nofficed_kiosks_online 0\n") {
		t.Errorf("kiosks online after 2 minutes of silence:\n%s", m)
	}
	for _, tc := range []struct{ name, body string }{
		{"negative queue", `{"queue_depth":-1}`},
		{"huge version", `{"app_version":"` + strings.Repeat("9", 100) + `"}`},
	} {
		resp, _ := k.Signed(ctx, http.MethodPost, "/api/v1/heartbeat", []byte(tc.body))
		wantError(t, resp, 400, "invalid")
	}
	resp, _ = k.Signed(ctx, http.MethodPost, "/api/v1/heartbeat", []byte(`{"queue_depth":1,"mood":"happy"}`))
	wantError(t, resp, 400, "malformed")
	if got, _ := f.store.Kiosk(ctx, k.ID); got.QueueDepth != 12 {
		t.Errorf("a refused heartbeat was stored: queue depth %d", got.QueueDepth)
	}
}

// TestSecurity sends each kind of bad request and checks it is refused with
// a clear JSON error and the store is unchanged, row for row.
func TestSecurity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "honest")
	body, _ := json.Marshal(wire.Batch{Records: k.Records(5, 200)})

	forger := officetest.NewKiosk(f.srv.URL) // another key claiming k's id
	forger.ID = k.ID
	forger.Now = f.clock.Now

	revoked := f.kiosk(t, "revoked")
	if err := f.store.Revoke(ctx, revoked.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	usedCode := f.code(t, "once")
	if resp, _ := officetest.NewKiosk(f.srv.URL).Enroll(ctx, usedCode, ""); resp.Status != 200 {
		t.Fatal("first use of the code failed")
	}

	send := func(req *http.Request) officetest.Response {
		t.Helper()
		resp, err := k.Send(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, tc := range []struct {
		name   string
		do     func() officetest.Response
		status int
		code   string
	}{
		{"forged signature", func() officetest.Response {
			resp, _ := forger.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			return resp
		}, 401, "bad_signature"},
		{"no signature", func() officetest.Response {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/records", bytes.NewReader(body))
			return send(req)
		}, 401, "no_signature"},
		{"malformed header", func() officetest.Response {
			req, _ := k.NewRequest(ctx, http.MethodPost, "/api/v1/records", body)
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), `ts="`, `ts="x`, 1))
			return send(req)
		}, 401, "bad_signature"},
		{"body changed after signing", func() officetest.Response {
			req, _ := k.NewRequest(ctx, http.MethodPost, "/api/v1/records", body)
			other, _ := json.Marshal(wire.Batch{Records: k.Records(5, 200)})
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(other)), int64(len(other))
			return send(req)
		}, 401, "bad_signature"},
		{"signed for another path", func() officetest.Response {
			req, _ := k.NewRequest(ctx, http.MethodPost, "/api/v1/heartbeat", body)
			req.URL.Path = "/api/v1/records"
			return send(req)
		}, 401, "bad_signature"},
		{"timestamp 6 minutes old", func() officetest.Response {
			old := *k
			old.Now = func() time.Time { return f.clock.Now().Add(-6 * time.Minute) }
			resp, _ := old.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			return resp
		}, 401, "stale"},
		{"timestamp 6 minutes ahead", func() officetest.Response {
			ahead := *k
			ahead.Now = func() time.Time { return f.clock.Now().Add(6 * time.Minute) }
			resp, _ := ahead.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			return resp
		}, 401, "stale"},
		{"revoked kiosk", func() officetest.Response {
			resp, _ := revoked.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			return resp
		}, 403, "revoked"},
		{"unknown kiosk", func() officetest.Response {
			stranger := officetest.NewKiosk(f.srv.URL)
			stranger.ID = "K0000000000000000000000000Z"
			resp, _ := stranger.Signed(ctx, http.MethodPost, "/api/v1/records", body)
			return resp
		}, 401, "unknown_kiosk"},
		{"reused enrollment code", func() officetest.Response {
			resp, _ := officetest.NewKiosk(f.srv.URL).Enroll(ctx, usedCode, "")
			return resp
		}, 403, "enroll_code"},
		{"oversized body", func() officetest.Response {
			big := append(bytes.TrimSuffix(body, []byte("}")), []byte(`,"pad":"`+strings.Repeat("x", wire.MaxBodyBytes)+`"}`)...)
			resp, _ := k.Signed(ctx, http.MethodPost, "/api/v1/records", big)
			return resp
		}, 413, "too_large"},
		{"oversized heartbeat", func() officetest.Response {
			resp, _ := k.Signed(ctx, http.MethodPost, "/api/v1/heartbeat", bytes.Repeat([]byte(" "), wire.MaxBodyBytes+1))
			return resp
		}, 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.counts(t)
			wantError(t, tc.do(), tc.status, tc.code)
			if after := f.counts(t); after != before {
				t.Errorf("store changed %+v → %+v", before, after)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		for _, path := range []string{"/api/v1/records", "/api/v1/heartbeat", "/api/v1/changes?cursor=0"} {
			method, b := http.MethodPost, body
			if strings.HasPrefix(path, "/api/v1/heartbeat") {
				b = []byte(`{"queue_depth":3}`)
			}
			if strings.HasPrefix(path, "/api/v1/changes") {
				method, b = http.MethodGet, nil
			}
			req, _ := k.NewRequest(ctx, method, path, b)
			replay := req.Clone(ctx) // the same header and body, captured on the wire
			if b != nil {
				replay.Body = io.NopCloser(bytes.NewReader(b))
			}
			if resp := send(req); resp.Status != 200 {
				t.Fatalf("%s: original %d %s", path, resp.Status, resp.Body)
			}
			before := f.counts(t)
			wantError(t, send(replay), 401, "replay")
			if after := f.counts(t); after != before {
				t.Errorf("%s: replay changed the store %+v → %+v", path, before, after)
			}
		}
		if stored, _ := f.store.Records(ctx, office.RecordFilter{KioskID: k.ID}); len(stored) != 5 {
			t.Errorf("%d records after original and replay, want 5", len(stored))
		}
	})

	t.Run("replay racing the original", func(t *testing.T) {
		batch, _ := json.Marshal(wire.Batch{Records: k.Records(20, 100)})
		req, _ := k.NewRequest(ctx, http.MethodPost, "/api/v1/records", batch)
		twin := req.Clone(ctx)
		twin.Body = io.NopCloser(bytes.NewReader(batch))
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, r := range []*http.Request{req, twin} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := k.Send(r)
				if err != nil {
					t.Error(err)
				}
				statuses[i] = resp.Status
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 200 || statuses[1] != 401 {
			t.Errorf("statuses %v, want one 200 and one 401", statuses)
		}
		if stored, _ := f.store.Records(ctx, office.RecordFilter{KioskID: k.ID}); len(stored) != 25 {
			t.Errorf("%d records, want 25", len(stored))
		}
	})

	t.Run("revoked after the signature was made", func(t *testing.T) {
		late := f.kiosk(t, "late")
		req, _ := late.NewRequest(ctx, http.MethodPost, "/api/v1/records", body)
		if err := f.store.Revoke(ctx, late.ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		wantError(t, send(req), 403, "revoked")
		if after := f.counts(t); after != before {
			t.Errorf("store changed %+v → %+v", before, after)
		}
	})

	t.Run("metrics count every refusal", func(t *testing.T) {
		m := f.metrics(t)
		for _, want := range []string{
			`officed_rejects_total{code="bad_signature"} 4`,
			`officed_rejects_total{code="no_signature"} 1`,
			`officed_rejects_total{code="stale"} 2`,
			`officed_rejects_total{code="revoked"} 2`,
			`officed_rejects_total{code="unknown_kiosk"} 1`,
			`officed_rejects_total{code="enroll_code"} 1`,
			`officed_rejects_total{code="too_large"} 2`,
			`officed_rejects_total{code="replay"} 4`,
			"officed_batches_total 2\n",
			"officed_records_ingested_total{kind=",
			"officed_records_duplicate_total 0\n",
			`officed_request_duration_seconds_count{endpoint="records"} `,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %q:\n%s", want, m)
			}
		}
	})
}

// TestMetrics checks the values after pushes, duplicates and refusals.
func TestMetrics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "counted")
	recs := k.Records(14, 100) // two of each of the 7 kinds
	if _, resp, _ := k.Push(ctx, recs); resp.Status != 200 {
		t.Fatal(resp.Status)
	}
	if _, resp, _ := k.Push(ctx, append(recs[:4:4], k.Records(3, 100)...)); resp.Status != 200 {
		t.Fatal(resp.Status)
	}
	bad := k.Records(2, 100)
	bad[1].Kind = "bribe"
	k.Push(ctx, bad)
	m := f.metrics(t)
	ingested := 0
	for _, kind := range officetest.Kinds() {
		var n int
		line := fmt.Sprintf(`officed_records_ingested_total{kind="%s"} `, kind)
		i := strings.Index(m, line)
		if i < 0 {
			t.Errorf("no %s", line)
			continue
		}
		fmt.Sscan(m[i+len(line):], &n)
		ingested += n
	}
	for _, want := range []string{
		"officed_records_duplicate_total 4\n",
		"officed_batches_total 2\n",
		`officed_rejects_total{code="unknown_kind"} 1` + "\n",
		`officed_request_duration_seconds_count{endpoint="records"} 3` + "\n",
		`officed_request_duration_seconds_count{endpoint="enroll"} 1` + "\n",
		"officed_enrollments_total 1\n",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	if ingested != 17 {
		t.Errorf("ingested total %d, want 17:\n%s", ingested, m)
	}
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/records", 405, "method_not_allowed", "POST"},
		{"PUT", "/api/v1/enroll", 405, "method_not_allowed", "POST"},
		{"POST", "/api/v1/changes", 405, "method_not_allowed", "GET"},
		{"GET", "/api/v1/heartbeat", 405, "method_not_allowed", "POST"},
		{"GET", "/api/v1/nothing", 404, "not_found", ""},
		{"GET", "/api/v2/records", 404, "not_found", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, f.srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb wire.ErrorBody
			json.NewDecoder(resp.Body).Decode(&eb)
			if resp.StatusCode != tc.status || eb.Error == nil || eb.Error.Code != tc.code ||
				resp.Header.Get("Allow") != tc.allow || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%d %+v Allow %q", resp.StatusCode, eb.Error, resp.Header.Get("Allow"))
			}
		})
	}
}

// Nonces older than twice the allowed skew are forgotten as requests arrive.
func TestNoncesPruned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "old")
	for i := 0; i < 3; i++ {
		if resp, _ := k.Heartbeat(ctx, wire.Heartbeat{}); resp.Status != 200 {
			t.Fatal(resp.Status)
		}
	}
	if n := f.counts(t).Nonces; n != 3 {
		t.Fatalf("%d nonces, want 3", n)
	}
	f.clock.Add(2*sign.Skew + time.Minute)
	if resp, _ := k.Heartbeat(ctx, wire.Heartbeat{}); resp.Status != 200 {
		t.Fatal(resp.Status)
	}
	if n := f.counts(t).Nonces; n != 1 {
		t.Errorf("%d nonces after 11 minutes, want only the newest", n)
	}
}

// The refusal messages say what is wrong in words a technician can act on.
func TestStaleMessageNamesTheClock(t *testing.T) {
	f := newFixture(t)
	k := f.kiosk(t, "drifting")
	k.Now = func() time.Time { return f.clock.Now().Add(-10 * time.Minute) }
	resp, _ := k.Heartbeat(context.Background(), wire.Heartbeat{})
	wantError(t, resp, 401, "stale")
	if resp.Err == nil || !strings.Contains(resp.Err.Message, "-10m0s") || !strings.Contains(resp.Err.Message, "clock") {
		t.Errorf("stale message %q", resp.Err.Message)
	}
}
