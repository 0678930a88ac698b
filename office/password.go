package office

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"bianmin"
)

// Argon2id parameters of new password hashes: OWASP's baseline (19 MiB,
// two passes, one lane), which keeps a login under ~50 ms on the office's
// small server while making offline guessing costly. Hashes carry their
// parameters, so raising these later still verifies old ones.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password length limits: long enough to resist guessing, bounded so a huge
// body cannot make the server hash megabytes.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// ValidatePassword checks a new password's length (in characters).
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) || n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return bianmin.Errorf(bianmin.EINVALID, "密码须为 %d–%d 个字符", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the PHC-style argon2id encoding of pw:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH (unpadded base64).
func HashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches encoded (HashPassword), in time
// that does not depend on where they differ. A malformed encoding, or one
// whose parameters are beyond what this server would ever set, never
// matches.
func CheckPassword(encoded, pw string) bool {
	if len(pw) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); n != 3 || err != nil ||
		m < 8 || m > 1<<20 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names an unknown account, so
// the answer takes as long as for a known one and does not reveal which
// names exist.
// It is made on first use, not at start-up, so processes that never check
// a password do not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not-a-password-anyone-has")
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return h
})

// CheckPasswordOrDummy is CheckPassword, spending the same time when
// encoded is empty (no such account) and then reporting false.
func CheckPasswordOrDummy(encoded, pw string) bool {
	if encoded == "" {
		CheckPassword(dummyHash(), pw)
		return false
	}
	return CheckPassword(encoded, pw)
}
