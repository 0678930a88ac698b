package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
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

// Advance implements office.ResidentService. The current state is read and
// the change checked (office.CheckTransition) in the transaction that makes
// it, so concurrent changes cannot both pass the check.
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
		var before, after string
		var err error
		if kind == bianmin.KindTicket {
			before, after, err = advanceTicket(ctx, tx, tr)
		} else {
			before, after, err = advanceApplication(ctx, tx, tr)
		}
		if err != nil {
			return err
		}
		if err := addTimeline(ctx, tx, tr.Number, tr.State, tr.At, tr.Note); err != nil {
			return err
		}
		if err := publishStatus(ctx, tx, tr.Number, tr.At); err != nil {
			return err
		}
		if tr.Audit != nil {
			e := *tr.Audit
			e.Subject, e.Before, e.After = tr.Number, before, after
			if err := office.ValidateAudit(e); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		p, err := loadProgress(ctx, tx, tr.Number)
		st = p.Status
		return err
	})
	return st, err
}

// ticketState is what Advance reads of a ticket before changing it.
type ticketState struct {
	state, unit, result, duplicateOf string
	deadline                         sql.NullString
	callBack                         bool
	callBackLevel                    int
}

// describe is the audit log's text of a ticket's state and assignment.
func (t ticketState) describe() string {
	parts := []string{"状态：" + bianmin.StateLabel(t.state)}
	if t.unit != "" {
		parts = append(parts, "承办单位："+t.unit)
	}
	if t.deadline.Valid {
		if d, err := parseTime(t.deadline.String); err == nil {
			parts = append(parts, "时限："+d.In(office.ChinaTime).Format("2006-01-02 15:04"))
		}
	}
	if t.result != "" {
		parts = append(parts, "办理结果："+t.result)
	}
	if t.callBackLevel > 0 {
		parts = append(parts, "回访评价："+bianmin.RatingLevels[5-t.callBackLevel])
	}
	if t.duplicateOf != "" {
		parts = append(parts, "重复于："+t.duplicateOf)
	}
	if t.callBack {
		parts = append(parts, "待回访")
	}
	return strings.Join(parts, "；")
}

func readTicketState(ctx context.Context, tx *sql.Tx, number string) (ticketState, error) {
	var t ticketState
	err := tx.QueryRowContext(ctx, `SELECT state, unit_id, result, duplicate_of, deadline, callback, callback_level
		FROM tickets WHERE number = ?`, number).
		Scan(&t.state, &t.unit, &t.result, &t.duplicateOf, &t.deadline, &t.callBack, &t.callBackLevel)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("no ticket %q", number)
	}
	return t, err
}

