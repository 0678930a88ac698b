package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// Progress implements office.ResidentService.
func (s *Store) Progress(ctx context.Context, number string) (office.Progress, error) {
	var p office.Progress
	err := s.view(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = loadProgress(ctx, tx, number)
		return err
	})
	return p, err
}

// Advance implements office.ResidentService.
func (s *Store) Advance(ctx context.Context, tr office.Transition) (bianmin.Status, error) {
	kind, ok := bianmin.ServiceNumberKind(tr.Number)
	if !ok {
		return bianmin.Status{}, notFound("no ticket or application %q", tr.Number)
	}
	if err := office.ValidateTransition(kind, tr); err != nil {
		return bianmin.Status{}, err
	}
	var st bianmin.Status
	err := s.update(ctx, func(tx *sql.Tx) error {
		table, set := "applications", "state = ?1, updated_at = ?2"
		if kind == bianmin.KindTicket {
			table = "tickets"
			if tr.ClearCallBack {
				set += ", callback = 0"
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET "+set+" WHERE number = ?3", tr.State, formatTime(tr.At), tr.Number)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("no %s %q", kind, tr.Number))
		}
		if err := addTimeline(ctx, tx, tr.Number, tr.State, tr.At, tr.Note); err != nil {
			return err
		}
		if err := publishStatus(ctx, tx, tr.Number, tr.At); err != nil {
			return err
		}
		p, err := loadProgress(ctx, tx, tr.Number)
		st = p.Status
		return err
	})
	return st, err
}

// CreateMobileTicket implements office.ResidentService. The ticket is
// numbered from the counter "mobile_tickets", which also gives its record's
// sequence number under kiosk office.MobileKiosk.
func (s *Store) CreateMobileTicket(ctx context.Context, t *bianmin.Ticket, at time.Time) error {
	t.Channel = "mobile"
	t.Secret = bianmin.NewSecret()
	// Validate with a placeholder number first, so a bad ticket does not
	// use up a number.
	t.Number = bianmin.NewNumber('T', at, office.MobileKiosk, 1)
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		var seq int64
		err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ('mobile_tickets', 1)
			ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`).Scan(&seq)
		if err != nil {
			return err
		}
		t.Number = bianmin.NewNumber('T', at, office.MobileKiosk, seq)
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		r := wire.Record{ID: wire.NewID(at), Seq: seq, Kind: bianmin.KindTicket, Schema: 1, Created: at, Data: data}
		if _, err := tx.ExecContext(ctx, `INSERT INTO records (kiosk_id, id, seq, kind, schema, created, data, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, office.MobileKiosk, r.ID, r.Seq, r.Kind, r.Schema,
			r.Created.UTC().Format(time.RFC3339Nano), string(r.Data), formatTime(at)); err != nil {
			return err
		}
		return apply(ctx, tx, office.MobileKiosk, r, t, at)
	})
}

func scanOrigin(o *office.Origin, created, received string) error {
	var err error
	if o.Created, err = parseTime(created); err != nil {
		return err
	}
	o.Received, err = parseTime(received)
	return err
}

// Ticket implements office.ResidentService.
func (s *Store) Ticket(ctx context.Context, number string) (office.TicketInfo, error) {
	var t office.TicketInfo
	var phrases, created, received string
	err := s.ro.QueryRowContext(ctx, `SELECT number, kiosk_id, record_id, secret, category, community, building, unit,
		room, phrases, text, phone, channel, state, callback, created, received_at FROM tickets WHERE number = ?`, number).
		Scan(&t.Number, &t.KioskID, &t.RecordID, &t.Secret, &t.Category, &t.Community, &t.Building, &t.Unit, &t.Room,
			&phrases, &t.Text, &t.Phone, &t.Channel, &t.State, &t.CallBack, &created, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("no ticket %q", number)
	}
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(phrases), &t.Phrases); err != nil {
		return t, err
	}
	return t, scanOrigin(&t.Origin, created, received)
}

// Application implements office.ResidentService.
func (s *Store) Application(ctx context.Context, number string) (office.ApplicationInfo, error) {
	var a office.ApplicationInfo
	var created, received string
	err := s.ro.QueryRowContext(ctx, `SELECT number, kiosk_id, record_id, secret, id_number, name, source, reason, phone,
		fee_fen, payment, state, created, received_at FROM applications WHERE number = ?`, number).
		Scan(&a.Number, &a.KioskID, &a.RecordID, &a.Secret, &a.IDNumber, &a.Name, &a.Source, &a.Reason, &a.Phone,
			&a.FeeFen, &a.Payment, &a.State, &created, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("no application %q", number)
	}
	if err != nil {
		return a, err
	}
	return a, scanOrigin(&a.Origin, created, received)
}

