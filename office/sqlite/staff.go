package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// AddUser implements office.StaffService.
func (s *Store) AddUser(ctx context.Context, u office.StaffUser, audit office.AuditEntry) (office.StaffUser, error) {
	if err := office.ValidateStaffUser(u); err != nil {
		return u, err
	}
	if err := office.ValidateAudit(audit); err != nil {
		return u, err
	}
	if u.Created.IsZero() {
		u.Created = audit.At
	}
	if u.PasswordChanged.IsZero() {
		u.PasswordChanged = u.Created
	}
	err := s.update(ctx, func(tx *sql.Tx) error {
		if dup, err := taken(ctx, tx, "staff_users", "name", u.Name); err != nil || dup {
			return errors.Join(err, conflictUser(dup, u.Name))
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO staff_users (name, role, unit, password_hash, created_at, password_changed_at, disabled_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.Name, u.Role, u.Unit, u.PasswordHash, formatTime(u.Created),
			formatTime(u.PasswordChanged), nullTime(u.Disabled)).Scan(&u.ID)
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
	return u, err
}

func conflictUser(dup bool, name string) error {
	if !dup {
		return nil
	}
	return bianmin.Errorf(bianmin.ECONFLICT, "用户名 %s 已被使用", name)
}

// nullTime is NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

const userColumns = "id, name, role, unit, password_hash, created_at, password_changed_at, disabled_at"

func scanUser(row interface{ Scan(...any) error }) (office.StaffUser, error) {
	var u office.StaffUser
	var created, changed string
	var disabled sql.NullString
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Unit, &u.PasswordHash, &created, &changed, &disabled); err != nil {
		return u, err
	}
	var err error
	if u.Created, err = parseTime(created); err != nil {
		return u, err
	}
	if u.PasswordChanged, err = parseTime(changed); err != nil {
		return u, err
	}
	u.Disabled, err = parseNullTime(disabled)
	return u, err
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (office.StaffUser, error) {
	u, err := scanUser(s.ro.QueryRowContext(ctx, "SELECT "+userColumns+" FROM staff_users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("no staff account %v", arg)
	}
	return u, err
}

// User implements office.StaffService.
func (s *Store) User(ctx context.Context, id int64) (office.StaffUser, error) {
	return s.userWhere(ctx, "id = ?", id)
}

// UserByName implements office.StaffService.
func (s *Store) UserByName(ctx context.Context, name string) (office.StaffUser, error) {
	return s.userWhere(ctx, "name = ?", name)
}

// Users implements office.StaffService.
func (s *Store) Users(ctx context.Context) ([]office.StaffUser, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+userColumns+" FROM staff_users ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []office.StaffUser{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword implements office.StaffService.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, at time.Time, keep [32]byte, audit office.AuditEntry) error {
	if hash == "" {
		return bianmin.Errorf(bianmin.EINVALID, "账号缺少密码")
	}
	if err := office.ValidateAudit(audit); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE staff_users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
			hash, formatTime(at), id)
		if err := oneRow(res, err, "no staff account %d", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM staff_sessions WHERE user_id = ? AND hash != ?", id, keep[:]); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
}

// SetDisabled implements office.StaffService.
func (s *Store) SetDisabled(ctx context.Context, id int64, at time.Time, audit office.AuditEntry) error {
	if err := office.ValidateAudit(audit); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE staff_users SET disabled_at = ? WHERE id = ?", nullTime(at), id)
		if err := oneRow(res, err, "no staff account %d", id); err != nil {
			return err
		}
		if !at.IsZero() {
			if _, err := tx.ExecContext(ctx, "DELETE FROM staff_sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, audit)
	})
}

// oneRow turns an UPDATE that matched nothing into ENOTFOUND.
func oneRow(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}

// CreateSession implements office.StaffService.
func (s *Store) CreateSession(ctx context.Context, ss office.Session) error {
	if ss.Created.IsZero() || !ss.Expires.After(ss.Created) {
		return bianmin.Errorf(bianmin.EINVALID, "session: needs a creation time before its expiry")
	}
	if ss.LastSeen.IsZero() {
		ss.LastSeen = ss.Created
	}
	return s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (hash, user_id, created_at, last_seen, expires_at, ip)
			SELECT ?, id, ?, ?, ?, ? FROM staff_users WHERE id = ? ON CONFLICT (hash) DO NOTHING`,
			ss.Hash[:], formatTime(ss.Created), formatTime(ss.LastSeen), formatTime(ss.Expires), ss.IP, ss.UserID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, bianmin.Errorf(bianmin.ECONFLICT, "session exists already or its account does not"))
		}
		return nil
	})
}

// Session implements office.StaffService.
func (s *Store) Session(ctx context.Context, hash [32]byte) (office.Session, office.StaffUser, error) {
	var ss office.Session
	var created, seen, expires string
	row := s.ro.QueryRowContext(ctx, `SELECT s.created_at, s.last_seen, s.expires_at, s.ip, u.`+
		strings.ReplaceAll(userColumns, ", ", ", u.")+` FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
		WHERE s.hash = ?`, hash[:])
	var u office.StaffUser
	var ucreated, uchanged string
	var disabled sql.NullString
	err := row.Scan(&created, &seen, &expires, &ss.IP,
		&u.ID, &u.Name, &u.Role, &u.Unit, &u.PasswordHash, &ucreated, &uchanged, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, u, notFound("no such session")
	}
	if err != nil {
		return ss, u, err
	}
	ss.Hash, ss.UserID = hash, u.ID
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&ss.Created, created}, {&ss.LastSeen, seen}, {&ss.Expires, expires}, {&u.Created, ucreated}, {&u.PasswordChanged, uchanged}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return ss, u, err
		}
	}
	u.Disabled, err = parseNullTime(disabled)
	return ss, u, err
}

// TouchSession implements office.StaffService.
func (s *Store) TouchSession(ctx context.Context, hash [32]byte, at time.Time) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE staff_sessions SET last_seen = ? WHERE hash = ?", formatTime(at), hash[:])
		return err
	})
}

// DeleteSession implements office.StaffService.
func (s *Store) DeleteSession(ctx context.Context, hash [32]byte) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM staff_sessions WHERE hash = ?", hash[:])
		return err
	})
}

// PruneSessions implements office.StaffService.
func (s *Store) PruneSessions(ctx context.Context, expiredBefore, idleBefore time.Time) (int64, error) {
	var n int64
	err := s.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM staff_sessions WHERE expires_at < ? OR last_seen < ?",
			formatTime(expiredBefore), formatTime(idleBefore))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Audit implements office.StaffService.
func (s *Store) Audit(ctx context.Context, e office.AuditEntry) error {
	if err := office.ValidateAudit(e); err != nil {
		return err
	}
	return s.update(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, e) })
}

// insertAudit writes e inside tx; callers validated it.
func insertAudit(ctx context.Context, tx *sql.Tx, e office.AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, action, subject, before, after, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, formatTime(e.At), e.Actor, e.Role, e.Action, e.Subject, e.Before, e.After, e.IP)
	return err
}

// AuditLog implements office.StaffService.
func (s *Store) AuditLog(ctx context.Context, f office.AuditFilter) ([]office.AuditEntry, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 500:
		limit = 500
	}
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, f.Subject)
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		// A group: the prefix, matched as text so "ticket." does not take
		// "tickets"; substr keeps LIKE's wildcards out of it.
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, len(f.Action), f.Action)
	case f.Action != "":
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	q := "SELECT id, at, actor, role, action, subject, before, after, ip FROM audit_log" + whereClause(where) + " ORDER BY id DESC LIMIT ?"
	rows, err := s.ro.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []office.AuditEntry{}
	for rows.Next() {
		var e office.AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Action, &e.Subject, &e.Before, &e.After, &e.IP); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
