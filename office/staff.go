package office

import (
	"context"
	"crypto/sha256"
	"regexp"
	"time"
	"unicode/utf8"

	"bianmin"
)

// Roles of back-office staff (SPEC §5.2).
const (
	RoleAdmin = "admin" // everything, accounts and the audit log included
	RoleClerk = "clerk" // the street office's service desk: tickets, applications
	RoleUnit  = "unit"  // staff of one member unit: its own tickets only
)

// Roles lists the roles in display order.
var Roles = []string{RoleAdmin, RoleClerk, RoleUnit}

var roleLabels = map[string]string{RoleAdmin: "管理员", RoleClerk: "窗口工作人员", RoleUnit: "成员单位"}

// RoleLabel is the Chinese name of a role; an unknown role is shown as it is.
func RoleLabel(role string) string {
	if l, ok := roleLabels[role]; ok {
		return l
	}
	return role
}

// StaffUser is a back-office account.
type StaffUser struct {
	ID   int64
	Name string // the login name, unique
	Role string // one of Roles
	// Unit is the member unit (bianmin.Unit ID) a RoleUnit account belongs
	// to; empty for the other roles.
	Unit string
	// PasswordHash is an encoded argon2id hash (HashPassword), never the
	// password.
	PasswordHash    string
	Created         time.Time
	PasswordChanged time.Time
	Disabled        time.Time // zero while the account may log in
}

// Active reports whether the account may log in.
func (u StaffUser) Active() bool { return u.Disabled.IsZero() }

var staffNamePattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]{1,31}$`)

// ValidateStaffUser checks an account before a store writes it: a login name
// of 2–32 letters, digits, '.', '_' or '-' starting with a letter or digit; a
// known role; a unit id for unit staff and none for the others; a password
// hash. Whether the unit exists is the caller's check (it knows the
// published units).
func ValidateStaffUser(u StaffUser) error {
	switch {
	case !staffNamePattern.MatchString(u.Name):
		return bianmin.Errorf(bianmin.EINVALID, "用户名须为 2–32 个字母、数字、点、下划线或连字符，以字母或数字开头")
	case !oneOfString(u.Role, Roles):
		return bianmin.Errorf(bianmin.EINVALID, "角色须为 admin、clerk 或 unit")
	case u.Role == RoleUnit && (u.Unit == "" || len(u.Unit) > 64 || !utf8.ValidString(u.Unit)):
		return bianmin.Errorf(bianmin.EINVALID, "成员单位账号须指定所属单位（--unit）")
	case u.Role != RoleUnit && u.Unit != "":
		return bianmin.Errorf(bianmin.EINVALID, "只有成员单位账号（unit）才属于某个单位")
	case u.PasswordHash == "":
		return bianmin.Errorf(bianmin.EINVALID, "账号缺少密码")
	}
	return nil
}

func oneOfString(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Session is a logged-in browser. Only the SHA-256 of the session id is
// stored (SessionHash), so a copy of the database logs nobody in.
type Session struct {
	Hash     [32]byte
	UserID   int64
	Created  time.Time
	LastSeen time.Time
	// Expires is the absolute end; the back office also ends a session idle
	// for longer than its idle timeout (LastSeen).
	Expires time.Time
	IP      string // where it logged in from, for the audit log
}

// SessionHash is what a store keeps of session id.
func SessionHash(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// AuditEntry is one staff action: who, what, when, on what, and the state
// before and after. Before and After are short text (a state, a field's old
// and new value), never a password or an unmasked ID number.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // the account's name; "" for a failed login of an unknown name
	Role    string
	Action  string // e.g. "login", "ticket.dispatch", "application.reveal_id"
	Subject string // what it acted on: a ticket or application number, an account name
	Before  string
	After   string
	IP      string
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Actor    string // "" for everyone
	Subject  string // "" for everything
	Action   string // "" for every action; a prefix ending in "." selects a group ("ticket.")
	BeforeID int64  // only entries with a smaller id (the next page); 0 for the newest
	Limit    int    // 1–500; 0 means 100
}

// StaffService keeps back-office accounts, sessions and the audit log.
// Every method that changes an account takes the audit entry of the change
// and writes both in one transaction, so the log never misses a change.
type StaffService interface {
	// AddUser validates u (ValidateStaffUser), stores it and the audit entry,
	// and returns it with its ID. ECONFLICT when the name is taken.
	AddUser(ctx context.Context, u StaffUser, audit AuditEntry) (StaffUser, error)
	// User and UserByName return ENOTFOUND for an unknown account.
	User(ctx context.Context, id int64) (StaffUser, error)
	UserByName(ctx context.Context, name string) (StaffUser, error)
	// Users lists every account by name.
	Users(ctx context.Context) ([]StaffUser, error)
	// SetPassword replaces an account's password hash, ends its other
	// sessions (all but keep, which may be the zero hash) and writes the
	// audit entry. ENOTFOUND for an unknown account.
	SetPassword(ctx context.Context, id int64, hash string, at time.Time, keep [32]byte, audit AuditEntry) error
	// SetDisabled disables (at non-zero) or re-enables (zero) an account;
	// disabling ends its sessions.
	SetDisabled(ctx context.Context, id int64, at time.Time, audit AuditEntry) error

	// CreateSession stores a new session. ECONFLICT for a hash already held.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with hash and its account. ENOTFOUND for
	// an unknown hash; callers check expiry and the account's Active.
	Session(ctx context.Context, hash [32]byte) (Session, StaffUser, error)
	// TouchSession sets a session's LastSeen. An unknown hash is not an error.
	TouchSession(ctx context.Context, hash [32]byte, at time.Time) error
	// DeleteSession ends a session; an unknown hash is not an error.
	DeleteSession(ctx context.Context, hash [32]byte) error
	// PruneSessions deletes sessions that expired, or were last seen, before
	// before, and reports how many.
	PruneSessions(ctx context.Context, expiredBefore, idleBefore time.Time) (int64, error)

	// Audit writes one entry.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLog lists entries, newest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// ValidateAudit checks an entry before a store writes it.
func ValidateAudit(e AuditEntry) error {
	switch {
	case e.At.IsZero():
		return bianmin.Errorf(bianmin.EINVALID, "audit: the entry needs a time")
	case e.Action == "" || len(e.Action) > 64:
		return bianmin.Errorf(bianmin.EINVALID, "audit: the entry needs an action")
	case len(e.Actor) > 128 || len(e.Subject) > 200 || len(e.Before) > 4000 || len(e.After) > 4000 || len(e.IP) > 64:
		return bianmin.Errorf(bianmin.EINVALID, "audit: a field is too long")
	}
	return nil
}
