package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"bianmin"
	"bianmin/office"
)

var _ office.LedgerService = (*Store)(nil)

// ledgerWhere is the WHERE clause of the payments q selects, for table alias
// p, and its arguments.
func ledgerWhere(q office.LedgerQuery) (string, []any) {
	where := []string{"p.created >= ?", "p.created < ?"}
	args := []any{formatTime(q.From), formatTime(q.To)}
	for _, f := range []struct{ column, value string }{
		{"p.kiosk_id", q.KioskID}, {"p.biller", q.Biller}, {"p.method", q.Method},
	} {
		if f.value != "" {
			where = append(where, f.column+" = ?")
			args = append(args, f.value)
		}
	}
	return whereClause(where), args
}

// dayModifier shifts stored UTC times into the query's zone for date().
func dayModifier(offset int) string { return fmt.Sprintf("%+d seconds", offset) }

const ledgerSums = `count(*), coalesce(sum(p.due_fen), 0), coalesce(sum(p.paid_fen), 0), coalesce(sum(p.credit_fen), 0),
	coalesce(sum(CASE WHEN p.method = 'cash' THEN p.paid_fen END), 0),
	coalesce(sum(CASE WHEN p.method = 'wechat' THEN p.paid_fen END), 0),
	coalesce(sum(CASE WHEN p.method = 'alipay' THEN p.paid_fen END), 0)`

// LedgerDays implements office.LedgerService. Stored times are fixed-width
// UTC text, which date() reads; the modifier moves them into the zone.
func (s *Store) LedgerDays(ctx context.Context, q office.LedgerQuery) ([]office.LedgerDay, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	where, args := ledgerWhere(q)
	query := `SELECT p.kiosk_id, coalesce(k.name, ''), date(p.created, ?) AS day, ` + ledgerSums + `
		FROM payments p LEFT JOIN kiosks k ON k.id = p.kiosk_id` + where + `
		GROUP BY p.kiosk_id, day ORDER BY day, p.kiosk_id`
	query, args = page(query, append([]any{dayModifier(q.UTCOffset)}, args...), q.Limit, q.Offset)
	rows, err := s.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []office.LedgerDay{}
	for rows.Next() {
		var d office.LedgerDay
		if err := rows.Scan(&d.KioskID, &d.KioskName, &d.Day, &d.Count, &d.DueFen, &d.PaidFen, &d.CreditFen,
			&d.CashFen, &d.WeChatFen, &d.AlipayFen); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LedgerTotals implements office.LedgerService.
func (s *Store) LedgerTotals(ctx context.Context, q office.LedgerQuery) (office.LedgerTotals, error) {
	var t office.LedgerTotals
	if err := q.Validate(); err != nil {
		return t, err
	}
	where, args := ledgerWhere(q)
	err := s.view(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT "+ledgerSums+" FROM payments p"+where, args...).
			Scan(&t.Count, &t.DueFen, &t.PaidFen, &t.CreditFen, &t.CashFen, &t.WeChatFen, &t.AlipayFen)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM payments p"+where+
			" GROUP BY p.kiosk_id, date(p.created, ?))", append(args, dayModifier(q.UTCOffset))...).Scan(&t.Days)
	})
	return t, err
}

const paymentColumns = `p.receipt, p.kiosk_id, p.record_id, p.biller, p.account, p.period, p.due_fen, p.paid_fen,
	p.credit_fen, p.method, p.gateway, p.offline_bill, p.notes, p.created, p.received_at`

func scanPayment(row interface{ Scan(...any) error }) (office.PaymentInfo, error) {
	var p office.PaymentInfo
	var created, received string
	err := row.Scan(&p.Receipt, &p.KioskID, &p.RecordID, &p.Biller, &p.Account, &p.Period, &p.DueFen, &p.PaidFen,
		&p.Credit, &p.Method, &p.Gateway, &p.Offline, jsonColumn{&p.Notes}, &created, &received)
	if err != nil {
		return p, err
	}
	return p, scanOrigin(&p.Origin, created, received)
}

