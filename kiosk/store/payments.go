package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// The payment journal (migrations/0004_payments.sql). Every change of a
// payment and the outbox record describing it are one transaction.

// Payment states of the journal.
const (
	PaymentOpen       = "open"
	PaymentPaid       = "paid"
	PaymentIncomplete = "incomplete"
	PaymentFailed     = "failed"
	PaymentCancelling = "cancelling"
)

// Payment methods of the journal: a mobile payment's provider is known only
// once the code is read, and is in its payment record.
const (
	JournalCash   = "cash"
	JournalMobile = "mobile"
)

// Errors of the journal.
var (
	ErrPaymentOpen    = bianmin.Errorf(bianmin.ECONFLICT, "store: another payment is open")
	ErrNoPayment      = bianmin.Errorf(bianmin.ENOTFOUND, "store: no such payment")
	ErrPaymentClosed  = bianmin.Errorf(bianmin.ECONFLICT, "store: the payment is closed")
	ErrPaymentShort   = bianmin.Errorf(bianmin.EINVALID, "store: the credits do not cover the amount due")
	ErrNothingToClose = bianmin.Errorf(bianmin.EINVALID, "store: nothing to collect")
)

// OpenPayment is a payment about to take money.
type OpenPayment struct {
	Method  string // JournalCash or JournalMobile
	Biller  string
	Account string
	Period  string
	DueFen  int64
	Offline bool
}

// JournalPayment is a payment as the journal holds it.
type JournalPayment struct {
	Receipt string
	Method  string
	State   string
	Biller  string
	Account string
	Period  string
	DueFen  int64
	Offline bool
	Reason  string
	Record  string
	Voucher string
	PaidFen int64   // the sum of its credits (cash)
	Notes   []int64 // each credit, oldest first (cash)
	Created time.Time
}

// CashCredit is one credit of the cash acceptor.
type CashCredit struct {
	Device  string // "bill" or "coin"
	Counter int    // the device's event counter, 1…255
	Type    int
	Amount  int64 // 分
	At      time.Time
}

// Credited is where a credit went.
type Credited struct {
	Receipt string
	PaidFen int64 // the payment's total with this credit
	// Stray is set when no cash payment was open: the credit opened a
	// payment of its own, closed as incomplete with a voucher due.
	Stray bool
	// Repeat is set when the credit was journaled before (a repeat after a
	// commit the caller did not hear of): nothing changed.
	Repeat bool
}

