// Package sqlite is officed's embedded store: office.Store on one SQLite file
// (mattn/go-sqlite3) under the data directory.
//
// Durability contract: WAL with synchronous=FULL (go-sqlite3 silently uses
// NORMAL unless the DSN says otherwise), so a commit that returned has reached
// the disk and an acknowledged record survives a power cut; immediate write
// transactions and a busy timeout, so writers queue instead of failing; all
// writes go through one connection, and reads through a small pool of their
// own, which WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"

	"bianmin"
	"bianmin/office"
)

// FileName is the database file inside officed's data directory.
const FileName = "officed.db"

//go:embed migrations/*.sql
var migrations embed.FS

var _ office.Store = (*Store)(nil)

// Store is office.Store on SQLite.
type Store struct {
	rw   *sql.DB // one connection: every write transaction
	ro   *sql.DB // reads
	path string
}

// DSN returns the connection string with officed's durability settings.
// txlock is "immediate" for the writer, "deferred" for readers (an immediate
// read transaction would take the write lock).
func DSN(path, txlock string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", txlock)
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	// Applying a record runs a dozen statements; re-preparing each for every
	// record cost a fifth of ingest time (BenchmarkBacklogDrain's profile).
	q.Set("_stmt_cache_size", "128")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies pending
// migrations. A new database file is readable by its owner only: records
// carry residents' phone and ID numbers. (SQLite gives the -wal and -shm
// files the main file's permissions.)
func Open(ctx context.Context, path string) (*Store, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		f.Close()
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	rw, err := sql.Open("sqlite3", DSN(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rw.SetMaxOpenConns(1)
	rw.SetMaxIdleConns(1)
	rw.SetConnMaxLifetime(0)
	rw.SetConnMaxIdleTime(0)
	s := &Store{rw: rw, path: path}
	if err := s.migrate(ctx); err != nil {
		rw.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	ro, err := sql.Open("sqlite3", DSN(path, "deferred"))
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ro.SetMaxOpenConns(4)
	ro.SetMaxIdleConns(4)
	s.ro = ro
	return s, nil
}

// Close closes the database. Transactions in progress finish first.
func (s *Store) Close() error {
	return errors.Join(s.ro.Close(), s.rw.Close())
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping implements office.Store: the database file answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return s.ro.QueryRowContext(ctx, "SELECT count(*) FROM meta").Scan(&n)
}

// Pragma returns the value of a read-only pragma, for tests and operators.
func (s *Store) Pragma(ctx context.Context, name string) (string, error) {
	switch name {
	case "journal_mode", "synchronous", "user_version", "busy_timeout", "foreign_keys", "integrity_check":
	default:
		return "", fmt.Errorf("sqlite: pragma %q not allowed", name)
	}
	var v string
	err := s.rw.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// Counts implements office.Store.
func (s *Store) Counts(ctx context.Context) (office.Counts, error) {
	var c office.Counts
	err := s.ro.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM kiosks), (SELECT count(*) FROM enroll_codes),
		(SELECT count(*) FROM nonces), (SELECT count(*) FROM records),
		(SELECT count(*) FROM changes), (SELECT count(*) FROM guides),
		(SELECT count(*) FROM tickets), (SELECT count(*) FROM applications), (SELECT count(*) FROM timeline),
		(SELECT count(*) FROM payments), (SELECT count(*) FROM incomplete_payments), (SELECT count(*) FROM ratings),
		(SELECT count(*) FROM device_events), (SELECT count(*) FROM cash_collections),
		(SELECT count(*) FROM bills), (SELECT count(*) FROM orders), (SELECT count(*) FROM sandbox_charges),
		(SELECT count(*) FROM staff_users), (SELECT count(*) FROM staff_sessions), (SELECT count(*) FROM audit_log)`).
		Scan(&c.Kiosks, &c.EnrollCodes, &c.Nonces, &c.Records, &c.Changes, &c.Guides,
			&c.Tickets, &c.Applications, &c.Timeline, &c.Payments, &c.IncompletePayments, &c.Ratings,
			&c.DeviceEvents, &c.CashCollections, &c.Bills, &c.Orders, &c.SandboxCharges,
			&c.StaffUsers, &c.Sessions, &c.AuditEntries)
	return c, err
}

// update runs fn in one immediate write transaction: committed if fn returns
// nil, rolled back otherwise, so a request either stores everything it does
// or nothing.
func (s *Store) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// view runs fn in one read transaction, so every query in it sees the same
// snapshot of the database.
func (s *Store) view(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.ro.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// migrate applies migrations/NNNN_*.sql above PRAGMA user_version, each in its
// own transaction together with the version bump, so a crash leaves either the
// old or the new schema.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var current int
	if err := s.rw.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	latest := 0
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		latest = max(latest, n)
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.update(ctx, func(tx *sql.Tx) error {
			// Read again under the write lock: another process (officed serve
			// and officed enroll-code on one file) may have migrated meanwhile.
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil || current >= n {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n))
			return err
		})
		if err != nil {
			return err
		}
		current = max(current, n)
	}
	if current > latest {
		return fmt.Errorf("schema version %d is newer than this officed knows (%d): refusing to run an old binary on it", current, latest)
	}
	return nil
}

// timeLayout stores times as fixed-width UTC text, so they compare correctly
// as strings and read well in the sqlite3 shell.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

// parseNullTime returns the zero time for NULL.
func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

func notFound(format string, args ...any) error {
	return bianmin.Errorf(bianmin.ENOTFOUND, format, args...)
}
