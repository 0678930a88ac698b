package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const okRecord = `{"id":"0193a1b2-c3d4-7e5f-8a6b-1c2d3e4f5a6b","seq":1,"kind":"ticket","schema":1,"created":"2026-11-25T09:00:00+08:00","data":{"category":"供水"}}`

func TestDecodeBatch(t *testing.T) {
	b, e := DecodeBatch([]byte(`{"records":[` + okRecord + `]}`))
	if e != nil || len(b.Records) != 1 || b.Records[0].Kind != "ticket" {
		t.Fatalf("good batch: %+v %v", b, e)
	}
	swap := func(from, to string) string {
		return `{"records":[` + strings.Replace(okRecord, from, to, 1) + `]}`
	}
	for _, tc := range []struct{ name, body, code string }{
		{"not json", `{"records":[`, "malformed"},
		{"unknown field", `{"records":[],"x":1}`, "malformed"},
		{"trailing", `{"records":[` + okRecord + `]} {}`, "malformed"},
		{"empty", `{"records":[]}`, "invalid"},
		{"bad id", swap(`0193a1b2-c3d4-7e5f`, `0193a1b2-c3d4-4e5f`), "invalid"},
		{"upper id", swap(`0193a1b2`, `0193A1B2`), "invalid"},
		{"zero seq", swap(`"seq":1`, `"seq":0`), "invalid"},
		{"unknown kind", swap(`"ticket"`, `"bribe"`), "unknown_kind"},
		{"unknown schema", swap(`"schema":1`, `"schema":9`), "unknown_schema"},
		{"data not object", swap(`{"category":"供水"}`, `[1]`), "invalid"},
		{"no created", swap(`"created":"2026-11-25T09:00:00+08:00",`, ``), "invalid"},
		{"too large", `{"records":[` + okRecord + `]}` + strings.Repeat(" ", MaxBodyBytes), "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e := DecodeBatch([]byte(tc.body))
			if e == nil || e.Code != tc.code {
				t.Fatalf("got %v, want code %s", e, tc.code)
			}
		})
	}
	dup := `{"records":[` + okRecord + `,` + strings.Replace(okRecord, `"seq":1`, `"seq":2`, 1) + `]}`
	if _, e := DecodeBatch([]byte(dup)); e == nil || e.Record == "" {
		t.Errorf("repeated id: %v", e)
	}
	var many []string
	for i := 0; i <= MaxBatch; i++ {
		many = append(many, strings.Replace(strings.Replace(okRecord, `"seq":1`, fmt.Sprintf(`"seq":%d`, i+1), 1),
			"1c2d3e4f5a6b", fmt.Sprintf("%012x", i), 1))
	}
	if _, e := DecodeBatch([]byte(`{"records":[` + strings.Join(many, ",") + `]}`)); e == nil || e.Code != "too_large" {
		t.Errorf("%d records: %v", len(many), e)
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"records":[` + okRecord + `]}`))
	f.Add([]byte(`{"records":[{"id":"","seq":-1}]}`))
	f.Add([]byte(`{"records":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, e := DecodeBatch(body)
		if e != nil {
			if e.Code == "" || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		// Whatever passes is fit to store: known kinds, objects, bounded.
		for _, r := range b.Records {
			if _, ok := Kinds[r.Kind]; !ok || r.Seq <= 0 || !json.Valid(r.Data) {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

func TestNewID(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID(at)
		if !ValidID(id) {
			t.Fatalf("%s is not a UUIDv7", id)
		}
		if seen[id] {
			t.Fatalf("%s repeated", id)
		}
		seen[id] = true
	}
	a, b := NewID(at), NewID(at.Add(time.Millisecond))
	if a[:13] >= b[:13] {
		t.Errorf("ids do not sort by time: %s then %s", a, b)
	}
	if got := NewID(at)[:13]; got != "01a211ee-ea80" { // 1764061200000 ms
		t.Errorf("timestamp bits %s", got)
	}
}