// StrayReason is the reason of the incomplete payment a credit outside any
// payment opens.
const StrayReason = "cash taken outside a payment"

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// OpenPayment numbers a receipt (P…) and opens a payment under it. Only one
// payment is open at a time: ErrPaymentOpen otherwise.
func (d *DB) OpenPayment(ctx context.Context, p OpenPayment, kioskCode string, now time.Time) (string, error) {
	if p.Method != JournalCash && p.Method != JournalMobile {
		return "", fmt.Errorf("store: payment method %q", p.Method)
	}
	var receipt string
	err := d.Update(ctx, func(tx *Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM payments WHERE state = 'open'").Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return ErrPaymentOpen
		}
		var err error
		if receipt, err = tx.NextNumber(ctx, 'P', kioskCode, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO payments (receipt, method, state, biller, account, period, due_fen, offline, created)
			VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)`, receipt, p.Method, p.Biller, p.Account, p.Period, p.DueFen, p.Offline, stamp(now))
		return err
	})
	return receipt, err
}

// Credit journals c: it belongs to the open cash payment, or, when none is
// open, to a payment opened for it and closed at once as incomplete (a
// payment.incomplete record queued, its voucher due). A credit journaled
// before (same device, counter and time) changes nothing and is reported as
// a Repeat. When Credit returns nil the credit is on disk.
func (d *DB) Credit(ctx context.Context, c CashCredit, kioskCode string, now time.Time) (Credited, error) {
	if (c.Device != "bill" && c.Device != "coin") || c.Counter < 1 || c.Counter > 255 || c.Amount <= 0 {
		return Credited{}, fmt.Errorf("store: malformed credit %+v", c)
	}
	var out Credited
	err := d.Update(ctx, func(tx *Tx) error {
		var receipt string
		err := tx.QueryRowContext(ctx, "SELECT receipt FROM credits WHERE device = ? AND counter = ? AND at = ?",
			c.Device, c.Counter, stamp(c.At)).Scan(&receipt)
		switch {
		case err == nil:
			out = Credited{Receipt: receipt, Repeat: true}
			return tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(amount_fen), 0) FROM credits WHERE receipt = ?", receipt).Scan(&out.PaidFen)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		err = tx.QueryRowContext(ctx, "SELECT receipt FROM payments WHERE state = 'open' AND method = 'cash'").Scan(&receipt)
		if errors.Is(err, sql.ErrNoRows) {
			out.Stray = true
			if receipt, err = tx.NextNumber(ctx, 'P', kioskCode, now); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO payments (receipt, method, state, biller, account, due_fen, reason, voucher, created, closed)
				VALUES (?, 'cash', 'incomplete', '', '', 0, ?, 'due', ?, ?)`, receipt, StrayReason, stamp(now), stamp(now))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO credits (receipt, device, counter, type, amount_fen, at) VALUES (?, ?, ?, ?, ?, ?)",
			receipt, c.Device, c.Counter, c.Type, c.Amount, stamp(c.At)); err != nil {
			return err
		}
		out.Receipt = receipt
		if err := tx.QueryRowContext(ctx, "SELECT SUM(amount_fen) FROM credits WHERE receipt = ?", receipt).Scan(&out.PaidFen); err != nil {
			return err
		}
		if out.Stray {
			rec, err := tx.Append(ctx, bianmin.KindPaymentIncomplete, 1, bianmin.PaymentIncomplete{
				Receipt: receipt, PaidFen: c.Amount, Method: bianmin.MethodCash, Reason: StrayReason}, now)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE payments SET record = ? WHERE receipt = ?", rec.ID, receipt)
			return err
		}
		return nil
	})
	return out, err
}

// Payment returns a payment with its credits.
func (d *DB) Payment(ctx context.Context, receipt string) (JournalPayment, error) {
	return payment(ctx, d.db, receipt)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func payment(ctx context.Context, q querier, receipt string) (JournalPayment, error) {
	var p JournalPayment
	var created string
	var record sql.NullString
	err := q.QueryRowContext(ctx, `SELECT receipt, method, state, biller, account, period, due_fen, offline, reason, record, voucher, created
		FROM payments WHERE receipt = ?`, receipt).
		Scan(&p.Receipt, &p.Method, &p.State, &p.Biller, &p.Account, &p.Period, &p.DueFen, &p.Offline, &p.Reason, &record, &p.Voucher, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNoPayment
	}
	if err != nil {
		return p, err
	}
	p.Record = record.String
	p.Created, _ = time.Parse(time.RFC3339Nano, created)
	rows, err := q.QueryContext(ctx, "SELECT amount_fen FROM credits WHERE receipt = ? ORDER BY id", receipt)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return p, err
		}
		p.Notes = append(p.Notes, n)
		p.PaidFen += n
	}
	return p, rows.Err()
}

// Payments lists the payments in state, oldest first.
func (d *DB) Payments(ctx context.Context, state string) ([]JournalPayment, error) {
	return d.payments(ctx, "SELECT receipt FROM payments WHERE state = ? ORDER BY created, receipt", state)
}

// DueVouchers lists the payments whose voucher has not printed yet, oldest
// first.
func (d *DB) DueVouchers(ctx context.Context) ([]JournalPayment, error) {
	return d.payments(ctx, "SELECT receipt FROM payments WHERE voucher = 'due' ORDER BY created, receipt")
}

