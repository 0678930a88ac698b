package backoffice_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/office"
	"bianmin/office/backoffice"
)

func sessionCookie(t *testing.T, b *browser) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(b.e.srv.URL + "/staff/")
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "bm_staff" {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// rawCookies returns the Set-Cookie headers of a login answer.
func loginSetCookies(t *testing.T, e *officeEnv, client *http.Client, base string) []*http.Cookie {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(base + "/staff/login")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token on the login page:\n%s", body)
	}
	resp, err = client.PostForm(base+"/staff/login", url.Values{"csrf": {m[1]}, "name": {"clerk"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return resp.Cookies()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestLoginAndLogout(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	b := e.browser(t)

	// Every page behind the login sends a stranger to the login page, and
	// comes back after it.
	if status, loc, _ := b.get("/staff/tickets?state=submitted"); status != http.StatusSeeOther ||
		loc != "/staff/login?next=%2Fstaff%2Ftickets%3Fstate%3Dsubmitted" {
		t.Fatalf("anonymous tickets page: %d %q", status, loc)
	}
	if status, _, body := b.get("/staff/login?next=%2Fstaff%2Ftickets%3Fstate%3Dsubmitted"); status != http.StatusOK || !strings.Contains(body, "工作人员登录") {
		t.Fatalf("login page: %d", status)
	}
	before := e.counts(t)
	status, _, body := b.post("/staff/login", url.Values{"name": {"clerk"}, "password": {"wrong password"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不正确") {
		t.Errorf("wrong password: %d\n%s", status, body)
	}
	if c := e.counts(t); c.Sessions != 0 || c.AuditEntries != before.AuditEntries+1 {
		t.Errorf("a failed login: %+v", c)
	}
	if es, _ := e.store.AuditLog(context.Background(), office.AuditFilter{Action: "login.failed"}); len(es) != 1 || es[0].Actor != "clerk" {
		t.Errorf("failed login audit: %+v", es)
	}
	// A login form posted without the form's token (a foreign page logging
	// the browser in) is refused.
	if status, _, body := b.post("/staff/login", url.Values{"csrf": {""}, "name": {"clerk"}, "password": {password}}); status != http.StatusForbidden ||
		!strings.Contains(body, "安全令牌") {
		t.Errorf("login without its token: %d", status)
	}
	// An offsite next is ignored.
	b.get("/staff/login")
	status, loc, _ := b.post("/staff/login", url.Values{"name": {"clerk"}, "password": {password}, "next": {"//evil.example/staff/"}})
	if status != http.StatusSeeOther || loc != "/staff/" {
		t.Fatalf("login: %d %q", status, loc)
	}
	c := sessionCookie(t, b)
	if len(c.Value) != 43 {
		t.Errorf("session id %q is not 32 random bytes", c.Value)
	}
	// The store holds the hash of the id, not the id.
	if ss, u, err := e.store.Session(context.Background(), office.SessionHash(c.Value)); err != nil || u.Name != "clerk" ||
		!ss.Expires.Equal(e.clock.Now().Add(12*time.Hour)) {
		t.Errorf("stored session: %+v %+v %v", ss, u, err)
	}
	for _, f := range []string{e.store.Path(), e.store.Path() + "-wal"} {
		if raw, err := os.ReadFile(f); err != nil || strings.Contains(string(raw), c.Value) {
			t.Errorf("%s holds the session id (%v)", filepath.Base(f), err)
		}
	}
	if status, _, body := b.get("/staff/"); status != http.StatusOK || !strings.Contains(body, "clerk") {
		t.Errorf("dashboard: %d", status)
	}

	// Logging out ends the session on the server: the old cookie, replayed,
	// no longer works.
	stolen := *c
	if status, loc, _ := b.post("/staff/logout", nil); status != http.StatusSeeOther || loc != "/staff/login" {
		t.Errorf("logout: %d %q", status, loc)
	}
	replay := e.browser(t)
	u, _ := url.Parse(e.srv.URL + "/staff/")
	replay.http.Jar.SetCookies(u, []*http.Cookie{&stolen})
	if status, loc, _ := replay.get("/staff/"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login") {
		t.Errorf("the logged-out cookie still works: %d %q", status, loc)
	}
	if c := e.counts(t); c.Sessions != 0 {
		t.Errorf("sessions after logout: %d", c.Sessions)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Run("plain HTTP", func(t *testing.T) {
		e := newOffice(t, backoffice.Config{})
		for _, c := range loginSetCookies(t, e, &http.Client{}, e.srv.URL) {
			if c.Name != "bm_staff" {
				continue
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/staff/" || c.Secure {
				t.Errorf("session cookie over HTTP: %+v", c)
			}
			return
		}
		t.Error("no session cookie")
	})
	t.Run("configured secure", func(t *testing.T) {
		e := newOffice(t, backoffice.Config{SecureCookies: true})
		for _, c := range loginSetCookies(t, e, &http.Client{}, e.srv.URL) {
			if c.Name == "bm_staff" && (!c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode) {
				t.Errorf("session cookie with SecureCookies: %+v", c)
			}
		}
	})
	t.Run("TLS", func(t *testing.T) {
		e := newOffice(t, backoffice.Config{})
		tlsSrv := httptest.NewTLSServer(e.srv.Config.Handler)
		defer tlsSrv.Close()
		client := tlsSrv.Client()
		client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		found := false
		for _, c := range loginSetCookies(t, e, client, tlsSrv.URL) {
			if c.Name == "bm_staff" {
				found = true
				if !c.Secure {
					t.Errorf("session cookie over TLS: %+v", c)
				}
			}
		}
		if !found {
			t.Error("no session cookie over TLS")
		}
	})
}

func TestLoginRateLimits(t *testing.T) {
	e := newOffice(t, backoffice.Config{LoginLimitAccount: backoffice.Limit{N: 3, Per: 15 * time.Minute},
		LoginLimitIP: backoffice.Limit{N: 5, Per: 15 * time.Minute}})
	b := e.browser(t)
	b.get("/staff/login")
	fail := func(name string) int {
		status, _, _ := b.post("/staff/login", url.Values{"name": {name}, "password": {"guess-guess"}})
		return status
	}
	for i := range 3 {
		if s := fail("clerk"); s != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, s)
		}
	}
	// The account is locked for a while, even with the right password …
	status, _, body := b.post("/staff/login", url.Values{"name": {"clerk"}, "password": {password}})
	if status != http.StatusTooManyRequests || !strings.Contains(body, "分钟后再试") {
		t.Errorf("4th attempt on the account: %d", status)
	}
	// … another account is not, until the address has failed too often.
	if s := fail("admin"); s != http.StatusUnauthorized {
		t.Errorf("another account: %d", s)
	}
	fail("nobody")
	if s := fail("water"); s != http.StatusTooManyRequests {
		t.Errorf("6th failure from one address: %d", s)
	}
	// The windows pass.
	e.clock.Add(15 * time.Minute)
	if status, loc, _ := b.post("/staff/login", url.Values{"name": {"clerk"}, "password": {password}}); status != http.StatusSeeOther || loc != "/staff/" {
		t.Errorf("after the window: %d", status)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	b := e.login(t, "clerk")
	// Used every hour: alive until its absolute end.
	for range 11 {
		e.clock.Add(time.Hour)
		if status, _, _ := b.get("/staff/"); status != http.StatusOK {
			t.Fatalf("session ended early at %v", e.clock.Now())
		}
	}
	e.clock.Add(time.Hour)
	if status, loc, _ := b.get("/staff/"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login") {
		t.Errorf("after 12 h: %d %q", status, loc)
	}
	// Idle for two hours: ended.
	b = e.login(t, "clerk")
	e.clock.Add(2 * time.Hour)
	if status, _, _ := b.get("/staff/"); status != http.StatusSeeOther {
		t.Errorf("after 2 h idle: %d", status)
	}
	// A disabled account's session ends at once.
	b = e.login(t, "clerk")
	u, _ := e.store.UserByName(context.Background(), "clerk")
	if err := e.store.SetDisabled(context.Background(), u.ID, e.clock.Now(), office.AuditEntry{At: e.clock.Now(), Action: "user.disable"}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := b.get("/staff/"); status != http.StatusSeeOther {
		t.Errorf("disabled account's session: %d", status)
	}
	b2 := e.browser(t)
	b2.get("/staff/login")
	if status, _, _ := b2.post("/staff/login", url.Values{"name": {"clerk"}, "password": {password}}); status != http.StatusUnauthorized {
		t.Errorf("login of a disabled account: %d", status)
	}
}

func TestCSRF(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	numbers := e.tickets(t, 1)
	clerk := e.login(t, "clerk")
	other := e.login(t, "admin")
	clerk.get("/staff/tickets/" + numbers[0])
	before := e.counts(t)
	for name, token := range map[string]string{
		"no token": "", "a forged token": strings.Repeat("A", 43), "another session's token": other.csrf,
	} {
		status, _, body := clerk.post("/staff/tickets/"+numbers[0]+"/accept", url.Values{"csrf": {token}})
		if status != http.StatusForbidden || !strings.Contains(body, "缺少有效的安全令牌") {
			t.Errorf("%s: %d\n%s", name, status, body)
		}
	}
	if status, _, _ := clerk.post("/staff/logout", url.Values{"csrf": {""}}); status != http.StatusForbidden {
		t.Errorf("logout without a token: %d", status)
	}
	if c := e.counts(t); c != before {
		t.Errorf("refused forms changed counts %+v → %+v", before, c)
	}
	if ti := e.ticket(t, numbers[0]); ti.State != "submitted" {
		t.Errorf("state after refused forms: %s", ti.State)
	}
	// With the token it works.
	if status, _, _ := clerk.post("/staff/tickets/"+numbers[0]+"/accept", nil); status != http.StatusSeeOther {
		t.Errorf("accept with the token: %d", status)
	}
}

func TestPasswordChange(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	b := e.login(t, "clerk")
	elsewhere := e.login(t, "clerk")
	b.get("/staff/password")
	for _, tc := range []struct {
		name              string
		current, new, rep string
		want              string
	}{
		{"wrong current", "nope nope", "new password 1", "new password 1", "当前密码不正确"},
		{"mismatch", password, "new password 1", "new password 2", "不一致"},
		{"too short", password, "short", "short", "8–128"},
		{"unchanged", password, password, password, "不能与当前密码相同"},
	} {
		status, _, body := b.post("/staff/password", url.Values{"current": {tc.current}, "new": {tc.new}, "again": {tc.rep}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want a page saying %q", tc.name, status, tc.want)
		}
	}
	if status, _, _ := b.post("/staff/password", url.Values{"current": {password}, "new": {"new password 1"}, "again": {"new password 1"}}); status != http.StatusSeeOther {
		t.Fatalf("change: %d", status)
	}
	if status, _, _ := b.get("/staff/"); status != http.StatusOK {
		t.Errorf("this session after the change: %d", status)
	}
	if status, _, _ := elsewhere.get("/staff/"); status != http.StatusSeeOther {
		t.Errorf("the other session after the change: %d", status)
	}
	n := e.browser(t)
	n.get("/staff/login")
	if status, _, _ := n.post("/staff/login", url.Values{"name": {"clerk"}, "password": {"new password 1"}}); status != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", status)
	}
}
