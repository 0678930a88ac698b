package store

import (
	"context"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// AddApplication numbers a temporary-ID application (A…), queues it and
// remembers it for "check progress", all in one transaction: the number is
// used exactly when the record exists. a's Number and Secret are set here; a
// must name the fee's receipt (the checkout queued that payment record). An
// invalid application queues nothing and uses no number.
func (d *DB) AddApplication(ctx context.Context, a *bianmin.Application, kioskCode string, now time.Time) (wire.Record, error) {
	var rec wire.Record
	err := d.Update(ctx, func(tx *Tx) error {
		var err error
		rec, err = tx.AddApplication(ctx, a, kioskCode, now)
		return err
	})
	if err != nil {
		a.Number, a.Secret = "", ""
	}
	return rec, err
}

// AddApplication is DB.AddApplication inside tx, for a caller that commits
// the application with other writes (the fee's payment). On error the caller
// must roll tx back; a's Number and Secret are then meaningless. The services
// row keeps only the reason: the identity and phone live in the sealed
// outbox.
func (tx *Tx) AddApplication(ctx context.Context, a *bianmin.Application, kioskCode string, now time.Time) (wire.Record, error) {
	num, err := tx.NextNumber(ctx, 'A', kioskCode, now)
	if err != nil {
		return wire.Record{}, err
	}
	a.Number, a.Secret = num, bianmin.NewSecret()
	a.IDNumber = bianmin.NormalizeIDNumber(a.IDNumber)
	if err := a.Validate(); err != nil {
		return wire.Record{}, err
	}
	rec, err := tx.Append(ctx, bianmin.KindApplication, 1, a, now)
	if err != nil {
		return wire.Record{}, err
	}
	_, err = tx.ExecContext(ctx,
		"INSERT INTO services (number, kind, secret, record, summary, created) VALUES (?, 'application', ?, ?, ?, ?)",
		a.Number, a.Secret, rec.ID, a.Reason, now.UTC().Format(time.RFC3339))
	return rec, err
}
