// Package sqlitetest opens the SQLite store of officed for tests: a real
// database file in the test's temporary directory, migrated, and closed
// when the test ends.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"bianmin/office/sqlite"
)

// Open returns a new, empty store in t's temporary directory; failing to
// open it fails the test.
func Open(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
