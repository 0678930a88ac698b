package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
)

func TestStoreContract(t *testing.T) {
	officetest.RunStoreContract(t, func(t *testing.T) office.Store { return sqlitetest.Open(t) })
}

// The durability settings are what the DSN asks for, not the driver's
// defaults (go-sqlite3 would silently use synchronous=NORMAL).
func TestPragmas(t *testing.T) {
	s := sqlitetest.Open(t)
	for name, want := range map[string]string{
		"journal_mode": "wal", "synchronous": "2", "busy_timeout": "5000", "foreign_keys": "1", "user_version": "5",
	} {
		if got, err := s.Pragma(context.Background(), name); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := s.Pragma(context.Background(), "writable_schema = 1"); err == nil {
		t.Error("Pragma accepted an arbitrary statement")
	}
}

// The database holds personal data: owner only, WAL file included.
func TestFileMode(t *testing.T) {
	s := sqlitetest.Open(t)
	if err := s.UseNonce(context.Background(), office.Nonce{}); err == nil {
		t.Fatal("UseNonce of an unknown kiosk succeeded")
	}
	for _, p := range []string{s.Path(), s.Path() + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// Reopening keeps the data and applies no migration twice.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.SeedGuides(ctx, officetest.GuideFixtures(), officetest.T0); err != nil || n == 0 {
		t.Fatalf("SeedGuides = %d, %v", n, err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, _ := s.Counts(ctx); c.Guides != len(officetest.GuideFixtures()) {
		t.Errorf("guides after reopening: %d", c.Guides)
	}
	if n, _ := s.SeedGuides(ctx, officetest.GuideFixtures(), officetest.T0); n != 0 {
		t.Errorf("seeded again after reopening: %d", n)
	}
}

// A database written by a newer officed is refused rather than run on a
// schema this binary does not know.
func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, err := sql.Open("sqlite3", sqlite.DSN(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open on schema 99: %v", err)
	}
}

func TestOpenUnusablePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(context.Background(), filepath.Join(file, sqlite.FileName)); err == nil {
		s.Close()
		t.Error("Open under a regular file succeeded")
	}
}
