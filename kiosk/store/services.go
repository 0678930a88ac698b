package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// NextNumber returns the next public number with prefix (T, A or P) for this
// kiosk, counting within tx so the number is used exactly when the record is.
func (tx *Tx) NextNumber(ctx context.Context, prefix byte, kioskCode string, now time.Time) (string, error) {
	var n int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO counters (name, value) VALUES (?, 1)
		 ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, string(prefix)).Scan(&n)
	if err != nil {
		return "", err
	}
	return bianmin.NewNumber(prefix, now, kioskCode, n), nil
}

// AddTicket numbers a ticket, queues it and remembers it for "check progress",
// all in one transaction. t's Number and Secret are set here.
func (d *DB) AddTicket(ctx context.Context, t *bianmin.Ticket, kioskCode string, now time.Time) (wire.Record, error) {
	var rec wire.Record
	err := d.Update(ctx, func(tx *Tx) error {
		num, err := tx.NextNumber(ctx, 'T', kioskCode, now)
		if err != nil {
			return err
		}
		t.Number, t.Secret = num, bianmin.NewSecret()
		if err := t.Validate(); err != nil {
			return err
		}
		if rec, err = tx.Append(ctx, bianmin.KindTicket, 1, t, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx,
			"INSERT INTO services (number, kind, secret, record, summary, created) VALUES (?, 'ticket', ?, ?, ?, ?)",
			t.Number, t.Secret, rec.ID, t.Category, now.UTC().Format(time.RFC3339))
		return err
	})
	return rec, err
}

// Service is a ticket or application as "check progress" shows it.
type Service struct {
	Number, Kind, Secret, Record, Summary string
	Created                               time.Time
	// Status is officed's latest status document, if one was pulled.
	Status *ServiceStatus
}

// ServiceStatus is a status document of the "tickets" feed class.
type ServiceStatus struct {
	Number   string `json:"number"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Timeline []struct {
		State string    `json:"state"`
		At    time.Time `json:"at"`
		Note  string    `json:"note,omitempty"`
	} `json:"timeline"`
}

// ErrUnknownService means no ticket or application has that number here or
// in the statuses pulled from officed.
var ErrUnknownService = bianmin.Errorf(bianmin.ENOTFOUND, "no ticket or application with this number")

// LookupService finds a ticket or application by its public number: made on
// this kiosk, or known from officed's status feed (made elsewhere).
func (d *DB) LookupService(ctx context.Context, number string) (Service, error) {
	s := Service{Number: number}
	var created string
	err := d.db.QueryRowContext(ctx, "SELECT kind, secret, record, summary, created FROM services WHERE number = ?", number).
		Scan(&s.Kind, &s.Secret, &s.Record, &s.Summary, &created)
	local := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Service{}, err
	}
	if local {
		s.Created, _ = time.Parse(time.RFC3339, created)
	}
	raw, ok, err := d.Content(ctx, "tickets", number)
	if err != nil {
		return Service{}, err
	}
	if ok {
		var st ServiceStatus
		if err := json.Unmarshal(raw, &st); err != nil {
			return Service{}, fmt.Errorf("store: status of %s: %w", number, err)
		}
		s.Status = &st
		if !local {
			s.Kind = st.Kind
		}
	}
	if !local && !ok {
		return Service{}, ErrUnknownService
	}
	return s, nil
}

// LastSync is when the change feed was last applied, zero if never.
func (d *DB) LastSync(ctx context.Context) (time.Time, error) {
	var t time.Time
	_, err := d.Setting(ctx, lastSyncKey, &t)
	return t, err
}

const lastSyncKey = "sync.last_pull"
