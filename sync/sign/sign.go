// Package sign authenticates kiosk requests to officed (SPEC §4): every request
// after enrollment carries an Ed25519 signature over its method, path, timestamp,
// nonce and the SHA-256 of its body, in one Authorization header:
//
//	Authorization: Bianmin-Ed25519 kiosk="K01HF…", ts="1764064800", nonce="q0Lr…", sig="base64…"
//
// The server checks the signature, rejects timestamps outside ±Skew and nonces it
// has seen, and looks the kiosk's key up by the kiosk id. Parsing and signing are
// pure; replay bookkeeping is the server's.
package sign

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme is the Authorization scheme name.
const Scheme = "Bianmin-Ed25519"

// Skew is how far a request's timestamp may be from the server's clock.
const Skew = 5 * time.Minute

// Errors a server maps to 401 with a clear message.
var (
	ErrMissing   = errors.New("sign: no Bianmin-Ed25519 Authorization header")
	ErrMalformed = errors.New("sign: malformed Authorization header")
	ErrBadSig    = errors.New("sign: signature does not verify")
	ErrStale     = errors.New("sign: timestamp outside the allowed clock skew")
)

// Header is a parsed Authorization header.
type Header struct {
	Kiosk string
	TS    int64 // Unix seconds
	Nonce string
	Sig   []byte
}

// String renders the header value.
func (h Header) String() string {
	return fmt.Sprintf(`%s kiosk="%s", ts="%d", nonce="%s", sig="%s"`,
		Scheme, h.Kiosk, h.TS, h.Nonce, base64.StdEncoding.EncodeToString(h.Sig))
}

// Message is the exact byte string that is signed.
func Message(method, path string, ts int64, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte("BIANMIN-V1\n" + method + "\n" + path + "\n" + strconv.FormatInt(ts, 10) + "\n" + nonce + "\n" + hex.EncodeToString(sum[:]))
}

// NewNonce returns 16 random bytes, base64url-encoded.
func NewNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Sign sets the Authorization header of r for a body already read into body.
// path is r.URL.RequestURI() (path and query).
func Sign(r *http.Request, kiosk string, key ed25519.PrivateKey, body []byte, now time.Time) {
	h := Header{Kiosk: kiosk, TS: now.Unix(), Nonce: NewNonce()}
	h.Sig = ed25519.Sign(key, Message(r.Method, r.URL.RequestURI(), h.TS, h.Nonce, body))
	r.Header.Set("Authorization", h.String())
}

// Parse reads an Authorization header value. It accepts the parameters in any
// order, each exactly once, and nothing else.
func Parse(v string) (Header, error) {
	var h Header
	rest, ok := strings.CutPrefix(v, Scheme+" ")
	if !ok {
		if v == "" {
			return h, ErrMissing
		}
		return h, fmt.Errorf("%w: scheme must be %s", ErrMalformed, Scheme)
	}
	if len(v) > 1024 {
		return h, fmt.Errorf("%w: too long", ErrMalformed)
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return h, fmt.Errorf("%w: parameter %q is not key=\"value\"", ErrMalformed, part)
		}
		val = val[1 : len(val)-1]
		if strings.ContainsAny(val, "\"\\") {
			return h, fmt.Errorf("%w: quote or backslash inside %s", ErrMalformed, k)
		}
		if seen[k] {
			return h, fmt.Errorf("%w: %s given twice", ErrMalformed, k)
		}
		seen[k] = true
		switch k {
		case "kiosk":
			if val == "" || len(val) > 64 {
				return h, fmt.Errorf("%w: kiosk id", ErrMalformed)
			}
			h.Kiosk = val
		case "ts":
			ts, err := strconv.ParseInt(val, 10, 64)
			if err != nil || ts <= 0 {
				return h, fmt.Errorf("%w: ts must be Unix seconds", ErrMalformed)
			}
			h.TS = ts
		case "nonce":
			if n, err := base64.RawURLEncoding.DecodeString(val); err != nil || len(n) < 12 || len(n) > 64 {
				return h, fmt.Errorf("%w: nonce must be 12–64 random bytes, base64url", ErrMalformed)
			}
			h.Nonce = val
		case "sig":
			sig, err := base64.StdEncoding.DecodeString(val)
			if err != nil || len(sig) != ed25519.SignatureSize {
				return h, fmt.Errorf("%w: sig must be a base64 Ed25519 signature", ErrMalformed)
			}
			h.Sig = sig
		default:
			return h, fmt.Errorf("%w: unknown parameter %q", ErrMalformed, k)
		}
	}
	if len(seen) != 4 {
		return h, fmt.Errorf("%w: kiosk, ts, nonce and sig are all required", ErrMalformed)
	}
	return h, nil
}

// Verify checks h against the request it came with: the timestamp within Skew
// of now and the signature by pub. Nonce reuse is the caller's check.
func Verify(h Header, pub ed25519.PublicKey, method, path string, body []byte, now time.Time) error {
	if d := now.Sub(time.Unix(h.TS, 0)); d > Skew || d < -Skew {
		return ErrStale
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, Message(method, path, h.TS, h.Nonce, body), h.Sig) {
		return ErrBadSig
	}
	return nil
}
