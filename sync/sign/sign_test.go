package sign

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Unix(1764064800, 0)
	body := []byte(`{"records":[]}`)
	r, _ := http.NewRequest("POST", "http://office/api/v1/records?x=1", bytes.NewReader(body))
	Sign(r, "K01", priv, body, now)
	h, err := Parse(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Kiosk != "K01" || h.TS != now.Unix() {
		t.Fatalf("parsed %+v", h)
	}
	if err := Verify(h, pub, "POST", "/api/v1/records?x=1", body, now.Add(4*time.Minute)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   []byte
		now    time.Time
		want   error
	}{
		{"other body", "POST", "/api/v1/records?x=1", []byte(`{"records":[1]}`), now, ErrBadSig},
		{"other path", "POST", "/api/v1/records", body, now, ErrBadSig},
		{"other method", "PUT", "/api/v1/records?x=1", body, now, ErrBadSig},
		{"stale", "POST", "/api/v1/records?x=1", body, now.Add(6 * time.Minute), ErrStale},
		{"future", "POST", "/api/v1/records?x=1", body, now.Add(-6 * time.Minute), ErrStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify(h, pub, tc.method, tc.path, tc.body, tc.now); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	if err := Verify(h, otherPub, "POST", "/api/v1/records?x=1", body, now); !errors.Is(err, ErrBadSig) {
		t.Errorf("another kiosk's key verified: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	good := `Bianmin-Ed25519 kiosk="K01", ts="1764064800", nonce="AAAAAAAAAAAAAAAAAAAAAA", sig="` + strings.Repeat("A", 86) + `=="`
	if _, err := Parse(good); err != nil {
		t.Fatalf("good header: %v", err)
	}
	for name, v := range map[string]string{
		"empty":          "",
		"other scheme":   "Bearer abc",
		"missing sig":    `Bianmin-Ed25519 kiosk="K01", ts="1764064800", nonce="AAAAAAAAAAAAAAAAAAAAAA"`,
		"duplicate":      strings.Replace(good, `ts="1764064800"`, `ts="1764064800", ts="1"`, 1),
		"unknown param":  good + `, x="1"`,
		"unquoted":       strings.Replace(good, `ts="1764064800"`, `ts=1764064800`, 1),
		"bad ts":         strings.Replace(good, `ts="1764064800"`, `ts="soon"`, 1),
		"short nonce":    strings.Replace(good, `nonce="AAAAAAAAAAAAAAAAAAAAAA"`, `nonce="AAAA"`, 1),
		"short sig":      strings.Replace(good, strings.Repeat("A", 86), "AAAA", 1),
		"quote in value": strings.Replace(good, `kiosk="K01"`, `kiosk="K"0"`, 1),
		"too long":       good + strings.Repeat(" ", 2000),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(v); err == nil {
				t.Errorf("accepted %q", v)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`Bianmin-Ed25519 kiosk="K01", ts="1764064800", nonce="AAAAAAAAAAAAAAAAAAAAAA", sig="` + strings.Repeat("A", 86) + `=="`)
	f.Add(`Bianmin-Ed25519 kiosk="", ts="", nonce="", sig=""`)
	f.Add(`Bianmin-Ed25519 ,,,`)
	f.Fuzz(func(t *testing.T, v string) {
		h, err := Parse(v)
		if err != nil {
			return
		}
		// Whatever parses renders back to a header that parses to the same thing.
		again, err := Parse(h.String())
		if err != nil || again.Kiosk != h.Kiosk || again.TS != h.TS || again.Nonce != h.Nonce || !bytes.Equal(again.Sig, h.Sig) {
			t.Fatalf("round trip of %q: %+v, %v", v, again, err)
		}
	})
}
