package officetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// The contract of the back office's storage: accounts, sessions and the
// audit log (office.StaffService), the legal transitions as Advance enforces
// them, and the lists and figures (office.CaseService).

var staffContract = []struct {
	name string
	run  func(t *testing.T, s office.Store)
}{
	{"staff accounts", testStaffUsers},
	{"staff account refusals store nothing", testStaffUserRefusals},
	{"sessions", testSessions},
	{"audit log", testAuditLog},
	{"transition table enforced", testTransitionTable},
	{"transition fields", testTransitionFields},
	{"unit scope", testUnitScope},
	{"ticket lists", testTicketLists},
	{"application lists and refunds", testApplicationLists},
	{"dashboard figures", testTicketStats},
}

// PublishUnits publishes UnitFixtures on the feed: dispatching a ticket
// needs its member unit published.
func PublishUnits(t testing.TB, s office.Store) {
	t.Helper()
	items, err := office.UnitItems(UnitFixtures())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(context.Background(), office.ClassUnits, items, T0); err != nil {
		t.Fatal(err)
	}
}

// audit returns an audit entry of action by actor at T0.
func audit(actor, role, action string) office.AuditEntry {
	return office.AuditEntry{At: T0, Actor: actor, Role: role, Action: action, IP: "192.0.2.1"}
}

// staffHash is a password hash for contract accounts (hashing is the
// caller's business; stores keep what they are given).
var staffHash = sync.OnceValue(func() string {
	h, err := office.HashPassword("correct horse battery")
	if err != nil {
		panic(err)
	}
	return h
})

func testStaffUsers(t *testing.T, s office.Store) {
	ctx := context.Background()
	admin, err := s.AddUser(ctx, office.StaffUser{Name: "admin", Role: office.RoleAdmin, PasswordHash: staffHash()}, audit("", "", "user.add"))
	if err != nil {
		t.Fatal(err)
	}
	unit, err := s.AddUser(ctx, office.StaffUser{Name: "张伟.water", Role: office.RoleUnit, Unit: "water", PasswordHash: staffHash(), Created: T0},
		audit("admin", office.RoleAdmin, "user.add"))
	if err != nil {
		t.Fatal(err)
	}
	if admin.ID == 0 || unit.ID == admin.ID || !admin.Created.Equal(T0) || !admin.PasswordChanged.Equal(T0) {
		t.Errorf("added %+v and %+v", admin, unit)
	}
	got, err := s.UserByName(ctx, "张伟.water")
	if err != nil || got.ID != unit.ID || got.Role != office.RoleUnit || got.Unit != "water" || !got.Active() ||
		!office.CheckPassword(got.PasswordHash, "correct horse battery") {
		t.Errorf("UserByName = %+v, %v", got, err)
	}
	if got, err := s.User(ctx, admin.ID); err != nil || got.Name != "admin" {
		t.Errorf("User(%d) = %+v, %v", admin.ID, got, err)
	}
	for _, err := range []error{
		func() error { _, err := s.User(ctx, 999); return err }(),
		func() error { _, err := s.UserByName(ctx, "nobody"); return err }(),
	} {
		if bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
			t.Errorf("unknown account: %v", err)
		}
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "admin" {
		t.Errorf("Users = %+v, %v", users, err)
	}

	// A new password ends the account's other sessions, not the one kept.
	keep, other := office.SessionHash("keep"), office.SessionHash("other")
	for _, h := range [][32]byte{keep, other} {
		if err := s.CreateSession(ctx, office.Session{Hash: h, UserID: unit.ID, Created: T0, Expires: T0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	newHash, _ := office.HashPassword("a new password 2")
	if err := s.SetPassword(ctx, unit.ID, newHash, T0.Add(time.Hour), keep, audit("张伟.water", office.RoleUnit, "user.password")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, other); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("the other session survived a password change: %v", err)
	}
	if _, u, err := s.Session(ctx, keep); err != nil || !office.CheckPassword(u.PasswordHash, "a new password 2") ||
		!u.PasswordChanged.Equal(T0.Add(time.Hour)) {
		t.Errorf("the kept session: %+v, %v", u, err)
	}
	// Disabling ends every session; enabling again restores the account.
	if err := s.SetDisabled(ctx, unit.ID, T0.Add(2*time.Hour), audit("admin", office.RoleAdmin, "user.disable")); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, unit.ID); u.Active() || !u.Disabled.Equal(T0.Add(2*time.Hour)) {
		t.Errorf("disabled account = %+v", u)
	}
	if _, _, err := s.Session(ctx, keep); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("a session survived disabling: %v", err)
	}
	if err := s.SetDisabled(ctx, unit.ID, time.Time{}, audit("admin", office.RoleAdmin, "user.enable")); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, unit.ID); !u.Active() {
		t.Errorf("enabled account = %+v", u)
	}
	if c := counts(t, s); c.StaffUsers != 2 || c.AuditEntries != 5 || c.Sessions != 0 {
		t.Errorf("counts: %+v", c)
	}
}

func testStaffUserRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	if _, err := s.AddUser(ctx, office.StaffUser{Name: "clerk", Role: office.RoleClerk, PasswordHash: staffHash()}, audit("", "", "user.add")); err != nil {
		t.Fatal(err)
	}
	before := counts(t, s)
	a := audit("", "", "user.add")
	for _, tc := range []struct {
		name string
		u    office.StaffUser
		a    office.AuditEntry
		code string
	}{
		{"name taken", office.StaffUser{Name: "clerk", Role: office.RoleAdmin, PasswordHash: staffHash()}, a, bianmin.ECONFLICT},
		{"bad name", office.StaffUser{Name: "a b", Role: office.RoleClerk, PasswordHash: staffHash()}, a, bianmin.EINVALID},
		{"one character", office.StaffUser{Name: "a", Role: office.RoleClerk, PasswordHash: staffHash()}, a, bianmin.EINVALID},
		{"unknown role", office.StaffUser{Name: "boss", Role: "root", PasswordHash: staffHash()}, a, bianmin.EINVALID},
		{"unit without unit", office.StaffUser{Name: "u1", Role: office.RoleUnit, PasswordHash: staffHash()}, a, bianmin.EINVALID},
		{"clerk with unit", office.StaffUser{Name: "u2", Role: office.RoleClerk, Unit: "water", PasswordHash: staffHash()}, a, bianmin.EINVALID},
		{"no password", office.StaffUser{Name: "u3", Role: office.RoleClerk}, a, bianmin.EINVALID},
		{"audit without action", office.StaffUser{Name: "u4", Role: office.RoleClerk, PasswordHash: staffHash()}, office.AuditEntry{At: T0}, bianmin.EINVALID},
	} {
		if _, err := s.AddUser(ctx, tc.u, tc.a); bianmin.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := s.SetPassword(ctx, 999, staffHash(), T0, [32]byte{}, a); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("SetPassword of an unknown account: %v", err)
	}
	if err := s.SetDisabled(ctx, 999, T0, a); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("SetDisabled of an unknown account: %v", err)
	}
	if err := s.CreateSession(ctx, office.Session{Hash: office.SessionHash("x"), UserID: 999, Created: T0, Expires: T0.Add(time.Hour)}); err == nil {
		t.Error("a session of an unknown account was created")
	}
	if c := counts(t, s); c != before {
		t.Errorf("refusals changed counts %+v → %+v", before, c)
	}
}

