package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"bianmin/sync/wire"
)

// Sealer encrypts record data at rest (kiosk/keyring.Keys).
type Sealer interface {
	Seal(plain []byte, label string) []byte
	Open(sealed []byte, label string) ([]byte, error)
}

// ErrNoSealer means the outbox was used before SetSealer.
var ErrNoSealer = errors.New("store: outbox needs the kiosk's data key (SetSealer)")

// SetSealer gives the database the kiosk's data key. Record data is only ever
// stored sealed.
func (d *DB) SetSealer(s Sealer) { d.sealer = s }

// Tx is a write transaction on the kiosk database. Local state and the outbox
// records describing it are written in the same Tx, so either both exist or
// neither does.
type Tx struct {
	*sql.Tx
	db *DB
}

// Update runs fn in one immediate transaction and commits it if fn returns nil.
// With synchronous=FULL a nil return means the changes are on disk.
func (d *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Tx{Tx: sqlTx, db: d}); err != nil {
		sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// Append adds a record of kind to the outbox within tx and returns it as it
// will be sent. data is marshalled to a JSON object and sealed.
func (tx *Tx) Append(ctx context.Context, kind string, schema int, data any, now time.Time) (wire.Record, error) {
	if tx.db.sealer == nil {
		return wire.Record{}, ErrNoSealer
	}
	versions, ok := wire.Kinds[kind]
	if !ok || !contains(versions, schema) {
		return wire.Record{}, fmt.Errorf("store: outbox: unknown record kind %q schema %d", kind, schema)
	}
	plain, err := json.Marshal(data)
	if err != nil {
		return wire.Record{}, fmt.Errorf("store: outbox: %w", err)
	}
	if len(plain) == 0 || plain[0] != '{' || len(plain) > wire.MaxRecordBytes {
		return wire.Record{}, fmt.Errorf("store: outbox: %s data must be a JSON object of at most %d bytes", kind, wire.MaxRecordBytes)
	}
	rec := wire.Record{ID: wire.NewID(now), Kind: kind, Schema: schema, Created: now.UTC().Truncate(time.Millisecond), Data: plain}
	err = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox").Scan(&rec.Seq)
	if err != nil {
		return wire.Record{}, err
	}
	_, err = tx.ExecContext(ctx,
		"INSERT INTO outbox (seq, id, kind, schema, created, sealed, size) VALUES (?, ?, ?, ?, ?, ?, ?)",
		rec.Seq, rec.ID, kind, schema, rec.Created.Format(time.RFC3339Nano), tx.db.sealer.Seal(plain, rec.ID), len(plain))
	if err != nil {
		return wire.Record{}, fmt.Errorf("store: outbox: %w", err)
	}
	return rec, nil
}

// Append adds one record in a transaction of its own.
func (d *DB) Append(ctx context.Context, kind string, schema int, data any, now time.Time) (wire.Record, error) {
	var rec wire.Record
	err := d.Update(ctx, func(tx *Tx) error {
		var err error
		rec, err = tx.Append(ctx, kind, schema, data, now)
		return err
	})
	return rec, err
}

// Pending returns the oldest pending records, unsealed, at most maxN of them
// and at most maxBytes of data in all (always at least one record, so a large
// record cannot block the queue).
func (d *DB) Pending(ctx context.Context, maxN, maxBytes int) ([]wire.Record, error) {
	rows, err := d.db.QueryContext(ctx,
		"SELECT seq, id, kind, schema, created, sealed, size FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?", maxN)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.Record
	total := 0
	for rows.Next() {
		var (
			r       wire.Record
			created string
			sealed  []byte
			size    int
		)
		if err := rows.Scan(&r.Seq, &r.ID, &r.Kind, &r.Schema, &created, &sealed, &size); err != nil {
			return nil, err
		}
		if len(out) > 0 && total+size > maxBytes {
			break
		}
		if r.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, fmt.Errorf("store: outbox record %d: %w", r.Seq, err)
		}
		if d.sealer == nil {
			return nil, ErrNoSealer
		}
		if r.Data, err = d.sealer.Open(sealed, r.ID); err != nil {
			return nil, fmt.Errorf("store: outbox record %d: %w", r.Seq, err)
		}
		total += size
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkSent records the server's acknowledgement of ids. Ids that are already
// sent or unknown are ignored: acknowledgements may arrive twice.
func (d *DB) MarkSent(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return d.Update(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, "UPDATE outbox SET state = 'sent', error = '', acked_at = ? WHERE id = ? AND state != 'sent'")
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, at.UTC().Format(time.RFC3339Nano), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkRejected keeps a record the server refused, with the reason, for the
// technician; it is not sent again.
func (d *DB) MarkRejected(ctx context.Context, id, reason string) error {
	res, err := d.db.ExecContext(ctx, "UPDATE outbox SET state = 'rejected', error = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'", reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: outbox: no pending record %s", id)
	}
	return nil
}

// NoteAttempt counts a failed delivery of ids (network error, server error).
func (d *DB) NoteAttempt(ctx context.Context, ids []string, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	q := "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE state = 'pending' AND id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	args := []any{reason}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := d.db.ExecContext(ctx, q, args...)
	return err
}

// QueueCount is one row of the outbox summary.
type QueueCount struct {
	State, Kind string
	Count       int
}

// QueueCounts summarises the outbox by state and kind.
func (d *DB) QueueCounts(ctx context.Context) ([]QueueCount, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT state, kind, count(*) FROM outbox GROUP BY state, kind ORDER BY state, kind")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QueueCount
	for rows.Next() {
		var c QueueCount
		if err := rows.Scan(&c.State, &c.Kind, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Rejected lists rejected records (id, kind, reason), newest first.
func (d *DB) Rejected(ctx context.Context, limit int) ([]wire.Error, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT id, kind, error FROM outbox WHERE state = 'rejected' ORDER BY seq DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.Error
	for rows.Next() {
		var e wire.Error
		if err := rows.Scan(&e.Record, &e.Code, &e.Message); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Purge drops the sealed data of records acknowledged before cutoff (SPEC §4:
// personal data is deleted a configurable time after the server has it). The
// rows stay, so the sequence never repeats and counts stay right.
func (d *DB) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := d.db.ExecContext(ctx,
		"UPDATE outbox SET sealed = NULL WHERE state = 'sent' AND sealed IS NOT NULL AND acked_at < ?",
		cutoff.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its first line ("ok").
func (d *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var s string
	err := d.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&s)
	return s, err
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