// LedgerPayments implements office.LedgerService.
func (s *Store) LedgerPayments(ctx context.Context, q office.LedgerQuery) ([]office.PaymentInfo, error) {
	out := []office.PaymentInfo{}
	err := s.eachPayment(ctx, q, true, func(p office.PaymentInfo) error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachPayment implements office.LedgerService.
func (s *Store) EachPayment(ctx context.Context, q office.LedgerQuery, fn func(office.PaymentInfo) error) error {
	return s.eachPayment(ctx, q, false, fn)
}

func (s *Store) eachPayment(ctx context.Context, q office.LedgerQuery, paged bool, fn func(office.PaymentInfo) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	where, args := ledgerWhere(q)
	query := "SELECT " + paymentColumns + " FROM payments p" + where + " ORDER BY p.created, p.kiosk_id, p.receipt"
	if paged {
		query, args = page(query, args, q.Limit, q.Offset)
	}
	rows, err := s.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// cashSince counts the cash kiosk recorded between two of its record
// sequence numbers (exclusive): completed cash payments, and cash taken for
// services that did not complete.
func cashSince(ctx context.Context, q querier, kiosk string, after, before int64) (n int, fen int64, inc int, incFen int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(p.paid_fen), 0)
		FROM records r JOIN payments p ON p.kiosk_id = r.kiosk_id AND p.record_id = r.id
		WHERE r.kiosk_id = ?1 AND r.seq > ?2 AND r.seq < ?3 AND r.kind = 'payment' AND p.method = 'cash'`,
		kiosk, after, before).Scan(&n, &fen)
	if err != nil {
		return
	}
	err = q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(paid_fen), 0) FROM incomplete_payments
		WHERE kiosk_id = ?1 AND seq > ?2 AND seq < ?3 AND method = 'cash'`, kiosk, after, before).Scan(&inc, &incFen)
	return
}

// CashChecks implements office.LedgerService.
func (s *Store) CashChecks(ctx context.Context, q office.CashQuery) ([]office.CashCheck, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return nil, bianmin.Errorf(bianmin.EINVALID, "分页参数不能为负")
	}
	var where []string
	var args []any
	if q.KioskID != "" {
		where, args = append(where, "c.kiosk_id = ?"), append(args, q.KioskID)
	}
	if !q.From.IsZero() {
		where, args = append(where, "c.created >= ?"), append(args, formatTime(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, "c.created < ?"), append(args, formatTime(q.To))
	}
	query := `SELECT c.kiosk_id, c.record_id, c.created, c.received_at, c.notes, c.coins, c.total_fen, c.by_value,
		c.staff, c.seq, coalesce(k.name, ''),
		(SELECT max(e.seq) FROM cash_collections e WHERE e.kiosk_id = c.kiosk_id AND e.seq < c.seq)
		FROM cash_collections c LEFT JOIN kiosks k ON k.id = c.kiosk_id`
	query, args = page(query+whereClause(where)+" ORDER BY c.created DESC, c.kiosk_id, c.seq DESC", args, q.Limit, q.Offset)
	out := []office.CashCheck{}
	err := s.view(ctx, func(tx *sql.Tx) error {
		var prevs []sql.NullInt64
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c office.CashCheck
			var created, received string
			var prev sql.NullInt64
			if err := rows.Scan(&c.KioskID, &c.RecordID, &created, &received, &c.Notes, &c.Coins, &c.TotalFen,
				jsonColumn{&c.ByValue}, &c.Staff, &c.Seq, &c.KioskName, &prev); err != nil {
				return err
			}
			if err := scanOrigin(&c.Origin, created, received); err != nil {
				return err
			}
			out, prevs = append(out, c), append(prevs, prev)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			c := &out[i]
			after := int64(0)
			if prevs[i].Valid {
				after = prevs[i].Int64
				var at string
				if err := tx.QueryRowContext(ctx, "SELECT created FROM cash_collections WHERE kiosk_id = ? AND seq = ?",
					c.KioskID, after).Scan(&at); err != nil {
					return err
				}
				if c.Previous, err = parseTime(at); err != nil {
					return err
				}
			}
			if c.Payments, c.PaymentsFen, c.Incomplete, c.IncompleteFen, err = cashSince(ctx, tx, c.KioskID, after, c.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OpenCash implements office.LedgerService.
func (s *Store) OpenCash(ctx context.Context) ([]office.OpenCash, error) {
	out := []office.OpenCash{}
	err := s.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+kioskColumns+" FROM kiosks WHERE revoked_at IS NULL ORDER BY enrolled_at, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanKiosk(rows)
			if err != nil {
				return err
			}
			o := office.OpenCash{KioskID: k.ID, KioskName: k.Name, LastSeen: k.LastSeen}
			if k.Heartbeat != nil {
				o.Reported, o.Box = true, k.Heartbeat.Cash
			}
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			o := &out[i]
			var last sql.NullInt64
			var at sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT seq, created FROM cash_collections WHERE kiosk_id = ?
				ORDER BY seq DESC LIMIT 1`, o.KioskID).Scan(&last, &at)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if o.Since, err = parseNullTime(at); err != nil {
				return err
			}
			if o.Payments, o.PaymentsFen, o.Incomplete, o.IncompleteFen, err = cashSince(ctx, tx, o.KioskID, last.Int64, math.MaxInt64); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const incompleteQuery = `SELECT i.kiosk_id, i.record_id, i.created, i.received_at, i.receipt, i.biller, i.account,
	i.paid_fen, i.method, i.reason, coalesce(k.name, ''), s.action, s.reason, s.staff, s.settled_at, s.ref
	FROM incomplete_payments i LEFT JOIN kiosks k ON k.id = i.kiosk_id
	LEFT JOIN settlements s ON s.kiosk_id = i.kiosk_id AND s.record_id = i.record_id`

func scanIncomplete(row interface{ Scan(...any) error }) (office.IncompleteEntry, error) {
	var e office.IncompleteEntry
	var created, received string
	var action, reason, staff, at, ref sql.NullString
	if err := row.Scan(&e.KioskID, &e.RecordID, &created, &received, &e.Receipt, &e.Biller, &e.Account, &e.PaidFen,
		&e.Method, &e.Reason, &e.KioskName, &action, &reason, &staff, &at, &ref); err != nil {
		return e, err
	}
	if err := scanOrigin(&e.Origin, created, received); err != nil {
		return e, err
	}
	if action.Valid {
		st := &office.Settlement{KioskID: e.KioskID, RecordID: e.RecordID, Action: action.String, Reason: reason.String,
			Staff: staff.String, Ref: ref.String}
		var err error
		if st.At, err = parseTime(at.String); err != nil {
			return e, err
		}
		e.Settlement = st
	}
	return e, nil
}

// IncompleteEntries implements office.LedgerService.
func (s *Store) IncompleteEntries(ctx context.Context, q office.IncompleteQuery) ([]office.IncompleteEntry, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return nil, bianmin.Errorf(bianmin.EINVALID, "分页参数不能为负")
	}
	var where []string
	var args []any
	switch q.State {
	case "":
	case office.IncompleteOpen:
		where = append(where, "s.action IS NULL")
	case office.IncompleteSettled:
		where = append(where, "s.action IS NOT NULL")
	default:
		return nil, bianmin.Errorf(bianmin.EINVALID, "状态须为 %s 或 %s", office.IncompleteOpen, office.IncompleteSettled)
	}
	if q.KioskID != "" {
		where, args = append(where, "i.kiosk_id = ?"), append(args, q.KioskID)
	}
	query, args := page(incompleteQuery+whereClause(where)+" ORDER BY s.action IS NOT NULL, i.created DESC, i.kiosk_id, i.seq DESC", args, q.Limit, q.Offset)
	rows, err := s.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []office.IncompleteEntry{}
	for rows.Next() {
		e, err := scanIncomplete(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func incompleteEntry(ctx context.Context, q querier, kioskID, recordID string) (office.IncompleteEntry, error) {
	e, err := scanIncomplete(q.QueryRowContext(ctx, incompleteQuery+" WHERE i.kiosk_id = ? AND i.record_id = ?", kioskID, recordID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("没有这笔未完成缴费（%s/%s）", kioskID, recordID)
	}
	return e, err
}

// IncompleteEntry implements office.LedgerService.
func (s *Store) IncompleteEntry(ctx context.Context, kioskID, recordID string) (office.IncompleteEntry, error) {
	return incompleteEntry(ctx, s.ro, kioskID, recordID)
}

// Settle implements office.LedgerService.
func (s *Store) Settle(ctx context.Context, st office.Settlement, audit office.AuditEntry) (office.IncompleteEntry, error) {
	if err := office.ValidateSettlement(st); err != nil {
		return office.IncompleteEntry{}, err
	}
	if err := office.ValidateAudit(audit); err != nil {
		return office.IncompleteEntry{}, err
	}
	var e office.IncompleteEntry
	err := s.update(ctx, func(tx *sql.Tx) error {
		var err error
		if e, err = incompleteEntry(ctx, tx, st.KioskID, st.RecordID); err != nil {
			return err
		}
		if p := e.Settlement; p != nil {
			return bianmin.Errorf(bianmin.ECONFLICT, "未完成缴费 %s 已由 %s 处理过（%s），不能再次处理", e.Receipt, p.Staff, office.SettleLabel(p.Action))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settlements (kiosk_id, record_id, action, reason, staff, settled_at, ref)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, st.KioskID, st.RecordID, st.Action, st.Reason, st.Staff, formatTime(st.At), st.Ref); err != nil {
			return err
		}
		audit.Subject = e.Receipt
		if err := insertAudit(ctx, tx, audit); err != nil {
			return err
		}
		e, err = incompleteEntry(ctx, tx, st.KioskID, st.RecordID)
		return err
	})
	if err != nil {
		return office.IncompleteEntry{}, err
	}
	return e, nil
}

// EachTicket implements office.LedgerService. When a ticket was first
// accepted and dispatched and last closed come from its timeline (primary
// key (number, n)).
func (s *Store) EachTicket(ctx context.Context, q office.ExportRange, fn func(office.TicketExport) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	when := func(agg, state string) string {
		return "(SELECT " + agg + "(l.at) FROM timeline l WHERE l.number = t.number AND l.state = '" + state + "')"
	}
	rows, err := s.ro.QueryContext(ctx, `SELECT t.number, t.kiosk_id, t.record_id, t.category, t.community, t.building,
		t.unit, t.room, t.phrases, t.text, t.phone, t.channel, t.state, t.callback, t.created, t.received_at, t.updated_at,
		t.unit_id, t.deadline, t.result, t.resolved_at, t.callback_level, t.duplicate_of, `+
		when("min", bianmin.StateAccepted)+", "+when("min", bianmin.StateDispatched)+", "+when("max", bianmin.StateClosed)+`
		FROM tickets t WHERE t.created >= ? AND t.created < ? ORDER BY t.created, t.number`,
		formatTime(q.From), formatTime(q.To))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t office.TicketExport
		var created, received, updated string
		var at [5]sql.NullString
		if err := rows.Scan(&t.Number, &t.KioskID, &t.RecordID, &t.Category, &t.Community, &t.Building, &t.Unit, &t.Room,
			jsonColumn{&t.Phrases}, &t.Text, &t.Phone, &t.Channel, &t.State, &t.CallBack, &created, &received, &updated,
			&t.UnitID, &at[0], &t.Result, &at[1], &t.CallBackLevel, &t.DuplicateOf, &at[2], &at[3], &at[4]); err != nil {
			return err
		}
		if err := scanOrigin(&t.Origin, created, received); err != nil {
			return err
		}
		var err error
		if t.Updated, err = parseTime(updated); err != nil {
			return err
		}
		for i, dst := range []*time.Time{&t.Deadline, &t.ResolvedAt, &t.Accepted, &t.Dispatched, &t.Closed} {
			if *dst, err = parseNullTime(at[i]); err != nil {
				return err
			}
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EnrollCodes implements office.LedgerService.
func (s *Store) EnrollCodes(ctx context.Context, since time.Time) ([]office.EnrollCodeInfo, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT kiosk_name, created_at, expires_at, used_at, coalesce(kiosk_id, '')
		FROM enroll_codes WHERE created_at >= ? ORDER BY created_at DESC`, formatTime(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []office.EnrollCodeInfo{}
	for rows.Next() {
		var c office.EnrollCodeInfo
		var created, expires string
		var used sql.NullString
		if err := rows.Scan(&c.KioskName, &created, &expires, &used, &c.KioskID); err != nil {
			return nil, err
		}
		if c.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		if c.Expires, err = parseTime(expires); err != nil {
			return nil, err
		}
		if c.Used, err = parseNullTime(used); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