func testSessions(t *testing.T, s office.Store) {
	ctx := context.Background()
	u, err := s.AddUser(ctx, office.StaffUser{Name: "clerk", Role: office.RoleClerk, PasswordHash: staffHash()}, audit("", "", "user.add"))
	if err != nil {
		t.Fatal(err)
	}
	h := office.SessionHash("s1")
	ss := office.Session{Hash: h, UserID: u.ID, Created: T0, Expires: T0.Add(12 * time.Hour), IP: "192.0.2.7"}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, ss); bianmin.ErrorCode(err) != bianmin.ECONFLICT {
		t.Errorf("the same session twice: %v", err)
	}
	got, gu, err := s.Session(ctx, h)
	if err != nil || got.UserID != u.ID || !got.Created.Equal(T0) || !got.LastSeen.Equal(T0) || !got.Expires.Equal(T0.Add(12*time.Hour)) ||
		got.IP != "192.0.2.7" || gu.Name != "clerk" || gu.Role != office.RoleClerk {
		t.Errorf("Session = %+v %+v, %v", got, gu, err)
	}
	if err := s.TouchSession(ctx, h, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Session(ctx, h); !got.LastSeen.Equal(T0.Add(time.Hour)) {
		t.Errorf("LastSeen after Touch = %v", got.LastSeen)
	}
	if err := s.TouchSession(ctx, office.SessionHash("none"), T0); err != nil {
		t.Errorf("Touch of an unknown session: %v", err)
	}
	// Pruning: one idle too long, one expired, one alive.
	idle, expired := office.SessionHash("idle"), office.SessionHash("expired")
	s.CreateSession(ctx, office.Session{Hash: idle, UserID: u.ID, Created: T0, Expires: T0.Add(12 * time.Hour)})
	s.CreateSession(ctx, office.Session{Hash: expired, UserID: u.ID, Created: T0.Add(-13 * time.Hour), LastSeen: T0.Add(time.Hour), Expires: T0.Add(-time.Hour)})
	n, err := s.PruneSessions(ctx, T0, T0.Add(30*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("PruneSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := s.Session(ctx, h); err != nil {
		t.Errorf("the live session was pruned: %v", err)
	}
	if err := s.DeleteSession(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(ctx, h); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Session after Delete: %v", err)
	}
	if err := s.DeleteSession(ctx, h); err != nil {
		t.Errorf("Delete twice: %v", err)
	}
}

func testAuditLog(t *testing.T, s office.Store) {
	ctx := context.Background()
	for i, e := range []office.AuditEntry{
		{Actor: "admin", Action: "login"},
		{Actor: "clerk", Action: "ticket.accept", Subject: "T1", Before: "状态：已提交", After: "状态：已受理"},
		{Actor: "clerk", Action: "ticket.dispatch", Subject: "T1"},
		{Actor: "clerk", Action: "tickets", Subject: "T2"},
		{Actor: "admin", Action: "application.reveal_id", Subject: "A1"},
	} {
		e.At, e.Role, e.IP = T0.Add(time.Duration(i)*time.Minute), office.RoleClerk, "192.0.2.1"
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	actions := func(f office.AuditFilter) []string {
		t.Helper()
		es, err := s.AuditLog(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    office.AuditFilter
		want []string
	}{
		{"all newest first", office.AuditFilter{}, []string{"application.reveal_id", "tickets", "ticket.dispatch", "ticket.accept", "login"}},
		{"by actor", office.AuditFilter{Actor: "admin"}, []string{"application.reveal_id", "login"}},
		{"by subject", office.AuditFilter{Subject: "T1"}, []string{"ticket.dispatch", "ticket.accept"}},
		{"action group", office.AuditFilter{Action: "ticket."}, []string{"ticket.dispatch", "ticket.accept"}},
		{"one action", office.AuditFilter{Action: "login"}, []string{"login"}},
		{"wildcards are text", office.AuditFilter{Action: "%."}, nil},
		{"paged", office.AuditFilter{Limit: 2}, []string{"application.reveal_id", "tickets"}},
	} {
		if got := actions(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	page, _ := s.AuditLog(ctx, office.AuditFilter{Limit: 2})
	if got := actions(office.AuditFilter{BeforeID: page[1].ID}); !slices.Equal(got, []string{"ticket.dispatch", "ticket.accept", "login"}) {
		t.Errorf("next page: %v", got)
	}
	es, _ := s.AuditLog(ctx, office.AuditFilter{Action: "ticket.accept"})
	if len(es) != 1 || es[0].Before != "状态：已提交" || es[0].After != "状态：已受理" || es[0].Subject != "T1" ||
		!es[0].At.Equal(T0.Add(time.Minute)) || es[0].IP != "192.0.2.1" {
		t.Errorf("entry = %+v", es)
	}
	before := counts(t, s)
	if err := s.Audit(ctx, office.AuditEntry{Action: "x"}); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("an entry without a time: %v", err)
	}
	if c := counts(t, s); c != before {
		t.Errorf("a refused entry changed counts")
	}
}

// caseFixture ingests n tickets and one application from a kiosk and
// publishes the units.
func caseFixture(t *testing.T, s office.Store, n int) (tickets []*bianmin.Ticket, app *bianmin.Application) {
	t.Helper()
	k := enroll(t, s, "k")
	sk := sim()
	var recs []wire.Record
	for i := range n {
		tk := sk.SampleData(bianmin.KindTicket, int64(i+1), 0).(*bianmin.Ticket)
		tickets = append(tickets, tk)
		recs = append(recs, sk.Record(bianmin.KindTicket, tk))
	}
	app = sk.SampleData(bianmin.KindApplication, int64(n+1), 0).(*bianmin.Application)
	recs = append(recs, sk.Record(bianmin.KindApplication, app))
	ingest(t, s, k, recs...)
	PublishUnits(t, s)
	return tickets, app
}

// advance makes tr and fails the test on an error.
func advance(t *testing.T, s office.Store, tr office.Transition) bianmin.Status {
	t.Helper()
	st, err := s.Advance(context.Background(), tr)
	if err != nil {
		t.Fatalf("Advance(%s → %s): %v", tr.Number, tr.State, err)
	}
	return st
}

// legal fills in what each target state needs.
func legal(number, state string, at time.Time) office.Transition {
	tr := office.Transition{Number: number, State: state, At: at}
	switch state {
	case bianmin.StateDispatched:
		tr.Unit, tr.Deadline = "water", at.Add(72*time.Hour)
	case bianmin.StateResolved:
		tr.Result = "已更换水表阀门，恢复供水"
	case bianmin.StateCalledBack:
		tr.Rating = 5
	case bianmin.StateRejected:
		tr.Reason = "身份信息与户籍不符"
	}
	return tr
}

// TicketPaths lists, for every ticket state, the legal steps that bring a
// submitted ticket to it.
var TicketPaths = map[string][]string{
	bianmin.StateSubmitted:  {},
	bianmin.StateAccepted:   {bianmin.StateAccepted},
	bianmin.StateDispatched: {bianmin.StateAccepted, bianmin.StateDispatched},
	bianmin.StateResolved:   {bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateResolved},
	bianmin.StateCalledBack: {bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateResolved, bianmin.StateCalledBack},
	bianmin.StateClosed:     {bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateResolved, bianmin.StateCalledBack, bianmin.StateClosed},
	bianmin.StateReopened:   {bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateResolved, bianmin.StateReopened},
	bianmin.StateDuplicate:  {bianmin.StateDuplicate},
}

// testTransitionTable walks every pair of ticket states: from a ticket
// brought to state from by legal steps, each target is made exactly when
// the table allows it, and a refusal is ECONFLICT and changes nothing.
func testTransitionTable(t *testing.T, s office.Store) {
	ctx := context.Background()
	n := len(bianmin.TicketStates) * len(bianmin.TicketStates)
	tickets, _ := caseFixture(t, s, n+1)
	original := tickets[n].Number // what duplicates point at
	i := 0
	for _, from := range bianmin.TicketStates {
		for _, to := range bianmin.TicketStates {
			number := tickets[i].Number
			i++
			at := T0.Add(time.Hour)
			for _, step := range TicketPaths[from] {
				tr := legal(number, step, at)
				tr.DuplicateOf = original
				advance(t, s, tr)
				at = at.Add(time.Minute)
			}
			tr := legal(number, to, at)
			tr.DuplicateOf = original
			before := counts(t, s)
			_, err := s.Advance(ctx, tr)
			allowed := office.CanTransition(bianmin.KindTicket, from, to)
			switch {
			case allowed && err != nil:
				t.Errorf("%s → %s refused: %v", from, to, err)
			case !allowed && bianmin.ErrorCode(err) != bianmin.ECONFLICT:
				t.Errorf("%s → %s: %v, want %s", from, to, err, bianmin.ECONFLICT)
			case !allowed:
				if c := counts(t, s); c != before {
					t.Errorf("refused %s → %s changed counts", from, to)
				}
				if ti, _ := s.Ticket(ctx, number); ti.State != from {
					t.Errorf("refused %s → %s left state %s", from, to, ti.State)
				}
			}
		}
	}
	// The two refusals issue 6 names, with messages that say why.
	for _, tc := range []struct {
		tr   office.Transition
		want string
	}{
		{legal(caseTicketIn(t, s, tickets, bianmin.StateAccepted), bianmin.StateResolved, T0.Add(2*time.Hour)), "须先派单"},
		{legal(caseTicketIn(t, s, tickets, bianmin.StateDispatched), bianmin.StateReopened, T0.Add(2*time.Hour)), "只有已办结"},
	} {
		_, err := s.Advance(ctx, tc.tr)
		if bianmin.ErrorCode(err) != bianmin.ECONFLICT || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v, want a conflict saying %q", tc.tr.Number, tc.tr.State, err, tc.want)
		}
	}
}

// caseTicketIn returns the number of a ticket now in state.
func caseTicketIn(t *testing.T, s office.Store, tickets []*bianmin.Ticket, state string) string {
	t.Helper()
	for _, tk := range tickets {
		if ti, _ := s.Ticket(context.Background(), tk.Number); ti.State == state {
			return tk.Number
		}
	}
	t.Fatalf("no ticket in state %s", state)
	return ""
}

func testTransitionFields(t *testing.T, s office.Store) {
	ctx := context.Background()
	tickets, app := caseFixture(t, s, 3)
	at := T0.Add(time.Hour)
	a, b := tickets[0].Number, tickets[1].Number
	advance(t, s, legal(a, bianmin.StateAccepted, at))
	before := counts(t, s)
	for _, tc := range []struct {
		name string
		tr   office.Transition
		code string
	}{
		{"dispatch without a unit", office.Transition{Number: a, State: bianmin.StateDispatched, At: at, Deadline: at.Add(time.Hour)}, bianmin.EINVALID},
		{"dispatch to an unpublished unit", office.Transition{Number: a, State: bianmin.StateDispatched, At: at, Unit: "nope", Deadline: at.Add(time.Hour)}, bianmin.EINVALID},
		{"dispatch without a deadline", office.Transition{Number: a, State: bianmin.StateDispatched, At: at, Unit: "water"}, bianmin.EINVALID},
		{"deadline in the past", office.Transition{Number: a, State: bianmin.StateDispatched, At: at, Unit: "water", Deadline: at.Add(-time.Hour)}, bianmin.EINVALID},
		{"duplicate of nothing", office.Transition{Number: a, State: bianmin.StateDuplicate, At: at, DuplicateOf: "T20261125-000000-0099"}, bianmin.EINVALID},
		{"duplicate of itself", office.Transition{Number: a, State: bianmin.StateDuplicate, At: at, DuplicateOf: a}, bianmin.EINVALID},
		{"duplicate of no number", office.Transition{Number: a, State: bianmin.StateDuplicate, At: at, DuplicateOf: "x"}, bianmin.EINVALID},
		{"reject without a reason", office.Transition{Number: app.Number, State: bianmin.StateRejected, At: at}, bianmin.EINVALID},
		{"audit entry without action", office.Transition{Number: a, State: bianmin.StateDuplicate, At: at, DuplicateOf: b, Audit: &office.AuditEntry{At: at}}, bianmin.EINVALID},
	} {
		if _, err := s.Advance(ctx, tc.tr); bianmin.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("refusals changed counts %+v → %+v", before, c)
	}

	// A dispatch with its audit entry: both in one transaction, before and
	// after described.
	e := audit("clerk", office.RoleClerk, "ticket.dispatch")
	tr := legal(a, bianmin.StateDispatched, at)
	tr.Audit = &e
	advance(t, s, tr)
	es, _ := s.AuditLog(ctx, office.AuditFilter{Subject: a})
	if len(es) != 1 || es[0].Action != "ticket.dispatch" || es[0].Actor != "clerk" || !strings.Contains(es[0].Before, "已受理") ||
		!strings.Contains(es[0].After, "已派单") || !strings.Contains(es[0].After, "water") {
		t.Errorf("audit of the dispatch: %+v", es)
	}
	// Re-dispatch to another unit, resolve, duplicate then reopen.
	tr = legal(a, bianmin.StateDispatched, at.Add(time.Minute))
	tr.Unit = "street"
	advance(t, s, tr)
	advance(t, s, legal(a, bianmin.StateResolved, at.Add(2*time.Minute)))
	if ti, _ := s.Ticket(ctx, a); ti.UnitID != "street" || ti.Result != "已更换水表阀门，恢复供水" || !ti.ResolvedAt.Equal(at.Add(2*time.Minute)) {
		t.Errorf("resolved ticket = %+v", ti)
	}
	advance(t, s, office.Transition{Number: b, State: bianmin.StateDuplicate, At: at, DuplicateOf: a})
	if ti, _ := s.Ticket(ctx, b); ti.DuplicateOf != a || ti.State != bianmin.StateDuplicate {
		t.Errorf("duplicate = %+v", ti)
	}
	advance(t, s, legal(b, bianmin.StateReopened, at))
	if ti, _ := s.Ticket(ctx, b); ti.DuplicateOf != "" || ti.State != bianmin.StateReopened {
		t.Errorf("reopened duplicate = %+v", ti)
	}

	// An application rejected: the fee is due for refund.
	advance(t, s, legal(app.Number, bianmin.StateAccepted, at))
	advance(t, s, legal(app.Number, bianmin.StateRejected, at))
	if ai, _ := s.Application(ctx, app.Number); ai.RejectReason != "身份信息与户籍不符" || ai.RefundDueFen != bianmin.TempIDFeeFen || !ai.Updated.Equal(at) {
		t.Errorf("rejected application = %+v", ai)
	}
}

func testUnitScope(t *testing.T, s office.Store) {
	ctx := context.Background()
	tickets, app := caseFixture(t, s, 2)
	at := T0.Add(time.Hour)
	a := tickets[0].Number
	advance(t, s, legal(a, bianmin.StateAccepted, at))
	advance(t, s, legal(a, bianmin.StateDispatched, at)) // to water
	before := counts(t, s)
	for _, tr := range []office.Transition{
		{Number: a, State: bianmin.StateResolved, At: at, Result: "已处理", Scope: "street"},
		{Number: tickets[1].Number, State: bianmin.StateAccepted, At: at, Scope: "water"},
		{Number: app.Number, State: bianmin.StateAccepted, At: at, Scope: "water"},
	} {
		if _, err := s.Advance(ctx, tr); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
			t.Errorf("%s by unit %s: %v, want %s", tr.Number, tr.Scope, err, bianmin.ENOTFOUND)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("out-of-scope changes changed counts")
	}
	advance(t, s, office.Transition{Number: a, State: bianmin.StateResolved, At: at, Result: "已处理", Scope: "water"})
}

func numbers(ts []office.TicketInfo) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Number)
	}
	return out
}

func testTicketLists(t *testing.T, s office.Store) {
	ctx := context.Background()
	// Tickets a minute apart, so "newest first" is well defined.
	k := enroll(t, s, "k")
	clock := T0
	sk := &Kiosk{Now: func() time.Time { return clock }}
	var all []string
	var recs []wire.Record
	for i := range 12 {
		clock = T0.Add(time.Duration(i) * time.Minute)
		tk := sk.SampleData(bianmin.KindTicket, int64(i+1), 0).(*bianmin.Ticket)
		if i%3 == 0 {
			tk.Community = "haicheng"
		}
		all = append(all, tk.Number)
		recs = append(recs, sk.Record(bianmin.KindTicket, tk))
	}
	ingest(t, s, k, recs...)
	PublishUnits(t, s)
	at := T0.Add(time.Hour)
	// 0 and 1 dispatched to water (0 due soon, 1 later), 2 to street, 3 closed.
	for i, unit := range map[int]string{0: "water", 1: "water", 2: "street"} {
		advance(t, s, legal(all[i], bianmin.StateAccepted, at))
		tr := legal(all[i], bianmin.StateDispatched, at)
		tr.Unit, tr.Deadline = unit, at.Add(time.Duration(i+1)*time.Hour)
		advance(t, s, tr)
	}
	for _, st := range []string{bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateResolved, bianmin.StateCalledBack, bianmin.StateClosed} {
		advance(t, s, legal(all[3], st, at))
	}
	rev := func(idx ...int) []string {
		out := []string{}
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	cat := tickets0Category(t, s, all[4])
	var sameCat []int
	for i := 11; i >= 0; i-- {
		if tickets0Category(t, s, all[i]) == cat {
			sameCat = append(sameCat, i)
		}
	}
	for _, tc := range []struct {
		name  string
		f     office.TicketFilter
		want  []string
		total int
	}{
		{"newest first, paged", office.TicketFilter{Limit: 3}, rev(11, 10, 9), 12},
		{"second page", office.TicketFilter{Limit: 3, Offset: 3}, rev(8, 7, 6), 12},
		{"by state", office.TicketFilter{State: bianmin.StateDispatched}, rev(2, 1, 0), 3},
		{"by unit (closed ones too)", office.TicketFilter{Unit: "water"}, rev(3, 1, 0), 3},
		{"by community", office.TicketFilter{Community: "haicheng"}, rev(9, 6, 3, 0), 4},
		{"by category", office.TicketFilter{Category: cat}, rev(sameCat...), len(sameCat)},
		{"open", office.TicketFilter{Open: true, Limit: 100}, rev(11, 10, 9, 8, 7, 6, 5, 4, 2, 1, 0), 11},
		{"overdue, most overdue first", office.TicketFilter{Overdue: true, Now: at.Add(150 * time.Minute)}, rev(0, 1), 2},
		{"overdue and unit", office.TicketFilter{Overdue: true, Now: at.Add(4 * time.Hour), Unit: "street"}, rev(2), 1},
		{"nothing", office.TicketFilter{Unit: "heating"}, []string{}, 0},
	} {
		page, err := s.Tickets(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := numbers(page.Tickets); !slices.Equal(got, tc.want) || page.Total != tc.total {
			t.Errorf("%s: %v (total %d), want %v (total %d)", tc.name, got, page.Total, tc.want, tc.total)
		}
	}
	page, _ := s.Tickets(ctx, office.TicketFilter{Unit: "water", Limit: 1})
	if ti := page.Tickets[0]; ti.UnitID != "water" || ti.Deadline.IsZero() || ti.Phone != SecretPhone || len(ti.Phrases) == 0 {
		t.Errorf("listed ticket = %+v", ti)
	}
	for _, f := range []office.TicketFilter{{State: "nope"}, {Overdue: true}} {
		if _, err := s.Tickets(ctx, f); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("Tickets(%+v) = %v, want %s", f, err, bianmin.EINVALID)
		}
	}
}

func tickets0Category(t *testing.T, s office.Store, number string) string {
	t.Helper()
	ti, err := s.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return ti.Category
}

func testApplicationLists(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	clock := T0
	sk := &Kiosk{Now: func() time.Time { return clock }}
	var nums []string
	for i := range 4 {
		clock = T0.Add(time.Duration(i) * time.Minute)
		ap := sk.SampleData(bianmin.KindApplication, int64(i+1), 0).(*bianmin.Application)
		nums = append(nums, ap.Number)
		ingest(t, s, k, sk.Record(bianmin.KindApplication, ap))
	}
	at := T0.Add(time.Hour)
	advance(t, s, legal(nums[1], bianmin.StateRejected, at))
	advance(t, s, legal(nums[2], bianmin.StateAccepted, at))
	for _, tc := range []struct {
		name  string
		f     office.ApplicationFilter
		want  []string
		total int
	}{
		{"newest first", office.ApplicationFilter{Limit: 2}, []string{nums[3], nums[2]}, 4},
		{"by state", office.ApplicationFilter{State: bianmin.StateAccepted}, []string{nums[2]}, 1},
		{"refund due", office.ApplicationFilter{RefundDue: true}, []string{nums[1]}, 1},
	} {
		page, err := s.Applications(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range page.Applications {
			got = append(got, a.Number)
		}
		if !slices.Equal(got, tc.want) || page.Total != tc.total {
			t.Errorf("%s: %v (%d), want %v (%d)", tc.name, got, page.Total, tc.want, tc.total)
		}
	}
	page, _ := s.Applications(ctx, office.ApplicationFilter{RefundDue: true})
	if a := page.Applications[0]; a.IDNumber != bianmin.NormalizeIDNumber(SecretIDNumber) || a.RefundDueFen != bianmin.TempIDFeeFen {
		t.Errorf("listed application = %+v", a)
	}
	if _, err := s.Applications(ctx, office.ApplicationFilter{State: "dispatched"}); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("a ticket state: %v", err)
	}
}

func testTicketStats(t *testing.T, s office.Store) {
	ctx := context.Background()
	tickets, app := caseFixture(t, s, 6)
	k := enroll(t, s, "rater")
	sk := sim()
	var ratings []wire.Record
	for _, level := range []int{5, 4, 1} {
		ratings = append(ratings, sk.Record(bianmin.KindRating, &bianmin.Rating{Record: "guide-x", Service: "guide", Level: level}))
	}
	ingest(t, s, k, ratings...)
	at := T0.Add(time.Hour)
	// 0: resolved after 1 h (created T0, resolved T0+1h); 1: resolved after 3 h
	// then closed; 2: dispatched, overdue at now; 3: duplicate.
	for i, resolveAt := range []time.Time{T0.Add(time.Hour), T0.Add(3 * time.Hour)} {
		n := tickets[i].Number
		advance(t, s, legal(n, bianmin.StateAccepted, T0.Add(time.Minute)))
		advance(t, s, legal(n, bianmin.StateDispatched, T0.Add(time.Minute)))
		advance(t, s, legal(n, bianmin.StateResolved, resolveAt))
	}
	advance(t, s, legal(tickets[1].Number, bianmin.StateCalledBack, at.Add(3*time.Hour)))
	advance(t, s, legal(tickets[1].Number, bianmin.StateClosed, at.Add(3*time.Hour)))
	advance(t, s, legal(tickets[2].Number, bianmin.StateAccepted, at))
	tr := legal(tickets[2].Number, bianmin.StateDispatched, at)
	tr.Deadline = at.Add(time.Hour)
	advance(t, s, tr)
	advance(t, s, office.Transition{Number: tickets[3].Number, State: bianmin.StateDuplicate, At: at, DuplicateOf: tickets[4].Number})
	advance(t, s, legal(app.Number, bianmin.StateRejected, at))

	now := at.Add(2 * time.Hour)
	st, err := s.TicketStats(ctx, now, T0)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]int{}
	for _, c := range st.Open {
		open[c.State] += c.Count
	}
	if fmt.Sprint(open) != fmt.Sprint(map[string]int{"dispatched": 1, "resolved": 1, "submitted": 2}) {
		t.Errorf("open by state = %v (%+v)", open, st.Open)
	}
	if st.Overdue != 1 || st.Resolved != 2 || st.AvgResolve != 2*time.Hour || st.Ratings != [5]int{1, 0, 0, 1, 1} ||
		st.ApplicationsOpen != 0 || st.RefundsDue != 1 {
		t.Errorf("stats = %+v", st)
	}
	// Resolutions before since are not this month's.
	if st, _ := s.TicketStats(ctx, now, T0.Add(2*time.Hour)); st.Resolved != 1 || st.AvgResolve != 3*time.Hour || st.Ratings != [5]int{} {
		t.Errorf("stats since T0+2h = %+v", st)
	}
}
