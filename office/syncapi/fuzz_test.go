package syncapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"bianmin/office"
	"bianmin/office/sqlite/sqlitetest"
)

func FuzzParseChangesQuery(f *testing.F) {
	for _, q := range []string{"cursor=0", "cursor=12&class=bills&limit=500", "cursor=-1", "limit=0", "cursor=1&cursor=2", "class=%00", "cursor=99999999999999999999", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{URL: &url.URL{Path: "/api/v1/changes", RawQuery: raw}}
		q, err := parseChangesQuery(r)
		if err != nil {
			return
		}
		if q.Cursor < 0 || q.Limit < 1 || q.Limit > office.MaxPage || (q.Class != "" && !office.ValidClass(q.Class)) {
			t.Errorf("%q accepted as %+v", raw, q)
		}
	})
}

// FuzzEnroll sends arbitrary enrollment bodies: each is refused with a 4xx
// and stores nothing, since no fuzzed body carries a stored code.
func FuzzEnroll(f *testing.F) {
	for _, b := range []string{
		`{"code":"7KQ4-M2XD-01TB","name":"x","public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`,
		`{"code":"","public_key":null}`, `[]`, `{"code":1}`, `{`, "",
	} {
		f.Add([]byte(b))
	}
	st := sqlitetest.Open(f)
	h, err := New(Config{Store: st})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/enroll", bytes.NewReader(body)))
		if rec.Code < 400 || rec.Code >= 500 || !bytes.Contains(rec.Body.Bytes(), []byte(`"error":{"code":`)) {
			t.Errorf("%q: %d %s", body, rec.Code, rec.Body)
		}
		if c, _ := st.Counts(context.Background()); c.Kiosks != 0 {
			t.Fatalf("%q enrolled a kiosk", body)
		}
	})
}
