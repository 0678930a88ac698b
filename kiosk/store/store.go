// Package store is the kiosk's local SQLite database: one file per kiosk holding
// guides, settings and (as they arrive) the outbox and the cash journal.
//
// Durability contract: the database runs in WAL mode with synchronous=FULL
// (go-sqlite3 silently uses NORMAL unless the DSN says otherwise), immediate
// transactions and a busy timeout, through a single connection, so a commit that
// returned has reached the disk and writers never deadlock each other.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the kiosk database.
type DB struct {
	db     *sql.DB
	path   string
	sealer Sealer
}

// DSN returns the connection string with the kiosk's durability settings.
func DSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	// The same few statements run for every record and credit: prepare them
	// once per connection, not per call.
	q.Set("_stmt_cache_size", "64")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	sqldb, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and a single connection keeps
	// every statement on the same pragmas and avoids SQLITE_BUSY between our own
	// goroutines.
	sqldb.SetMaxOpenConns(1)
	d := &DB{db: sqldb, path: path}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Pragma returns the value of a read-only pragma, for tests and the technician
// page (e.g. "journal_mode", "synchronous").
func (d *DB) Pragma(ctx context.Context, name string) (string, error) {
	switch name {
	case "journal_mode", "synchronous", "user_version", "busy_timeout", "foreign_keys":
	default:
		return "", fmt.Errorf("store: pragma %q not allowed", name)
	}
	var v string
	err := d.db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// migrate applies migrations/NNNN_*.sql above PRAGMA user_version, each in its
// own transaction together with the version bump, so a crash leaves either the
// old or the new schema.
func (d *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var current int
	if err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		current = n
	}
	return nil
}
