package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

func TestApplicationPrivacy(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	a := e.application(t)
	full := bianmin.NormalizeIDNumber(a.IDNumber)
	masked := bianmin.MaskIDNumber(full)
	b := e.login(t, "clerk")

	// The list masks the ID number, the name and the phone.
	_, _, list := b.get("/staff/applications")
	if !strings.Contains(list, a.Number) || !strings.Contains(list, masked) || strings.Contains(list, full) ||
		strings.Contains(list, a.Name) || strings.Contains(list, a.Phone) {
		t.Errorf("the list shows personal data unmasked:\n%s", list)
	}
	// The detail page masks the number until it is asked for.
	_, _, detail := b.get("/staff/applications/" + a.Number)
	if strings.Contains(detail, full) || !strings.Contains(detail, masked) || !strings.Contains(detail, "查看完整号码") {
		t.Errorf("the detail page before the reveal:\n%s", detail)
	}
	// The reveal needs the form's token and is audited before it is shown.
	before := e.counts(t)
	if status, _, body := b.post("/staff/applications/"+a.Number+"/reveal", url.Values{"csrf": {""}}); status != http.StatusForbidden || strings.Contains(body, full) {
		t.Errorf("reveal without a token: %d", status)
	}
	if e.counts(t) != before {
		t.Error("a refused reveal was audited")
	}
	status, _, shown := b.post("/staff/applications/"+a.Number+"/reveal", nil)
	if status != http.StatusOK || !strings.Contains(shown, `<span id="full-id">`+full+`</span>`) {
		t.Errorf("reveal: %d\n%s", status, shown)
	}
	es, _ := e.store.AuditLog(context.Background(), office.AuditFilter{Action: "application.reveal_id"})
	if len(es) != 1 || es[0].Actor != "clerk" || es[0].Subject != a.Number || strings.Contains(es[0].After, full) {
		t.Errorf("audit of the reveal: %+v", es)
	}
	// Unit staff never see applications, guessed or not.
	u := e.login(t, "water")
	for _, path := range []string{"/staff/applications/" + a.Number} {
		if status, _, body := u.get(path); status != http.StatusNotFound || strings.Contains(body, masked) {
			t.Errorf("unit GET %s: %d", path, status)
		}
	}
	if status, _, _ := u.post("/staff/applications/"+a.Number+"/reveal", nil); status != http.StatusNotFound {
		t.Errorf("unit reveal: %d", status)
	}
}

