package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"bianmin/office"
)

const orderColumns = "id, kiosk_id, biller, account, amount_fen, method, code_hash, code_tail, status, message, gateway_ref, created, updated"

func scanOrder(row interface{ Scan(...any) error }) (office.StoredOrder, error) {
	var o office.StoredOrder
	var hash []byte
	var created, updated string
	if err := row.Scan(&o.ID, &o.KioskID, &o.Biller, &o.Account, &o.AmountFen, &o.Method, &hash, &o.CodeTail,
		&o.Status, &o.Message, &o.Ref, &created, &updated); err != nil {
		return o, err
	}
	copy(o.CodeHash[:], hash)
	var err error
	if o.Created, err = parseTime(created); err != nil {
		return o, err
	}
	o.Updated, err = parseTime(updated)
	return o, err
}

// CreateOrder implements office.OrderStore.
func (s *Store) CreateOrder(ctx context.Context, o office.StoredOrder) (office.StoredOrder, bool, error) {
	var hash any // NULL: no code to hold back
	if o.CodeHash != ([32]byte{}) {
		hash = o.CodeHash[:]
	}
	var stored office.StoredOrder
	created := false
	err := s.update(ctx, func(tx *sql.Tx) error {
		got, err := scanOrder(tx.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders WHERE id = ?", o.ID))
		if err == nil {
			stored = got
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if hash != nil {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM orders WHERE code_hash = ?", hash).Scan(&one)
			if err == nil {
				return office.ErrCodeReused
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO orders ("+orderColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			o.ID, o.KioskID, o.Biller, o.Account, o.AmountFen, o.Method, hash, o.CodeTail, o.Status, o.Message, o.Ref,
			formatTime(o.Created), formatTime(o.Updated))
		if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: orders.code_hash") {
			return office.ErrCodeReused
		}
		stored, created = o, true
		stored.Created, stored.Updated = o.Created.UTC().Truncate(time.Microsecond), o.Updated.UTC().Truncate(time.Microsecond)
		return err
	})
	if err != nil {
		return office.StoredOrder{}, false, err
	}
	return stored, created, nil
}

// Order implements office.OrderStore.
func (s *Store) Order(ctx context.Context, id string) (office.StoredOrder, error) {
	o, err := scanOrder(s.ro.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, notFound("no order %q", id)
	}
	return o, err
}

// UpdateOrder implements office.OrderStore.
func (s *Store) UpdateOrder(ctx context.Context, id, status, message, ref string, at time.Time) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, message = ?,
			gateway_ref = CASE WHEN ? = '' THEN gateway_ref ELSE ? END, updated = ? WHERE id = ?`,
			status, message, ref, ref, formatTime(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("no order %q", id))
		}
		return nil
	})
}

// SandboxCharge implements office.SandboxLedger.
func (s *Store) SandboxCharge(ctx context.Context, order string) (office.SandboxCharge, error) {
	c := office.SandboxCharge{Order: order}
	var created string
	err := s.ro.QueryRowContext(ctx, "SELECT amount_fen, outcome, state, queries, ref, created FROM sandbox_charges WHERE order_id = ?", order).
		Scan(&c.AmountFen, &c.Outcome, &c.State, &c.Queries, &c.Ref, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return office.SandboxCharge{}, notFound("sandbox: no charge for order %q", order)
	}
	if err != nil {
		return office.SandboxCharge{}, err
	}
	c.Created, err = parseTime(created)
	return c, err
}

// PutSandboxCharge implements office.SandboxLedger.
func (s *Store) PutSandboxCharge(ctx context.Context, c office.SandboxCharge) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sandbox_charges (order_id, amount_fen, outcome, state, queries, ref, created)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET amount_fen = excluded.amount_fen,
			outcome = excluded.outcome, state = excluded.state, queries = excluded.queries, ref = excluded.ref`,
			c.Order, c.AmountFen, c.Outcome, c.State, c.Queries, c.Ref, formatTime(c.Created))
		return err
	})
}
