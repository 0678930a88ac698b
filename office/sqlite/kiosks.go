package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// AddEnrollCode implements office.KioskService.
func (s *Store) AddEnrollCode(ctx context.Context, c office.EnrollCode) error {
	if err := office.ValidKioskName(c.KioskName); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO enroll_codes (hash, kiosk_name, created_at, expires_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			c.Hash[:], c.KioskName, formatTime(c.Created), formatTime(c.Expires))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, bianmin.Errorf(bianmin.ECONFLICT, "enrollment code exists already"))
		}
		return nil
	})
}

// Enroll implements office.KioskService.
func (s *Store) Enroll(ctx context.Context, e office.Enrollment) (office.Kiosk, error) {
	var k office.Kiosk
	if len(e.PublicKey) != 32 {
		return k, bianmin.Errorf(bianmin.EINVALID, "public key must be 32 bytes of Ed25519")
	}
	err := s.update(ctx, func(tx *sql.Tx) error {
		var name, expires string
		var used sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT kiosk_name, expires_at, used_at FROM enroll_codes WHERE hash = ?",
			e.CodeHash[:]).Scan(&name, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return office.ErrCodeUnknown
		}
		if err != nil {
			return err
		}
		if used.Valid {
			return office.ErrCodeUsed
		}
		exp, err := parseTime(expires)
		if err != nil {
			return err
		}
		if !e.At.Before(exp) {
			return office.ErrCodeExpired
		}
		k = office.Kiosk{ID: office.NewKioskID(e.At), Name: name, PublicKey: e.PublicKey, EnrolledAt: e.At.UTC().Truncate(time.Microsecond)}
		if _, err := tx.ExecContext(ctx, "INSERT INTO kiosks (id, name, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
			k.ID, k.Name, []byte(k.PublicKey), formatTime(k.EnrolledAt)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE enroll_codes SET used_at = ?, kiosk_id = ? WHERE hash = ?",
			formatTime(e.At), k.ID, e.CodeHash[:])
		return err
	})
	if err != nil {
		return office.Kiosk{}, err
	}
	return k, nil
}

const kioskColumns = "id, name, public_key, enrolled_at, revoked_at, heartbeat, heartbeat_at, app_version, queue_depth"

func scanKiosk(row interface{ Scan(...any) error }) (office.Kiosk, error) {
	var k office.Kiosk
	var key []byte
	var enrolled string
	var revoked, hb, hbAt sql.NullString
	if err := row.Scan(&k.ID, &k.Name, &key, &enrolled, &revoked, &hb, &hbAt, &k.AppVersion, &k.QueueDepth); err != nil {
		return k, err
	}
	k.PublicKey = key
	var err error
	if k.EnrolledAt, err = parseTime(enrolled); err != nil {
		return k, err
	}
	if k.RevokedAt, err = parseNullTime(revoked); err != nil {
		return k, err
	}
	if k.LastSeen, err = parseNullTime(hbAt); err != nil {
		return k, err
	}
	if hb.Valid {
		k.Heartbeat = new(wire.Heartbeat)
		if err := json.Unmarshal([]byte(hb.String), k.Heartbeat); err != nil {
			return k, fmt.Errorf("kiosk %s: stored heartbeat: %w", k.ID, err)
		}
	}
	return k, nil
}

// Kiosk implements office.KioskService.
func (s *Store) Kiosk(ctx context.Context, id string) (office.Kiosk, error) {
	k, err := scanKiosk(s.ro.QueryRowContext(ctx, "SELECT "+kioskColumns+" FROM kiosks WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return office.Kiosk{}, notFound("no kiosk with id %q", id)
	}
	return k, err
}

// Kiosks implements office.KioskService.
func (s *Store) Kiosks(ctx context.Context) ([]office.Kiosk, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+kioskColumns+" FROM kiosks ORDER BY enrolled_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []office.Kiosk
	for rows.Next() {
		k, err := scanKiosk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Revoke implements office.KioskService.
func (s *Store) Revoke(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE kiosks SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", formatTime(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("no kiosk with id %q", id))
		}
		return nil
	})
}

// Heartbeat implements office.KioskService.
func (s *Store) Heartbeat(ctx context.Context, n office.Nonce, hb wire.Heartbeat, at time.Time) error {
	doc, err := json.Marshal(hb)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		if err := useNonce(ctx, tx, n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE kiosks SET heartbeat = ?, heartbeat_at = ?, app_version = ?, queue_depth = ?
			WHERE id = ?`, string(doc), formatTime(at), hb.AppVersion, hb.QueueDepth, n.KioskID)
		return err
	})
}

// KiosksOnline implements office.KioskService.
func (s *Store) KiosksOnline(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := s.ro.QueryRowContext(ctx,
		"SELECT count(*) FROM kiosks WHERE revoked_at IS NULL AND heartbeat_at >= ?", formatTime(since)).Scan(&n)
	return n, err
}

// UseNonce implements office.ReplayGuard.
func (s *Store) UseNonce(ctx context.Context, n office.Nonce) error {
	return s.update(ctx, func(tx *sql.Tx) error { return useNonce(ctx, tx, n) })
}

// useNonce checks, inside the request's write transaction, that the kiosk may
// sync and has not used the nonce, and records it. Doing both in the same
// transaction as the request's writes is what makes a replay store nothing,
// even when the original and the replay arrive together.
func useNonce(ctx context.Context, tx *sql.Tx, n office.Nonce) error {
	var revoked sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM kiosks WHERE id = ?", n.KioskID).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("no kiosk with id %q", n.KioskID)
	}
	if err != nil {
		return err
	}
	if revoked.Valid {
		return office.ErrRevoked
	}
	if n.Value == "" {
		return bianmin.Errorf(bianmin.EINVALID, "empty nonce")
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO nonces (kiosk_id, nonce, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		n.KioskID, n.Value, n.TS.Unix())
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return errors.Join(err, office.ErrReplay)
	}
	return nil
}

// PruneNonces implements office.ReplayGuard.
func (s *Store) PruneNonces(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM nonces WHERE ts < ?", before.Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
