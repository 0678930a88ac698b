package backoffice_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

func TestFleetPage(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	hb := wire.Heartbeat{AppVersion: "1.4.2", UptimeS: 3*3600 + 600, QueueDepth: 7, Rejected: 1,
		Devices: map[string]string{"printer": "paper near end", "idcard": "ready", "cash": "disconnected: no answer", "scanner": "ready"},
		Cash:    wire.CashBox{Notes: 12, TotalFen: 62300}}
	if err := e.store.Heartbeat(context.Background(), office.Nonce{KioskID: e.kiosk.ID, Value: "n1", TS: officetest.T0}, hb, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, "admin")
	status, _, body := b.get("/staff/kiosks")
	text := tableText(body)
	for _, want := range []string{"花园街道服务大厅 1号机", e.kiosk.ID, "在线", "1.4.2", "3小时10分", "打印机：paper near end",
		"纸币器：disconnected: no answer", "身份证阅读器：ready", "12 张 / 623.00 元", "打印纸将尽", "1 条记录被拒收"} {
		if !strings.Contains(text, want) {
			t.Errorf("fleet page lacks %q", want)
		}
	}
	if status != http.StatusOK || !strings.Contains(body, `class="device fault"`) {
		t.Errorf("fleet page: %d, the cash acceptor's fault not marked\n%s", status, text)
	}
	for _, who := range []string{"clerk", "water"} {
		if status, _, _ := e.login(t, who).get("/staff/kiosks"); status != http.StatusNotFound {
			t.Errorf("%s GET /staff/kiosks: %d", who, status)
		}
	}
}

var codePattern = regexp.MustCompile(`<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)

func TestEnrollCodes(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	b.get("/staff/kiosks")
	before := e.counts(t)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"no name", url.Values{"name": {"  "}}, http.StatusUnprocessableEntity},
		{"name too long", url.Values{"name": {strings.Repeat("机", 65)}}, http.StatusUnprocessableEntity},
		{"no CSRF token", url.Values{"name": {"2号机"}, "csrf": {""}}, http.StatusForbidden},
	} {
		if status, _, body := b.post("/staff/kiosks/codes", tc.form); status != tc.status || codePattern.MatchString(body) {
			t.Errorf("%s: %d, want %d and no code", tc.name, status, tc.status)
		}
	}
	if c := e.counts(t); c.EnrollCodes != before.EnrollCodes {
		t.Fatal("a refused form stored a code")
	}

	status, _, body := b.post("/staff/kiosks/codes", url.Values{"name": {"海城社区 2号机"}})
	m := codePattern.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil || !strings.Contains(body, "只显示这一次") {
		t.Fatalf("issue code: %d\n%s", status, tableText(body))
	}
	code := m[1]
	// Listed, without the code, as waiting to be used.
	_, _, page := b.get("/staff/kiosks")
	if strings.Contains(page, code) || !strings.Contains(tableText(page), "海城社区 2号机") || !strings.Contains(page, "待使用") {
		t.Errorf("the fleet page after issuing:\n%s", tableText(page))
	}
	// Audited by name, never with the code.
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "kiosk.enroll_code"})
	if len(log) != 1 || log[0].Subject != "海城社区 2号机" || strings.Contains(log[0].After+log[0].Before, code) {
		t.Errorf("audit = %+v", log)
	}
	// The code enrolls a kiosk, once.
	hash, ok := office.HashEnrollCode(code)
	if !ok {
		t.Fatalf("code %q does not hash", code)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, err := e.store.Enroll(ctx, office.Enrollment{CodeHash: hash, PublicKey: pub, At: e.clock.Now()})
	if err != nil || k.Name != "海城社区 2号机" {
		t.Fatalf("enroll with the issued code: %+v, %v", k, err)
	}
	if _, err := e.store.Enroll(ctx, office.Enrollment{CodeHash: hash, PublicKey: pub, At: e.clock.Now()}); err == nil {
		t.Error("the code enrolled twice")
	}
	if _, _, page := b.get("/staff/kiosks"); !strings.Contains(page, "注册 <small class=\"id\">"+k.ID) {
		t.Errorf("used code not shown as used:\n%s", tableText(page))
	}
	if status, _, _ := e.login(t, "clerk").post("/staff/kiosks/codes", url.Values{"name": {"3号机"}}); status != http.StatusNotFound {
		t.Errorf("clerk issues a code: %d", status)
	}
}

func TestRevokeKiosk(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	b.get("/staff/kiosks")
	path := "/staff/kiosks/" + e.kiosk.ID + "/revoke"
	revoked := func() bool {
		k, err := e.store.Kiosk(ctx, e.kiosk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return k.Revoked()
	}
	if status, _, body := b.post(path, nil); status != http.StatusUnprocessableEntity || !strings.Contains(body, "确认停用") {
		t.Errorf("revoke without confirming: %d", status)
	}
	if status, _, _ := b.post(path, url.Values{"confirm": {"1"}, "csrf": {""}}); status != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", status)
	}
	clerk := e.login(t, "clerk")
	if status, _, _ := clerk.post(path, url.Values{"confirm": {"1"}}); status != http.StatusNotFound {
		t.Errorf("clerk revokes: %d", status)
	}
	if status, _, _ := b.post("/staff/kiosks/Knone/revoke", url.Values{"confirm": {"1"}}); status != http.StatusNotFound {
		t.Errorf("revoke an unknown kiosk: %d", status)
	}
	if revoked() {
		t.Fatal("a refusal revoked the kiosk")
	}
	status, loc, _ := b.post(path, url.Values{"confirm": {"1"}})
	if status != http.StatusSeeOther || loc != "/staff/kiosks" || !revoked() {
		t.Fatalf("revoke: %d %q, revoked %v", status, loc, revoked())
	}
	// The kiosk can no longer sync.
	if err := e.store.UseNonce(ctx, office.Nonce{KioskID: e.kiosk.ID, Value: "after", TS: officetest.T0}); err != office.ErrRevoked {
		t.Errorf("a revoked kiosk's request: %v", err)
	}
	_, _, page := b.get(loc)
	if !strings.Contains(page, "已停用自助机：花园街道服务大厅 1号机") || !strings.Contains(page, `class="revoked"`) {
		t.Errorf("after revoking:\n%s", tableText(page))
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "kiosk.revoke"})
	if len(log) != 1 || log[0].Subject != e.kiosk.ID || log[0].Actor != "admin" {
		t.Errorf("audit = %+v", log)
	}
	if status, _, body := b.post(path, url.Values{"confirm": {"1"}}); status != http.StatusConflict || !strings.Contains(body, "已于") {
		t.Errorf("revoke again: %d", status)
	}
}