// advanceTicket makes tr on a ticket inside tx and returns the audit text
// of its state before and after.
func advanceTicket(ctx context.Context, tx *sql.Tx, tr office.Transition) (before, after string, err error) {
	cur, err := readTicketState(ctx, tx, tr.Number)
	if err != nil {
		return "", "", err
	}
	if tr.Scope != "" && cur.unit != tr.Scope {
		return "", "", notFound("no ticket %q", tr.Number)
	}
	if err := office.CheckTransition(bianmin.KindTicket, cur.state, tr); err != nil {
		return "", "", err
	}
	next := cur
	next.state = tr.State
	switch tr.State {
	case bianmin.StateDispatched:
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM changes WHERE class = ? AND key = ? AND op = 'put'",
			office.ClassUnits, tr.Unit).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", bianmin.Errorf(bianmin.EINVALID, "成员单位 %q 不存在", tr.Unit)
		}
		if err != nil {
			return "", "", err
		}
		next.unit = tr.Unit
		next.deadline = sql.NullString{String: formatTime(tr.Deadline), Valid: true}
	case bianmin.StateResolved:
		next.result = tr.Result
	case bianmin.StateCalledBack:
		next.callBackLevel, next.callBack = tr.Rating, false
	case bianmin.StateDuplicate:
		if _, err := readTicketState(ctx, tx, tr.DuplicateOf); err != nil {
			if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
				return "", "", bianmin.Errorf(bianmin.EINVALID, "原工单 %s 不存在", tr.DuplicateOf)
			}
			return "", "", err
		}
		next.duplicateOf = tr.DuplicateOf
	case bianmin.StateReopened:
		next.duplicateOf = ""
	}
	if tr.ClearCallBack {
		next.callBack = false
	}
	resolvedAt := any(nil)
	if tr.State == bianmin.StateResolved {
		resolvedAt = formatTime(tr.At)
	}
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET state = ?, updated_at = ?, unit_id = ?, deadline = ?, result = ?,
		duplicate_of = ?, callback = ?, callback_level = ?, resolved_at = coalesce(?, resolved_at) WHERE number = ?`,
		next.state, formatTime(tr.At), next.unit, next.deadline, next.result, next.duplicateOf, next.callBack,
		next.callBackLevel, resolvedAt, tr.Number)
	return cur.describe(), next.describe(), err
}

// advanceApplication makes tr on an application inside tx and returns the
// audit text of its state before and after.
func advanceApplication(ctx context.Context, tx *sql.Tx, tr office.Transition) (before, after string, err error) {
	var state, reason string
	var fee, refund int64
	err = tx.QueryRowContext(ctx, "SELECT state, fee_fen, reject_reason, refund_due_fen FROM applications WHERE number = ?",
		tr.Number).Scan(&state, &fee, &reason, &refund)
	if errors.Is(err, sql.ErrNoRows) || err == nil && tr.Scope != "" {
		// Member units never handle applications.
		return "", "", notFound("no application %q", tr.Number)
	}
	if err != nil {
		return "", "", err
	}
	if err := office.CheckTransition(bianmin.KindApplication, state, tr); err != nil {
		return "", "", err
	}
	before = "状态：" + bianmin.StateLabel(state)
	after = "状态：" + bianmin.StateLabel(tr.State)
	switch tr.State {
	case bianmin.StateRejected:
		reason, refund = tr.Reason, fee
		after += "；驳回原因：" + reason + "；应退费：" + strconv.FormatInt(refund, 10) + " 分"
	case bianmin.StateRefunded:
		after += "；已退费：" + strconv.FormatInt(refund, 10) + " 分"
		refund = 0
	}
	_, err = tx.ExecContext(ctx, `UPDATE applications SET state = ?, updated_at = ?, reject_reason = ?, refund_due_fen = ?
		WHERE number = ?`, tr.State, formatTime(tr.At), reason, refund, tr.Number)
	return before, after, err
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

const ticketColumns = `number, kiosk_id, record_id, secret, category, community, building, unit, room, phrases, text,
	phone, channel, state, callback, created, received_at, unit_id, deadline, result, callback_level, duplicate_of,
	resolved_at, updated_at`

func scanTicket(row interface{ Scan(...any) error }) (office.TicketInfo, error) {
	var t office.TicketInfo
	var phrases, created, received, updated string
	var deadline, resolved sql.NullString
	err := row.Scan(&t.Number, &t.KioskID, &t.RecordID, &t.Secret, &t.Category, &t.Community, &t.Building, &t.Unit, &t.Room,
		&phrases, &t.Text, &t.Phone, &t.Channel, &t.State, &t.CallBack, &created, &received,
		&t.UnitID, &deadline, &t.Result, &t.CallBackLevel, &t.DuplicateOf, &resolved, &updated)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(phrases), &t.Phrases); err != nil {
		return t, err
	}
	if t.Deadline, err = parseNullTime(deadline); err != nil {
		return t, err
	}
	if t.ResolvedAt, err = parseNullTime(resolved); err != nil {
		return t, err
	}
	if t.Updated, err = parseTime(updated); err != nil {
		return t, err
	}
	return t, scanOrigin(&t.Origin, created, received)
}

// Ticket implements office.ResidentService.
func (s *Store) Ticket(ctx context.Context, number string) (office.TicketInfo, error) {
	t, err := scanTicket(s.ro.QueryRowContext(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("no ticket %q", number)
	}
	return t, err
}

const applicationColumns = `number, kiosk_id, record_id, secret, id_number, name, source, reason, phone, fee_fen, payment,
	state, created, received_at, reject_reason, refund_due_fen, updated_at`

func scanApplication(row interface{ Scan(...any) error }) (office.ApplicationInfo, error) {
	var a office.ApplicationInfo
	var created, received, updated string
	err := row.Scan(&a.Number, &a.KioskID, &a.RecordID, &a.Secret, &a.IDNumber, &a.Name, &a.Source, &a.Reason, &a.Phone,
		&a.FeeFen, &a.Payment, &a.State, &created, &received, &a.RejectReason, &a.RefundDueFen, &updated)
	if err != nil {
		return a, err
	}
	if a.Updated, err = parseTime(updated); err != nil {
		return a, err
	}
	return a, scanOrigin(&a.Origin, created, received)
}

// Application implements office.ResidentService.
func (s *Store) Application(ctx context.Context, number string) (office.ApplicationInfo, error) {
	a, err := scanApplication(s.ro.QueryRowContext(ctx, "SELECT "+applicationColumns+" FROM applications WHERE number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("no application %q", number)
	}
	return a, err
}

// Payment implements office.ResidentService.
func (s *Store) Payment(ctx context.Context, receipt string) (office.PaymentInfo, error) {
	var p office.PaymentInfo
	var notes, created, received string
	err := s.ro.QueryRowContext(ctx, `SELECT receipt, kiosk_id, record_id, biller, account, period, due_fen, paid_fen,
		credit_fen, method, gateway, offline_bill, notes, created, received_at, secret FROM payments WHERE receipt = ?`, receipt).
		Scan(&p.Receipt, &p.KioskID, &p.RecordID, &p.Biller, &p.Account, &p.Period, &p.DueFen, &p.PaidFen, &p.Credit,
			&p.Method, &p.Gateway, &p.Offline, &notes, &created, &received, &p.Secret)
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
	var where []string
	var args []any
	if f.KioskID != "" {
		where, args = append(where, "kiosk_id = ?"), append(args, f.KioskID)
	}
	q, args := page("SELECT kiosk_id, record_id, created, received_at, "+columns+" FROM "+table+
		whereClause(where)+" ORDER BY created, kiosk_id, seq", args, f.Limit, 0)
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