func (d *DB) payments(ctx context.Context, query string, args ...any) ([]JournalPayment, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var receipts []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return nil, err
		}
		receipts = append(receipts, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]JournalPayment, 0, len(receipts))
	for _, r := range receipts {
		p, err := d.Payment(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// CompletePayment closes the open payment receipt as paid. fill turns the
// journal's payment (with its credits) into the payment record — it sets
// the method, the gateway reference …; the record is validated, queued and
// linked in the same transaction, and then finish (if not nil) runs in it
// too. A cash payment whose credits do not cover what is due is
// ErrPaymentShort, and nothing changes.
func (d *DB) CompletePayment(ctx context.Context, receipt string, now time.Time, fill func(JournalPayment) bianmin.Payment,
	finish func(tx *Tx, p bianmin.Payment) error) (bianmin.Payment, wire.Record, error) {
	var pay bianmin.Payment
	var rec wire.Record
	err := d.Update(ctx, func(tx *Tx) error {
		jp, err := payment(ctx, tx, receipt)
		if err != nil {
			return err
		}
		if jp.State != PaymentOpen {
			return ErrPaymentClosed
		}
		if jp.Method == JournalCash && jp.PaidFen < jp.DueFen {
			return ErrPaymentShort
		}
		pay = fill(jp)
		if err := pay.Validate(); err != nil {
			return err
		}
		if rec, err = tx.Append(ctx, bianmin.KindPayment, 1, pay, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE payments SET state = 'paid', record = ?, closed = ? WHERE receipt = ?",
			rec.ID, stamp(now), receipt); err != nil {
			return err
		}
		if finish != nil {
			return finish(tx, pay)
		}
		return nil
	})
	return pay, rec, err
}

// AbandonPayment closes the open payment receipt before it completed. With
// credits it becomes incomplete: a payment.incomplete record with what was
// paid and why is queued, and its voucher is due. Without credits it
// becomes failed (a mobile order: failed or, when cancelling is set,
// cancelling until officed confirms the cancel). It returns the payment as
// closed.
func (d *DB) AbandonPayment(ctx context.Context, receipt, reason string, cancelling bool, now time.Time) (JournalPayment, error) {
	var jp JournalPayment
	err := d.Update(ctx, func(tx *Tx) error {
		var err error
		if jp, err = payment(ctx, tx, receipt); err != nil {
			return err
		}
		if jp.State != PaymentOpen {
			return ErrPaymentClosed
		}
		return tx.abandon(ctx, &jp, reason, cancelling, now)
	})
	return jp, err
}

func (tx *Tx) abandon(ctx context.Context, jp *JournalPayment, reason string, cancelling bool, now time.Time) error {
	jp.Reason = reason
	switch {
	case jp.PaidFen > 0:
		rec, err := tx.Append(ctx, bianmin.KindPaymentIncomplete, 1, bianmin.PaymentIncomplete{
			Receipt: jp.Receipt, Biller: jp.Biller, Account: jp.Account, PaidFen: jp.PaidFen, Method: bianmin.MethodCash, Reason: reason}, now)
		if err != nil {
			return err
		}
		jp.State, jp.Record, jp.Voucher = PaymentIncomplete, rec.ID, "due"
		_, err = tx.ExecContext(ctx, "UPDATE payments SET state = 'incomplete', reason = ?, record = ?, voucher = 'due', closed = ? WHERE receipt = ?",
			reason, rec.ID, stamp(now), jp.Receipt)
		return err
	case cancelling:
		jp.State = PaymentCancelling
	default:
		jp.State = PaymentFailed
	}
	_, err := tx.ExecContext(ctx, "UPDATE payments SET state = ?, reason = ?, closed = ? WHERE receipt = ?", jp.State, reason, stamp(now), jp.Receipt)
	return err
}

// Cancelled ends a cancelling mobile payment as failed: officed confirmed
// that nothing stays charged.
func (d *DB) Cancelled(ctx context.Context, receipt string, now time.Time) error {
	res, err := d.db.ExecContext(ctx, "UPDATE payments SET state = 'failed', closed = ? WHERE receipt = ? AND state = 'cancelling'", stamp(now), receipt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoPayment
	}
	return nil
}

// RecoverPayments closes every payment left open by a crash or power cut:
// a cash payment with credits becomes incomplete (its payment.incomplete
// record queued, its voucher due), one without becomes failed, and a
// mobile payment becomes cancelling (the kiosk never learnt its outcome).
// Each is one transaction, so a crash in between repeats nothing: a
// payment is open or closed, never both.
func (d *DB) RecoverPayments(ctx context.Context, reason string, now time.Time) ([]JournalPayment, error) {
	open, err := d.Payments(ctx, PaymentOpen)
	if err != nil {
		return nil, err
	}
	var out []JournalPayment
	for _, p := range open {
		jp, err := d.AbandonPayment(ctx, p.Receipt, reason, p.Method == JournalMobile, now)
		if errors.Is(err, ErrPaymentClosed) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, jp)
	}
	return out, nil
}

// VoucherPrinted records that receipt's voucher came out of the printer.
func (d *DB) VoucherPrinted(ctx context.Context, receipt string) error {
	_, err := d.db.ExecContext(ctx, "UPDATE payments SET voucher = 'printed' WHERE receipt = ? AND voucher = 'due'", receipt)
	return err
}

// CashResume returns the newest journaled event counter of each device
// ("bill", "coin"), 0 for a device never credited: the driver's
// Unit.Resume, so that credits still in a device's buffer after a crash are
// delivered once, and only those.
func (d *DB) CashResume(ctx context.Context) (map[string]int, error) {
	out := map[string]int{"bill": 0, "coin": 0}
	for dev := range out {
		var n int
		err := d.db.QueryRowContext(ctx, "SELECT counter FROM credits WHERE device = ? ORDER BY id DESC LIMIT 1", dev).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out[dev] = n
	}
	return out, nil
}

// CashBox is the money in the cash box: every credit since the last
// collection.
func (d *DB) CashBox(ctx context.Context) (bianmin.CashCollected, error) {
	return cashBox(ctx, d.db)
}

func cashBox(ctx context.Context, q querier) (bianmin.CashCollected, error) {
	c := bianmin.CashCollected{ByValue: map[string]int{}}
	rows, err := q.QueryContext(ctx, `SELECT device, amount_fen, count(*) FROM credits
		WHERE id > COALESCE((SELECT MAX(last_credit) FROM cash_collections), 0) GROUP BY device, amount_fen`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var dev string
		var amount int64
		var n int
		if err := rows.Scan(&dev, &amount, &n); err != nil {
			return c, err
		}
		if dev == "bill" {
			c.Notes += n
		} else {
			c.Coins += n
		}
		c.TotalFen += amount * int64(n)
		c.ByValue[fmt.Sprint(amount)] += n
	}
	return c, rows.Err()
}

// CollectCash records that the cash box was emptied: the counts since the
// last collection go out as a cash.collected record and start again from
// zero, in one transaction. ErrNothingToClose when the box is empty.
func (d *DB) CollectCash(ctx context.Context, staff string, now time.Time) (bianmin.CashCollected, wire.Record, error) {
	var c bianmin.CashCollected
	var rec wire.Record
	err := d.Update(ctx, func(tx *Tx) error {
		var err error
		if c, err = cashBox(ctx, tx); err != nil {
			return err
		}
		if c.Notes+c.Coins == 0 {
			return ErrNothingToClose
		}
		c.Staff = strings.TrimSpace(staff)
		if rec, err = tx.Append(ctx, bianmin.KindCashCollected, 1, c, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO cash_collections (last_credit, record, at) VALUES ((SELECT MAX(id) FROM credits), ?, ?)", rec.ID, stamp(now))
		return err
	})
	return c, rec, err
}
