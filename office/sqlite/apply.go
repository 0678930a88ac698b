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

// apply writes a new record's decoded data to its table, inside the batch's
// transaction, and publishes what changed for kiosks.
func apply(ctx context.Context, tx *sql.Tx, kiosk string, r wire.Record, data bianmin.RecordData, at time.Time) error {
	o := origin{kiosk: kiosk, record: r.ID, seq: r.Seq, created: formatTime(r.Created), received: formatTime(at)}
	switch d := data.(type) {
	case *bianmin.Ticket:
		return applyTicket(ctx, tx, o, d, r.Created, at)
	case *bianmin.Application:
		return applyApplication(ctx, tx, o, d, r.Created, at)
	case *bianmin.Payment:
		return applyPayment(ctx, tx, o, d)
	case *bianmin.PaymentIncomplete:
		_, err := tx.ExecContext(ctx, `INSERT INTO incomplete_payments (kiosk_id, record_id, seq, receipt, biller, account,
			paid_fen, method, reason, created, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.kiosk, o.record, o.seq, d.Receipt, d.Biller, d.Account, d.PaidFen, d.Method, d.Reason, o.created, o.received)
		return err
	case *bianmin.Rating:
		return applyRating(ctx, tx, o, d, r.Created, at)
	case *bianmin.DeviceEvent:
		_, err := tx.ExecContext(ctx, `INSERT INTO device_events (kiosk_id, record_id, seq, device, event, detail, created, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.kiosk, o.record, o.seq, d.Device, d.Event, d.Detail, o.created, o.received)
		return err
	case *bianmin.CashCollected:
		return applyCash(ctx, tx, o, d)
	}
	return fmt.Errorf("sqlite: no table for record kind %s", r.Kind)
}

// origin is the record an applied row came from, times formatted.
type origin struct {
	kiosk, record     string
	seq               int64
	created, received string
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// conflict is the refusal of a record whose number another record holds.
func conflict(o origin, format string, args ...any) error {
	return &office.RecordError{Record: o.record, Err: bianmin.Errorf(bianmin.ECONFLICT, format, args...)}
}

// taken reports whether table already has a row with key in column.
func taken(ctx context.Context, tx *sql.Tx, table, column, key string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE "+column+" = ?", key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func applyTicket(ctx context.Context, tx *sql.Tx, o origin, t *bianmin.Ticket, created, at time.Time) error {
	if dup, err := taken(ctx, tx, "tickets", "number", t.Number); err != nil || dup {
		return errors.Join(err, conflictIf(dup, o, "ticket number %s is another record's", t.Number))
	}
	phrases, err := jsonText(t.Phrases)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tickets (number, kiosk_id, record_id, secret, category, community, building,
		unit, room, phrases, text, phone, channel, state, created, received_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Number, o.kiosk, o.record, t.Secret, t.Category, t.Community, t.Building, t.Unit, t.Room, phrases, t.Text,
		t.Phone, t.Channel, bianmin.StateSubmitted, o.created, o.received, o.received)
	if err != nil {
		return err
	}
	return submitted(ctx, tx, t.Number, created, office.SubmittedNote(t.Channel), at)
}

// conflictIf is conflict when dup, else nil.
func conflictIf(dup bool, o origin, format string, args ...any) error {
	if !dup {
		return nil
	}
	return conflict(o, format, args...)
}

func applyApplication(ctx context.Context, tx *sql.Tx, o origin, a *bianmin.Application, created, at time.Time) error {
	if dup, err := taken(ctx, tx, "applications", "number", a.Number); err != nil || dup {
		return errors.Join(err, conflictIf(dup, o, "application number %s is another record's", a.Number))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO applications (number, kiosk_id, record_id, secret, id_number, name, source,
		reason, phone, fee_fen, payment, state, created, received_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Number, o.kiosk, o.record, a.Secret, bianmin.NormalizeIDNumber(a.IDNumber), a.Name, a.Source, a.Reason, a.Phone,
		a.FeeFen, a.Payment, bianmin.StateSubmitted, o.created, o.received, o.received)
	if err != nil {
		return err
	}
	return submitted(ctx, tx, a.Number, created, office.SubmittedNote("kiosk"), at)
}

func applyPayment(ctx context.Context, tx *sql.Tx, o origin, p *bianmin.Payment) error {
	if dup, err := taken(ctx, tx, "payments", "receipt", p.Receipt); err != nil || dup {
		return errors.Join(err, conflictIf(dup, o, "receipt number %s is another payment's", p.Receipt))
	}
	notes, err := jsonText(p.Notes)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO payments (receipt, kiosk_id, record_id, biller, account, period, due_fen,
		paid_fen, credit_fen, method, gateway, offline_bill, notes, created, received_at, secret)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Receipt, o.kiosk, o.record, p.Biller, p.Account, p.Period, p.DueFen, p.PaidFen, p.Credit, p.Method, p.Gateway,
		p.Offline, notes, o.created, o.received, p.Secret)
	return err
}

func applyCash(ctx context.Context, tx *sql.Tx, o origin, c *bianmin.CashCollected) error {
	byValue, err := jsonText(c.ByValue)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cash_collections (kiosk_id, record_id, seq, notes, coins, total_fen, by_value,
		staff, created, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.kiosk, o.record, o.seq, c.Notes, c.Coins, c.TotalFen, byValue, c.Staff, o.created, o.received)
	return err
}

// applyRating stores a rating and, when it names a ticket or application
// officed holds (by the record that brought it in from the same kiosk, or
// by its number), adds it to that one's timeline; a ticket rated at
// office.CallBackLevel or below is marked for a call-back.
func applyRating(ctx context.Context, tx *sql.Tx, o origin, r *bianmin.Rating, created, at time.Time) error {
	subject, table := "", ""
	switch r.Service {
	case bianmin.KindTicket:
		table = "tickets"
	case bianmin.KindApplication:
		table = "applications"
	}
	if table != "" {
		err := tx.QueryRowContext(ctx, "SELECT number FROM "+table+
			" WHERE (kiosk_id = ?1 AND record_id = ?2) OR number = ?2 LIMIT 1", o.kiosk, r.Record).Scan(&subject)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	reasons, err := jsonText(r.Reasons)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ratings (kiosk_id, record_id, seq, rated_record, service, level, reasons,
		subject, created, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.kiosk, o.record, o.seq, r.Record, r.Service, r.Level, reasons, subject, o.created, o.received); err != nil {
		return err
	}
	if subject == "" {
		return nil
	}
	callBack := table == "tickets" && r.Level <= office.CallBackLevel
	if callBack {
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET callback = 1, updated_at = ? WHERE number = ?", o.received, subject); err != nil {
			return err
		}
	}
	if err := addTimeline(ctx, tx, subject, bianmin.StateRated, created, office.RatingNote(r, callBack)); err != nil {
		return err
	}
	return publishStatus(ctx, tx, subject, at)
}

// addTimeline appends an entry to number's timeline.
func addTimeline(ctx context.Context, tx *sql.Tx, number, state string, at time.Time, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO timeline (number, n, state, at, note)
		VALUES (?1, (SELECT coalesce(max(n), 0) + 1 FROM timeline WHERE number = ?1), ?2, ?3, ?4)`,
		number, state, formatTime(at), note)
	return err
}

// submitted starts the timeline of a ticket or application just stored and
// publishes its first status. Nothing is read back: the status of a new
// number is its one "submitted" entry, which is what loadProgress would
// return (at the stored precision), so a backlog of new records is applied
// without a query per record.
func submitted(ctx context.Context, tx *sql.Tx, number string, created time.Time, note string, at time.Time) error {
	kind, ok := bianmin.ServiceNumberKind(number)
	if !ok {
		return notFound("no ticket or application %q", number)
	}
	when := formatTime(created)
	if _, err := tx.ExecContext(ctx, `INSERT INTO timeline (number, n, state, at, note) VALUES (?, 1, ?, ?, ?)`,
		number, bianmin.StateSubmitted, when, note); err != nil {
		return err
	}
	stored, err := parseTime(when)
	if err != nil {
		return err
	}
	it, err := office.StatusItem(bianmin.Status{Number: number, Kind: kind, State: bianmin.StateSubmitted,
		Timeline: []bianmin.StatusEntry{{State: bianmin.StateSubmitted, At: stored, Note: note}}})
	if err != nil {
		return err
	}
	return putChange(ctx, tx, office.ClassTickets, it, at)
}

// publishStatus puts number's current status on the feed.
func publishStatus(ctx context.Context, tx *sql.Tx, number string, at time.Time) error {
	p, err := loadProgress(ctx, tx, number)
	if err != nil {
		return err
	}
	it, err := office.StatusItem(p.Status)
	if err != nil {
		return err
	}
	return putChange(ctx, tx, office.ClassTickets, it, at)
}

// querier is a transaction or a database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadProgress reads the status of a ticket or application. ENOTFOUND for
// an unknown number.
func loadProgress(ctx context.Context, q querier, number string) (office.Progress, error) {
	kind, ok := bianmin.ServiceNumberKind(number)
	if !ok {
		return office.Progress{}, notFound("no ticket or application %q", number)
	}
	p := office.Progress{Status: bianmin.Status{Number: number, Kind: kind, Timeline: []bianmin.StatusEntry{}}}
	var err error
	if kind == bianmin.KindTicket {
		err = q.QueryRowContext(ctx, "SELECT state, secret, callback FROM tickets WHERE number = ?", number).Scan(&p.State, &p.Secret, &p.CallBack)
	} else {
		err = q.QueryRowContext(ctx, "SELECT state, secret FROM applications WHERE number = ?", number).Scan(&p.State, &p.Secret)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return office.Progress{}, notFound("no %s %q", kind, number)
	}
	if err != nil {
		return office.Progress{}, err
	}
	rows, err := q.QueryContext(ctx, "SELECT state, at, note FROM timeline WHERE number = ? ORDER BY n", number)
	if err != nil {
		return office.Progress{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var e bianmin.StatusEntry
		var when string
		if err := rows.Scan(&e.State, &when, &e.Note); err != nil {
			return office.Progress{}, err
		}
		if e.At, err = parseTime(when); err != nil {
			return office.Progress{}, err
		}
		p.Timeline = append(p.Timeline, e)
	}
	return p, rows.Err()
}
