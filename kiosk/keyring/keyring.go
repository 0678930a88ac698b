// Package keyring holds a kiosk's own secrets: the AES-256 key that seals
// personal data in the database, and the Ed25519 key that signs requests to
// officed. They live in files apart from the database (DIR/keys, mode 0600), so
// a copy of the database alone reveals no ID number, name or phone.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Keys are a kiosk's secrets.
type Keys struct {
	data cipher.AEAD
	Sign ed25519.PrivateKey
}

const (
	dataFile = "data.key"
	signFile = "sync.ed25519"
)

// Load reads the keys in dir/keys, creating any that do not exist yet.
func Load(dir string) (*Keys, error) {
	kd := filepath.Join(dir, "keys")
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	dk, err := loadOrCreate(filepath.Join(kd, dataFile), 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	seed, err := loadOrCreate(filepath.Join(kd, signFile), ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return &Keys{data: aead, Sign: ed25519.NewKeyFromSeed(seed)}, nil
}

// loadOrCreate returns the n bytes in path, writing fresh random ones first if
// the file does not exist. O_EXCL and fsync make a crash leave either no file
// or a complete one; a file of the wrong size is an error, never replaced,
// because replacing a key would make sealed data unreadable.
func loadOrCreate(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != n {
			return nil, fmt.Errorf("keyring: %s holds %d bytes, want %d", path, len(b), n)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	b = make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp, path); err != nil { // fails if another process won the race
		os.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreate(path, n)
		}
		return nil, fmt.Errorf("keyring: %w", err)
	}
	os.Remove(tmp)
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return b, nil
}

// Seal encrypts plain for storage; label (the record id) is bound to the
// ciphertext so a sealed value cannot be moved to another row.
func (k *Keys) Seal(plain []byte, label string) []byte {
	nonce := make([]byte, k.data.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return k.data.Seal(nonce, nonce, plain, []byte(label))
}

// Open decrypts what Seal produced for the same label.
func (k *Keys) Open(sealed []byte, label string) ([]byte, error) {
	ns := k.data.NonceSize()
	if len(sealed) < ns+k.data.Overhead() {
		return nil, errors.New("keyring: sealed value too short")
	}
	plain, err := k.data.Open(nil, sealed[:ns], sealed[ns:], []byte(label))
	if err != nil {
		return nil, errors.New("keyring: sealed value does not open with this kiosk's key")
	}
	return plain, nil
}

// Public is the signing key's public half, sent at enrollment.
func (k *Keys) Public() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }
