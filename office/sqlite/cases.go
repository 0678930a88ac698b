package sqlite

import (
	"context"
	"database/sql"
	"time"

	"bianmin"
	"bianmin/office"
)

// openStates selects open tickets (not closed, not duplicate) by listing
// their states, so the state indexes are searched for them rather than
// scanned past the closed ones, which are most of the table.
const openStates = "state IN ('submitted', 'accepted', 'dispatched', 'reopened', 'resolved', 'called_back')"

// Tickets implements office.CaseService. Each filter column has its own
// index (migration 0003), and the page is cut with LIMIT/OFFSET after the
// ordering the index gives; the total is a count over the same index.
func (s *Store) Tickets(ctx context.Context, f office.TicketFilter) (office.TicketPage, error) {
	var page office.TicketPage
	if f.State != "" && !bianmin.ValidState(bianmin.KindTicket, f.State) {
		return page, bianmin.Errorf(bianmin.EINVALID, "未知的工单状态 %q", f.State)
	}
	if f.Overdue && f.Now.IsZero() {
		return page, bianmin.Errorf(bianmin.EINVALID, "tickets: an overdue filter needs the time")
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	var where []string
	var args []any
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.Open {
		add(openStates)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.Community != "" {
		add("community = ?", f.Community)
	}
	if f.Unit != "" {
		add("unit_id = ? AND unit_id != ''", f.Unit)
	}
	if f.CallBack {
		add("callback = 1")
	}
	// Ties are broken by rowid, which every index holds: the order is the
	// index's, so a page deep in the list skips index entries instead of
	// sorting the table.
	from, order := "tickets", "created DESC, rowid DESC"
	if f.Overdue {
		// The partial index tickets_deadline holds exactly these rows; the
		// planner would otherwise scan every dispatched ticket by state.
		add("state IN ('dispatched', 'reopened') AND deadline < ?", formatTime(f.Now))
		from, order = "tickets INDEXED BY tickets_deadline", "deadline, rowid"
	}
	cond := whereClause(where)
	err := s.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+from+cond, args...).Scan(&page.Total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+ticketColumns+" FROM "+from+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?",
			append(args, office.PageLimit(f.Limit), f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		page.Tickets = []office.TicketInfo{}
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				return err
			}
			page.Tickets = append(page.Tickets, t)
		}
		return rows.Err()
	})
	return page, err
}

// Applications implements office.CaseService.
func (s *Store) Applications(ctx context.Context, f office.ApplicationFilter) (office.ApplicationPage, error) {
	var page office.ApplicationPage
	if f.State != "" && !bianmin.ValidState(bianmin.KindApplication, f.State) {
		return page, bianmin.Errorf(bianmin.EINVALID, "未知的申请状态 %q", f.State)
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if f.RefundDue {
		where = append(where, "refund_due_fen > 0")
	}
	cond := whereClause(where)
	err := s.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM applications"+cond, args...).Scan(&page.Total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+applicationColumns+" FROM applications"+cond+
			" ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?", append(args, office.PageLimit(f.Limit), f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		page.Applications = []office.ApplicationInfo{}
		for rows.Next() {
			a, err := scanApplication(rows)
			if err != nil {
				return err
			}
			page.Applications = append(page.Applications, a)
		}
		return rows.Err()
	})
	return page, err
}

// TicketStats implements office.CaseService: every figure comes from an
// index (tickets_state_category, tickets_deadline, tickets_callback,
// tickets_resolved, ratings_created, applications_state), in one snapshot.
func (s *Store) TicketStats(ctx context.Context, now, since time.Time) (office.TicketStats, error) {
	var st office.TicketStats
	err := s.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT state, category, count(*) FROM tickets
			WHERE `+openStates+` GROUP BY state, category ORDER BY state, category`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c office.StateCount
			if err := rows.Scan(&c.State, &c.Category, &c.Count); err != nil {
				return err
			}
			st.Open = append(st.Open, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var avgDays sql.NullFloat64
		err = tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM tickets INDEXED BY tickets_deadline WHERE state IN ('dispatched', 'reopened') AND deadline < ?1),
			(SELECT count(*) FROM tickets WHERE callback = 1),
			(SELECT count(*) FROM tickets WHERE resolved_at >= ?2),
			(SELECT avg(julianday(resolved_at) - julianday(created)) FROM tickets WHERE resolved_at >= ?2),
			(SELECT count(*) FROM applications WHERE state IN ('submitted', 'accepted', 'issued')),
			(SELECT count(*) FROM applications WHERE refund_due_fen > 0)`,
			formatTime(now), formatTime(since)).
			Scan(&st.Overdue, &st.CallBack, &st.Resolved, &avgDays, &st.ApplicationsOpen, &st.RefundsDue)
		if err != nil {
			return err
		}
		if avgDays.Valid {
			st.AvgResolve = time.Duration(avgDays.Float64 * float64(24*time.Hour)).Round(time.Minute)
		}
		rows, err = tx.QueryContext(ctx, "SELECT level, count(*) FROM ratings WHERE created >= ? GROUP BY level", formatTime(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var level, n int
			if err := rows.Scan(&level, &n); err != nil {
				return err
			}
			if level >= 1 && level <= 5 {
				st.Ratings[level-1] = n
			}
		}
		return rows.Err()
	})
	return st, err
}
