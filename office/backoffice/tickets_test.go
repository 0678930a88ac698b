package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
)

// bring moves a ticket to state through the store, by legal steps.
func (e *officeEnv) bring(t *testing.T, number, state, duplicateOf string) {
	t.Helper()
	at := e.clock.Now()
	for _, s := range officetest.TicketPaths[state] {
		tr := office.Transition{Number: number, State: s, At: at, Unit: "water", Deadline: at.Add(72 * time.Hour),
			Result: "已修复", Rating: 5, DuplicateOf: duplicateOf}
		if _, err := e.store.Advance(context.Background(), tr); err != nil {
			t.Fatalf("bring %s to %s: %v", number, state, err)
		}
	}
}

// actionForm is a complete form of each action.
func actionForm(action, duplicateOf string, now time.Time) url.Values {
	switch action {
	case "dispatch":
		return url.Values{"unit": {"water"}, "deadline": {now.Add(72 * time.Hour).In(office.ChinaTime).Format("2006-01-02T15:04")}}
	case "resolve":
		return url.Values{"result": {"已更换阀门，恢复供水"}}
	case "callback":
		return url.Values{"rating": {"4"}}
	case "duplicate":
		return url.Values{"duplicate_of": {duplicateOf}}
	case "reopen":
		return url.Values{"reason": {"居民反映仍未修好"}}
	}
	return url.Values{}
}

var actions = []string{"accept", "dispatch", "resolve", "callback", "close", "reopen", "duplicate"}

var actionState = map[string]string{
	"accept": bianmin.StateAccepted, "dispatch": bianmin.StateDispatched, "resolve": bianmin.StateResolved,
	"callback": bianmin.StateCalledBack, "close": bianmin.StateClosed, "reopen": bianmin.StateReopened,
	"duplicate": bianmin.StateDuplicate,
}

// TestTicketTransitions posts every action on a ticket in every state, as
// a clerk: the legal ones (office.CanTransition) are made, reach the feed
// and the audit log; the illegal ones are refused with 409 and a message
// saying what is allowed, and change nothing.
func TestTicketTransitions(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	n := len(bianmin.TicketStates) * len(actions)
	numbers := e.tickets(t, n+1)
	original := numbers[n]
	b := e.login(t, "clerk")
	i := 0
	for _, from := range bianmin.TicketStates {
		for _, action := range actions {
			number := numbers[i]
			i++
			to := actionState[action]
			t.Run(from+" "+action, func(t *testing.T) {
				e.bring(t, number, from, original)
				b.get("/staff/tickets/" + number)
				before := e.counts(t)
				status, loc, body := b.post("/staff/tickets/"+number+"/"+action, actionForm(action, original, e.clock.Now()))
				ti := e.ticket(t, number)
				if office.CanTransition(bianmin.KindTicket, from, to) {
					if status != http.StatusSeeOther || loc != "/staff/tickets/"+number {
						t.Fatalf("legal %s → %s: %d %q\n%s", from, to, status, loc, body)
					}
					if ti.State != to {
						t.Errorf("state %s, want %s", ti.State, to)
					}
					// The status reached the feed kiosks pull, and the audit log.
					p, _ := e.store.Progress(context.Background(), number)
					if last := p.Timeline[len(p.Timeline)-1]; last.State != to || last.Note == "" {
						t.Errorf("timeline ends %+v", last)
					}
					es, _ := e.store.AuditLog(context.Background(), office.AuditFilter{Subject: number, Action: "ticket." + action})
					if len(es) != 1 || es[0].Actor != "clerk" || !strings.Contains(es[0].After, bianmin.StateLabel(to)) ||
						!strings.Contains(es[0].Before, bianmin.StateLabel(from)) {
						t.Errorf("audit: %+v", es)
					}
					// The flash message on the next page.
					if _, _, page := b.get(loc); !strings.Contains(page, "已"+office.ActionLabel(bianmin.KindTicket, to)) {
						t.Errorf("no flash message after %s", action)
					}
					return
				}
				if status != http.StatusConflict || !strings.Contains(body, "不能"+office.ActionLabel(bianmin.KindTicket, to)) {
					t.Errorf("illegal %s → %s: %d\n%s", from, to, status, body)
				}
				if ti.State != from {
					t.Errorf("illegal change left state %s", ti.State)
				}
				if c := e.counts(t); c != before {
					t.Errorf("illegal change changed counts %+v → %+v", before, c)
				}
			})
		}
	}
}

// The two refusals issue 6 names, with the reason on the page.
func TestIllegalTransitionMessages(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 2)
	b := e.login(t, "clerk")
	e.bring(t, numbers[0], bianmin.StateAccepted, "")
	b.get("/staff/tickets/" + numbers[0])
	status, _, body := b.post("/staff/tickets/"+numbers[0]+"/resolve", actionForm("resolve", "", e.clock.Now()))
	if status != http.StatusConflict || !strings.Contains(body, "不能办结：须先派单给成员单位") {
		t.Errorf("resolve before dispatch: %d\n%s", status, body)
	}
	status, _, body = b.post("/staff/tickets/"+numbers[1]+"/reopen", nil)
	if status != http.StatusConflict || !strings.Contains(body, "只有已办结、已回访、已关闭或重复的工单才能重新办理") {
		t.Errorf("reopen a never-closed ticket: %d\n%s", status, body)
	}
}

// Bad input on a legal change: refused with 422 and the form's problem.
func TestTicketActionInput(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 2)
	e.bring(t, numbers[0], bianmin.StateAccepted, "")
	e.bring(t, numbers[1], bianmin.StateDispatched, "")
	b := e.login(t, "clerk")
	b.get("/staff/tickets/" + numbers[0])
	now := e.clock.Now().In(office.ChinaTime)
	before := e.counts(t)
	for _, tc := range []struct {
		name, action string
		form         url.Values
		want         string
	}{
		{"no unit", "dispatch", url.Values{"deadline": {now.Add(time.Hour).Format("2006-01-02T15:04")}}, "须选择承办的成员单位"},
		{"unknown unit", "dispatch", url.Values{"unit": {"nope"}, "deadline": {now.Add(time.Hour).Format("2006-01-02T15:04")}}, "不存在"},
		{"no deadline", "dispatch", url.Values{"unit": {"water"}}, "请填写办结时限"},
		{"deadline passed", "dispatch", url.Values{"unit": {"water"}, "deadline": {now.Add(-time.Hour).Format("2006-01-02T15:04")}}, "晚于现在"},
		{"duplicate of itself", "duplicate", url.Values{"duplicate_of": {numbers[0]}}, "不能与自己重复"},
		{"duplicate of nothing", "duplicate", url.Values{"duplicate_of": {"T20261125-000000-0009"}}, "不存在"},
		{"duplicate of no number", "duplicate", url.Values{"duplicate_of": {"12"}}, "原工单编号"},
	} {
		status, _, body := b.post("/staff/tickets/"+numbers[0]+"/"+tc.action, tc.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want 422 saying %q", tc.name, status, tc.want)
		}
	}
	for _, tc := range []struct {
		name, action string
		form         url.Values
	}{
		{"empty result", "resolve", url.Values{"result": {"  "}}},
		{"result too long", "resolve", url.Values{"result": {strings.Repeat("修", office.MaxResultLen+1)}}},
		{"control characters", "resolve", url.Values{"result": {"已修复\x00"}}},
	} {
		if status, _, _ := b.post("/staff/tickets/"+numbers[1]+"/"+tc.action, tc.form); status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", tc.name, status)
		}
	}
	if c := e.counts(t); c != before {
		t.Errorf("refused input changed counts")
	}
	for _, path := range []string{"/staff/tickets/" + numbers[0] + "/explode", "/staff/tickets/T20261125-000000-0009/accept", "/staff/tickets/nonsense/accept"} {
		if status, _, _ := b.post(path, nil); status != http.StatusNotFound {
			t.Errorf("POST %s: %d", path, status)
		}
	}
}

// TestUnitScope: unit staff see and resolve only the tickets dispatched to
// their unit; any other ticket, guessed by number, is a 404 exactly like a
// number that does not exist.
func TestUnitScope(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 3)
	mine, theirs, undispatched := numbers[0], numbers[1], numbers[2]
	e.bring(t, mine, bianmin.StateDispatched, "")
	e.bring(t, theirs, bianmin.StateAccepted, "")
	if _, err := e.store.Advance(context.Background(), office.Transition{Number: theirs, State: bianmin.StateDispatched,
		At: e.clock.Now(), Unit: "street", Deadline: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, "water")
	_, _, list := b.get("/staff/tickets")
	if !strings.Contains(list, mine) || strings.Contains(list, theirs) || strings.Contains(list, undispatched) {
		t.Errorf("the unit's list:\n%s", list)
	}
	// Asking for another unit's tickets by the filter gives its own.
	if _, _, l := b.get("/staff/tickets?unit=street"); strings.Contains(l, theirs) {
		t.Error("the unit filter let a unit see another's tickets")
	}
	_, _, missing := b.get("/staff/tickets/T20261125-000000-0009")
	for _, n := range []string{theirs, undispatched} {
		status, _, body := b.get("/staff/tickets/" + n)
		if status != http.StatusNotFound || strings.Contains(body, n) || body != missing {
			t.Errorf("GET another's ticket %s: %d\n%s", n, status, body)
		}
		before := e.counts(t)
		if status, _, _ := b.post("/staff/tickets/"+n+"/resolve", url.Values{"result": {"已处理"}}); status != http.StatusNotFound {
			t.Errorf("resolve another's ticket %s: %d", n, status)
		}
		if e.counts(t) != before {
			t.Error("a refused resolve changed something")
		}
	}
	// Its own ticket: the unit records the result, and nothing else.
	status, _, body := b.get("/staff/tickets/" + mine)
	if status != http.StatusOK || !strings.Contains(body, `action="/staff/tickets/`+mine+`/resolve"`) ||
		strings.Contains(body, "/dispatch\"") {
		t.Errorf("own ticket page: %d", status)
	}
	if status, _, _ := b.post("/staff/tickets/"+mine+"/dispatch", actionForm("dispatch", "", e.clock.Now())); status != http.StatusForbidden {
		t.Errorf("a unit re-dispatching: %d", status)
	}
	if status, _, _ := b.post("/staff/tickets/"+mine+"/resolve", url.Values{"result": {"已更换水表"}}); status != http.StatusSeeOther {
		t.Errorf("the unit resolving its ticket: %d", status)
	}
	if ti := e.ticket(t, mine); ti.State != bianmin.StateResolved || ti.Result != "已更换水表" {
		t.Errorf("after the unit's 办结: %+v", ti)
	}
	// The desk's pages are not theirs.
	for _, path := range []string{"/staff/applications", "/staff/audit", "/staff/users"} {
		if status, _, _ := b.get(path); status != http.StatusNotFound {
			t.Errorf("unit staff GET %s: %d", path, status)
		}
	}
	if _, _, body := b.get("/staff/"); !strings.Contains(body, "哈尔滨供水集团南岗分公司") || strings.Contains(body, "/staff/applications") {
		t.Errorf("the unit's dashboard:\n%s", body)
	}
}