// TestApplicationTransitions walks every action from every state.
func TestApplicationTransitions(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	b := e.login(t, "clerk")
	paths := map[string][]string{
		bianmin.StateSubmitted: {},
		bianmin.StateAccepted:  {bianmin.StateAccepted},
		bianmin.StateIssued:    {bianmin.StateAccepted, bianmin.StateIssued},
		bianmin.StateCollected: {bianmin.StateAccepted, bianmin.StateIssued, bianmin.StateCollected},
		bianmin.StateRejected:  {bianmin.StateRejected},
		bianmin.StateRefunded:  {bianmin.StateRejected, bianmin.StateRefunded},
	}
	targets := map[string]string{"accept": bianmin.StateAccepted, "issue": bianmin.StateIssued,
		"collect": bianmin.StateCollected, "reject": bianmin.StateRejected, "refund": bianmin.StateRefunded}
	for _, from := range bianmin.ApplicationStates {
		for _, action := range []string{"accept", "issue", "collect", "reject", "refund"} {
			to := targets[action]
			t.Run(from+" "+action, func(t *testing.T) {
				a := e.application(t)
				for _, s := range paths[from] {
					if _, err := e.store.Advance(context.Background(), office.Transition{Number: a.Number, State: s, At: e.clock.Now(), Reason: "照片不符合要求"}); err != nil {
						t.Fatal(err)
					}
				}
				b.get("/staff/applications/" + a.Number)
				before := e.counts(t)
				status, _, body := b.post("/staff/applications/"+a.Number+"/"+action, url.Values{"reason": {"户籍信息核对不一致"}})
				got, _ := e.store.Application(context.Background(), a.Number)
				if office.CanTransition(bianmin.KindApplication, from, to) {
					if status != http.StatusSeeOther || got.State != to {
						t.Fatalf("legal %s → %s: %d, state %s\n%s", from, to, status, got.State, body)
					}
					if to == bianmin.StateRejected && (got.RefundDueFen != a.FeeFen || got.RejectReason != "户籍信息核对不一致") {
						t.Errorf("rejected: %+v", got)
					}
					if to == bianmin.StateRefunded && (got.RefundDueFen != 0 || got.RejectReason != "照片不符合要求") {
						t.Errorf("refunded: the fee is still due or the reason was lost: %+v", got)
					}
					if es, _ := e.store.AuditLog(context.Background(), office.AuditFilter{Subject: a.Number, Action: "application." + action}); len(es) != 1 {
						t.Errorf("audit: %+v", es)
					}
					return
				}
				if status != http.StatusConflict || got.State != from || e.counts(t) != before {
					t.Errorf("illegal %s → %s: %d, state %s\n%s", from, to, status, got.State, body)
				}
			})
		}
	}
	a := e.application(t)
	b.get("/staff/applications/" + a.Number)
	if status, _, body := b.post("/staff/applications/"+a.Number+"/reject", url.Values{"reason": {" "}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "驳回须填写原因") {
		t.Errorf("reject without a reason: %d", status)
	}
	_, _, list := b.get("/staff/applications?refund=1")
	if !strings.Contains(list, "待退 10.00 元") {
		t.Errorf("refunds due:\n%s", list)
	}
}

func TestDashboard(t *testing.T) {
	e := newOffice(t, backoffice.Config{CashBoxNotes: 100, QueueBacklog: 20})
	ctx := context.Background()
	numbers := e.tickets(t, 4)
	e.bring(t, numbers[0], bianmin.StateDispatched, "") // due in 72 h
	e.bring(t, numbers[1], bianmin.StateResolved, "")
	// A low rating asks for a call-back.
	e.push(t, e.sim.Record(bianmin.KindRating, &bianmin.Rating{Record: mustRecordID(t, e, numbers[2]), Service: bianmin.KindTicket, Level: 1}))
	// Kiosks: one healthy, one with paper near end, a full-ish box and a
	// backlog, one never heard of.
	hb := func(k office.Kiosk, h wire.Heartbeat) {
		n := office.Nonce{KioskID: k.ID, Value: sign.NewNonce(), TS: e.clock.Now()}
		if err := e.store.Heartbeat(ctx, n, h, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	hb(e.kiosk, wire.Heartbeat{AppVersion: "0.1.0", Devices: map[string]string{"printer": "ready"}})
	second := enrollAnother(t, e, "社区二号机")
	hb(second, wire.Heartbeat{AppVersion: "0.1.1", Devices: map[string]string{"printer": "ready, paper near end"},
		QueueDepth: 25, Cash: wire.CashBox{Notes: 95, TotalFen: 950000}})
	enrollAnother(t, e, "社区三号机")
	e.clock.Add(73 * time.Hour)
	hb(e.kiosk, wire.Heartbeat{AppVersion: "0.1.0", Devices: map[string]string{"printer": "paper end"}})

	b := e.login(t, "clerk")
	_, _, page := b.get("/staff/")
	for _, want := range []string{
		`<b>4</b>未结工单`, `<b>1</b>超期`, `<b>1</b>差评待回访`, "在线 1 台，离线 2 台",
		"打印机缺纸", "打印纸将尽", "钱箱将满（95/100 张）", "待上传记录积压 25 条", "从未上报心跳", "离线，最后心跳在3天1小时前",
		numbers[0], numbers[2],
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page)
	}
	// The overdue list comes first on the page.
	if i, j := strings.Index(page, "超期工单"), strings.Index(page, "未结工单（按状态和类别）"); i < 0 || i > j {
		t.Error("overdue tickets are not first")
	}
}

// mustRecordID is the id of the record that brought ticket number.
func mustRecordID(t *testing.T, e *officeEnv, number string) string {
	t.Helper()
	return e.ticket(t, number).RecordID
}

func enrollAnother(t *testing.T, e *officeEnv, name string) office.Kiosk {
	t.Helper()
	return officetest.Enroll(t, e.store, name, officetest.NewKiosk("").Pub, e.clock.Now())
}

func TestAuditAndAccounts(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 1)
	admin := e.login(t, "admin")
	admin.get("/staff/tickets/" + numbers[0])
	admin.post("/staff/tickets/"+numbers[0]+"/accept", nil)

	_, _, page := admin.get("/staff/audit?subject=" + numbers[0])
	for _, want := range []string{"工单接单", "状态：已提交", "状态：已受理", "admin", `href="/staff/tickets/` + numbers[0] + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	if _, _, all := admin.get("/staff/audit?action=login"); !strings.Contains(all, "登录") || strings.Contains(all, "工单接单") {
		t.Error("the audit filter by action")
	}

	// Accounts: add, refuse bad ones, disable, reset a password.
	admin.get("/staff/users")
	for _, tc := range []struct {
		form url.Values
		code int
		want string
	}{
		{url.Values{"name": {"clerk"}, "role": {"clerk"}, "password": {"p1234567x"}, "again": {"p1234567x"}}, http.StatusConflict, "已被使用"},
		{url.Values{"name": {"u9"}, "role": {"unit"}, "password": {"p1234567x"}, "again": {"p1234567x"}}, http.StatusUnprocessableEntity, "须指定所属单位"},
		{url.Values{"name": {"u9"}, "role": {"unit"}, "unit": {"nope"}, "password": {"p1234567x"}, "again": {"p1234567x"}}, http.StatusUnprocessableEntity, "不存在"},
		{url.Values{"name": {"u9"}, "role": {"clerk"}, "password": {"short"}, "again": {"short"}}, http.StatusUnprocessableEntity, "8–128"},
		{url.Values{"name": {"u9"}, "role": {"clerk"}, "password": {"p1234567x"}, "again": {"p1234567y"}}, http.StatusUnprocessableEntity, "不一致"},
		{url.Values{"name": {"<b>x"}, "role": {"clerk"}, "password": {"p1234567x"}, "again": {"p1234567x"}}, http.StatusUnprocessableEntity, "用户名须为"},
	} {
		if status, _, body := admin.post("/staff/users", tc.form); status != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("add %v: %d, want %d saying %q", tc.form, status, tc.code, tc.want)
		}
	}
	if status, _, _ := admin.post("/staff/users", url.Values{"name": {"李娜"}, "role": {"unit"}, "unit": {"heating"},
		"password": {"p1234567x"}, "again": {"p1234567x"}}); status != http.StatusSeeOther {
		t.Fatalf("add: %d", status)
	}
	u, err := e.store.UserByName(context.Background(), "李娜")
	if err != nil || u.Role != office.RoleUnit || u.Unit != "heating" {
		t.Fatalf("added account: %+v %v", u, err)
	}
	li := e.loginWith(t, "李娜", "p1234567x")
	me, _ := e.store.UserByName(context.Background(), "admin")
	if status, _, body := admin.post("/staff/users/"+itoa(me.ID)+"/disable", nil); status != http.StatusConflict || !strings.Contains(body, "不能停用自己") {
		t.Errorf("disable self: %d", status)
	}
	if status, _, _ := admin.post("/staff/users/"+itoa(u.ID)+"/password", url.Values{"password": {"reset-pass-9"}}); status != http.StatusSeeOther {
		t.Errorf("reset password: %d", status)
	}
	if status, _, _ := li.get("/staff/"); status != http.StatusSeeOther {
		t.Error("the session survived a password reset")
	}
	if status, _, _ := admin.post("/staff/users/"+itoa(u.ID)+"/disable", nil); status != http.StatusSeeOther {
		t.Errorf("disable: %d", status)
	}
	if u, _ := e.store.UserByName(context.Background(), "李娜"); u.Active() {
		t.Error("not disabled")
	}
	_, _, log := admin.get("/staff/audit?subject=李娜")
	for _, want := range []string{"新建账号", "重置密码", "停用账号"} {
		if !strings.Contains(log, want) {
			t.Errorf("audit of the account lacks %q", want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