// Payment implements office.ResidentService.
func (s *Store) Payment(ctx context.Context, receipt string) (office.PaymentInfo, error) {
	var p office.PaymentInfo
	var notes, created, received string
	err := s.ro.QueryRowContext(ctx, `SELECT receipt, kiosk_id, record_id, biller, account, period, due_fen, paid_fen,
		credit_fen, method, gateway, offline_bill, notes, created, received_at FROM payments WHERE receipt = ?`, receipt).
		Scan(&p.Receipt, &p.KioskID, &p.RecordID, &p.Biller, &p.Account, &p.Period, &p.DueFen, &p.PaidFen, &p.Credit,
			&p.Method, &p.Gateway, &p.Offline, &notes, &created, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("no payment %q", receipt)
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(notes), &p.Notes); err != nil {
		return p, err
	}
	return p, scanOrigin(&p.Origin, created, received)
}

// list runs a ListFilter query over table and scans each row with scan,
// which receives the origin columns' destinations first.
func list[T any](ctx context.Context, s *Store, f office.ListFilter, table, columns string, scan func(*T) []any, origin func(*T) *office.Origin) ([]T, error) {
	q := "SELECT kiosk_id, record_id, created, received_at, " + columns + " FROM " + table
	var args []any
	if f.KioskID != "" {
		q += " WHERE kiosk_id = ?"
		args = append(args, f.KioskID)
	}
	q += " ORDER BY created, kiosk_id, seq"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		o := origin(&v)
		var created, received string
		if err := rows.Scan(append([]any{&o.KioskID, &o.RecordID, &created, &received}, scan(&v)...)...); err != nil {
			return nil, err
		}
		if err := scanOrigin(o, created, received); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// jsonColumn scans a JSON text column into v.
type jsonColumn struct{ v any }

func (j jsonColumn) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return errors.New("sqlite: JSON column is not text")
	}
	return json.Unmarshal(b, j.v)
}

// IncompletePayments implements office.ResidentService.
func (s *Store) IncompletePayments(ctx context.Context, f office.ListFilter) ([]office.IncompletePaymentInfo, error) {
	return list(ctx, s, f, "incomplete_payments", "receipt, biller, account, paid_fen, method, reason",
		func(p *office.IncompletePaymentInfo) []any {
			return []any{&p.Receipt, &p.Biller, &p.Account, &p.PaidFen, &p.Method, &p.Reason}
		},
		func(p *office.IncompletePaymentInfo) *office.Origin { return &p.Origin })
}

// Ratings implements office.ResidentService.
func (s *Store) Ratings(ctx context.Context, f office.ListFilter) ([]office.RatingInfo, error) {
	return list(ctx, s, f, "ratings", "rated_record, service, level, reasons, subject",
		func(r *office.RatingInfo) []any {
			return []any{&r.Record, &r.Service, &r.Level, jsonColumn{&r.Reasons}, &r.Subject}
		},
		func(r *office.RatingInfo) *office.Origin { return &r.Origin })
}

// DeviceEvents implements office.ResidentService.
func (s *Store) DeviceEvents(ctx context.Context, f office.ListFilter) ([]office.DeviceEventInfo, error) {
	return list(ctx, s, f, "device_events", "device, event, detail",
		func(e *office.DeviceEventInfo) []any { return []any{&e.Device, &e.Event, &e.Detail} },
		func(e *office.DeviceEventInfo) *office.Origin { return &e.Origin })
}

// CashCollections implements office.ResidentService.
func (s *Store) CashCollections(ctx context.Context, f office.ListFilter) ([]office.CashCollectionInfo, error) {
	return list(ctx, s, f, "cash_collections", "notes, coins, total_fen, by_value, staff",
		func(c *office.CashCollectionInfo) []any {
			return []any{&c.Notes, &c.Coins, &c.TotalFen, jsonColumn{&c.ByValue}, &c.Staff}
		},
		func(c *office.CashCollectionInfo) *office.Origin { return &c.Origin })
}
