package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// FormTokenTTL is how long a report form may stay open before it must be
// reloaded: ample for filling it in, short for a copied token.
const FormTokenTTL = 20 * time.Minute

// A form token is base64url(issued Unix seconds ‖ 12 random bytes ‖
// HMAC-SHA256 of both under the server's key). It proves the form came from
// this officed recently (no cross-site posts, no scripted posts without
// fetching a form first) and is used once.
const tokenLen = 8 + 12 + sha256.Size

var (
	errTokenMissing = errors.New("form token missing")
	errTokenForged  = errors.New("form token forged")
	errTokenExpired = errors.New("form token expired")
	errTokenUsed    = errors.New("form token used")
)

type formTokens struct {
	key []byte
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	used map[string]time.Time // token → when it expires anyway
}

func (f *formTokens) mac(b []byte) []byte {
	m := hmac.New(sha256.New, f.key)
	m.Write(b)
	return m.Sum(nil)
}

// issue returns a new token.
func (f *formTokens) issue() string {
	var b [tokenLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(f.now().Unix()))
	if _, err := rand.Read(b[8:20]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	copy(b[20:], f.mac(b[:20]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// check verifies tok without using it.
func (f *formTokens) check(tok string) error {
	if tok == "" {
		return errTokenMissing
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != tokenLen || !hmac.Equal(b[20:], f.mac(b[:20])) {
		return errTokenForged
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	if age := f.now().Sub(issued); age > f.ttl || age < -time.Minute {
		return errTokenExpired
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, used := f.used[tok]; used {
		return errTokenUsed
	}
	return nil
}

// claim uses tok: a second claim fails with errTokenUsed, so two posts of
// one form, even at once, make one ticket. release gives it back when the
// ticket could not be stored.
func (f *formTokens) claim(tok string) error {
	if err := f.check(tok); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, used := f.used[tok]; used {
		return errTokenUsed
	}
	now := f.now()
	if len(f.used) > 10_000 {
		for t, exp := range f.used {
			if now.After(exp) {
				delete(f.used, t)
			}
		}
	}
	f.used[tok] = now.Add(f.ttl + time.Minute)
	return nil
}

func (f *formTokens) release(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.used, tok)
}
