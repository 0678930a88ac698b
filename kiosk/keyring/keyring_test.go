package keyring

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadCreatesOnceAndSeals(t *testing.T) {
	dir := t.TempDir()
	k1, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.Public(), k2.Public()) {
		t.Fatal("a second Load made a new signing key")
	}
	for _, f := range []string{dataFile, signFile} {
		fi, err := os.Stat(filepath.Join(dir, "keys", f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v", f, err, fi.Mode())
		}
	}
	plain := []byte(`{"phone":"13812345678"}`)
	sealed := k1.Seal(plain, "rec-1")
	if bytes.Contains(sealed, []byte("13812345678")) {
		t.Fatal("sealed value contains the plain text")
	}
	got, err := k2.Open(sealed, "rec-1")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := k2.Open(sealed, "rec-2"); err == nil {
		t.Error("a sealed value opened under another record's label")
	}
	other, _ := Load(t.TempDir())
	if _, err := other.Open(sealed, "rec-1"); err == nil {
		t.Error("another kiosk's key opened the value")
	}
	os.WriteFile(filepath.Join(dir, "keys", dataFile), []byte("short"), 0o600)
	if _, err := Load(dir); err == nil {
		t.Error("a truncated key file was accepted")
	}
}