// TestRoles: pages for admins only are 404 to clerks.
func TestRoles(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	clerk := e.login(t, "clerk")
	for _, path := range []string{"/staff/audit", "/staff/users"} {
		if status, _, _ := clerk.get(path); status != http.StatusNotFound {
			t.Errorf("clerk GET %s: %d", path, status)
		}
	}
	if status, _, _ := clerk.post("/staff/users", url.Values{"name": {"x1"}, "role": {"admin"}, "password": {"p12345678"}, "again": {"p12345678"}}); status != http.StatusNotFound {
		t.Errorf("clerk adding an account: %d", status)
	}
	admin := e.login(t, "admin")
	for _, path := range []string{"/staff/audit", "/staff/users", "/staff/applications"} {
		if status, _, _ := admin.get(path); status != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, status)
		}
	}
}

// TestEscaping: what residents typed is shown as text, never as markup.
func TestEscaping(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	tk := &bianmin.Ticket{Category: "排水", Community: "huayuan", Building: "1", Unit: "1单元", Room: "101",
		Text: `<script>alert("x")</script><img src=x onerror=alert(1)>`, Phone: "13912345678"}
	if err := e.store.CreateMobileTicket(context.Background(), tk, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, "clerk")
	for _, path := range []string{"/staff/tickets/" + tk.Number, "/staff/tickets"} {
		_, _, body := b.get(path)
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
			t.Errorf("%s carries the markup raw", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s lacks the text escaped:\n%s", path, body)
		}
	}
	// In the list the phone is masked; on the ticket staff call it.
	if _, _, body := b.get("/staff/tickets"); strings.Contains(body, "13912345678") || !strings.Contains(body, "139****5678") {
		t.Error("the list does not mask the phone")
	}
}

func TestTicketListFilters(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 4)
	e.bring(t, numbers[0], bianmin.StateDispatched, "") // deadline +72 h, to water
	e.bring(t, numbers[1], bianmin.StateClosed, "")
	e.clock.Add(73 * time.Hour)
	b := e.login(t, "clerk")
	for _, tc := range []struct {
		query     string
		want, not []string
	}{
		{"overdue=1", numbers[:1], numbers[1:]},
		{"state=closed", numbers[1:2], []string{numbers[0], numbers[2]}},
		{"open=1", []string{numbers[0], numbers[2], numbers[3]}, numbers[1:2]},
		{"unit=water&state=dispatched", numbers[:1], numbers[1:]},
		{"category=排水", nil, numbers},
		{"community=huayuan", numbers, nil},
	} {
		status, _, body := b.get("/staff/tickets?" + tc.query)
		if status != http.StatusOK {
			t.Errorf("%s: %d", tc.query, status)
		}
		for _, n := range tc.want {
			if !strings.Contains(body, n) {
				t.Errorf("%s lacks %s", tc.query, n)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s lists %s", tc.query, n)
			}
		}
	}
	if _, _, body := b.get("/staff/tickets?overdue=1"); !strings.Contains(body, "超期") {
		t.Error("the overdue ticket is not flagged")
	}
	if status, _, _ := b.get("/staff/tickets?state=nope"); status != http.StatusBadRequest {
		t.Errorf("unknown state: %d", status)
	}
	// A number typed in the search box opens the ticket.
	if status, loc, _ := b.get("/staff/tickets?q=" + strings.ToLower(numbers[2])); status != http.StatusSeeOther || loc != "/staff/tickets/"+numbers[2] {
		t.Errorf("search by number: %d %q", status, loc)
	}
	// Paging: 60 more tickets make two pages.
	e.tickets(t, 60)
	_, _, p1 := b.get("/staff/tickets")
	_, _, p2 := b.get("/staff/tickets?page=2")
	if !strings.Contains(p1, "第 1 / 2 页") || !strings.Contains(p1, "page=2") || !strings.Contains(p2, "第 2 / 2 页") ||
		!strings.Contains(p2, numbers[0]) || strings.Contains(p1, numbers[0]+"<") {
		t.Errorf("paging:\n%s", p2)
	}
}
