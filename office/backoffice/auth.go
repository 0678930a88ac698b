package backoffice

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianmin"
	"bianmin/office"
)

// Cookies. The session cookie holds a random id of 32 bytes; the store
// keeps only its SHA-256 (office.SessionHash). All are HttpOnly and
// SameSite=Strict, so no other site's page can send them.
const (
	sessionCookie = "bm_staff"
	loginCookie   = "bm_login" // the login form's token before there is a session
	flashCookie   = "bm_flash"
)

// Staff is the logged-in member of staff making a request.
type Staff struct {
	User    office.StaffUser
	Session office.Session
	// CSRF is the session's form token: every form posts it back as the
	// field "csrf". It is an HMAC of the session id, so it needs no storage
	// and cannot be computed from the database.
	CSRF string
}

// Desk reports whether the member of staff works for the street office
// itself (admin or clerk) rather than for a member unit.
func (s *Staff) Desk() bool {
	return s.User.Role == office.RoleAdmin || s.User.Role == office.RoleClerk
}

// Admin reports whether the member of staff is an administrator.
func (s *Staff) Admin() bool { return s.User.Role == office.RoleAdmin }

// newToken returns 32 random bytes, base64url.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the CSRF token of the session with id.
func csrfToken(id string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte("bianmin back office form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// staff returns the logged-in member of staff, or nil when the request has
// no live session: none, unknown, expired, idle too long, or of an account
// disabled since. A session is touched at most once a minute, so pages do
// not each cost a write.
func (h *Handler) staff(r *http.Request) (*Staff, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil, nil
	}
	hash := office.SessionHash(c.Value)
	ss, u, err := h.store.Session(r.Context(), hash)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := h.now()
	if !now.Before(ss.Expires) || now.Sub(ss.LastSeen) >= h.idle || !u.Active() {
		return nil, h.store.DeleteSession(r.Context(), hash)
	}
	if now.Sub(ss.LastSeen) >= time.Minute {
		if err := h.store.TouchSession(r.Context(), hash, now); err != nil {
			return nil, err
		}
		ss.LastSeen = now
	}
	return &Staff{User: u, Session: ss, CSRF: csrfToken(c.Value)}, nil
}

// secureRequest reports whether cookies should be Secure.
func (h *Handler) secureRequest(r *http.Request) bool { return h.secure || r.TLS != nil }

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: h.secureRequest(r), SameSite: http.SameSiteStrictMode})
}

// checkCSRF parses a POST's form and checks its token against the
// session's; on a mismatch it answers 403 with a page saying what to do,
// and logs the refusal.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request, me *Staff) bool {
	if err := parseForm(w, r); err != nil {
		h.message(w, r, me, http.StatusRequestEntityTooLarge, "表单无效", "提交的内容过大或格式不正确。")
		return false
	}
	if tokensEqual(me.CSRF, r.PostForm.Get("csrf")) {
		return true
	}
	h.log.Warn("back office: form without a valid CSRF token refused", "path", r.URL.Path, "user", me.User.Name, "ip", h.clientIP(r))
	h.refuseForm(w, r, me)
	return false
}

func (h *Handler) refuseForm(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.message(w, r, me, http.StatusForbidden, "表单已失效",
		"这个表单缺少有效的安全令牌（可能来自其他网站，或页面已过期），操作没有执行。请返回后刷新页面再试。")
}

// loginPage is the login form's data.
type loginPage struct {
	Token, Name, Next, Error string
}

func (h *Handler) serveLogin(w http.ResponseWriter, r *http.Request) {
	if me, err := h.staff(r); err == nil && me != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, loginPage{Next: r.URL.Query().Get("next")})
}

// renderLogin shows the login form with a fresh form token, set as a
// cookie too: the form is accepted only with both (double submit), so a
// foreign page cannot log a browser in to an account of its choosing.
func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.Token = newToken()
	p.Next = safeNext(p.Next)
	h.setCookie(w, r, loginCookie, p.Token, 3600)
	h.render(w, r, nil, status, "login.html", "登录", p)
}

// safeNext is where to go after logging in: a back-office path, never
// another site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, Prefix) || strings.HasPrefix(next, "//") ||
		u.Path == "/staff/login" {
		return Prefix
	}
	return u.RequestURI()
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		h.message(w, r, nil, http.StatusRequestEntityTooLarge, "表单无效", "提交的内容过大或格式不正确。")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !tokensEqual(c.Value, r.PostForm.Get("csrf")) {
		h.log.Warn("back office: login form without a valid token refused", "ip", h.clientIP(r))
		h.refuseForm(w, r, nil)
		return
	}
	ip := h.clientIP(r)
	name := strings.TrimSpace(r.PostForm.Get("name"))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if len(name) > 64 {
		name = name[:64]
	}
	account := strings.ToLower(name)
	if full, wait := h.byIP.full(ip); full {
		h.tooMany(w, r, name, next, wait)
		return
	}
	if full, wait := h.byAccount.full(account); full {
		h.tooMany(w, r, name, next, wait)
		return
	}
	u, err := h.store.UserByName(r.Context(), name)
	if err != nil && bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		h.internalError(w, r, nil, err)
		return
	}
	known := err == nil
	ok := office.CheckPasswordOrDummy(u.PasswordHash, password) && known && u.Active()
	now := h.now()
	if !ok {
		h.byIP.add(ip)
		h.byAccount.add(account)
		e := office.AuditEntry{At: now, Action: "login.failed", Subject: "未知账号", IP: ip}
		if known {
			e.Actor, e.Role, e.Subject = u.Name, u.Role, u.Name
		}
		if err := h.store.Audit(r.Context(), e); err != nil {
			h.internalError(w, r, nil, err)
			return
		}
		h.log.Warn("back office: failed login", "known_account", known, "ip", ip)
		h.renderLogin(w, r, http.StatusUnauthorized, loginPage{Name: name, Next: next, Error: "用户名或密码不正确，或账号已停用。"})
		return
	}
	id := newToken()
	ss := office.Session{Hash: office.SessionHash(id), UserID: u.ID, Created: now, LastSeen: now, Expires: now.Add(h.max), IP: ip}
	if err := h.store.CreateSession(r.Context(), ss); err != nil {
		h.internalError(w, r, nil, err)
		return
	}
	h.byAccount.reset(account)
	me := &Staff{User: u, Session: ss, CSRF: csrfToken(id)}
	if err := h.audit(r.Context(), r, me, "login", u.Name, "", ""); err != nil {
		h.internalError(w, r, nil, err)
		return
	}
	// Expired sessions go when someone logs in: no background job needed.
	if _, err := h.store.PruneSessions(r.Context(), now, now.Add(-h.idle)); err != nil {
		h.log.Warn("back office: pruning sessions", "err", err)
	}
	h.setCookie(w, r, loginCookie, "", -1)
	h.setCookie(w, r, sessionCookie, id, 0)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, name, next string, wait time.Duration) {
	h.log.Warn("back office: login refused over the limit", "ip", h.clientIP(r))
	mins := int(wait/time.Minute) + 1
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
	h.renderLogin(w, r, http.StatusTooManyRequests, loginPage{Name: name, Next: next,
		Error: "登录失败次数过多，请 " + strconv.Itoa(mins) + " 分钟后再试。"})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, me *Staff) {
	if err := h.store.DeleteSession(r.Context(), me.Session.Hash); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if err := h.audit(r.Context(), r, me, "logout", me.User.Name, "", ""); err != nil {
		h.log.Warn("back office: audit of a logout", "err", err)
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	h.done(w, r, "/staff/login", "已退出登录")
}

func (h *Handler) servePassword(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.render(w, r, me, http.StatusOK, "password.html", "修改密码", struct{ Error string }{})
}

// changePassword sets a new password after checking the current one; the
// account's other sessions end (someone else may have learnt the old one).
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, me *Staff) {
	current, next, again := r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("again")
	refuse := func(status int, msg string) {
		h.render(w, r, me, status, "password.html", "修改密码", struct{ Error string }{msg})
	}
	if !office.CheckPassword(me.User.PasswordHash, current) {
		h.byAccount.add(strings.ToLower(me.User.Name))
		refuse(http.StatusUnprocessableEntity, "当前密码不正确。")
		return
	}
	if next != again {
		refuse(http.StatusUnprocessableEntity, "两次输入的新密码不一致。")
		return
	}
	if next == current {
		refuse(http.StatusUnprocessableEntity, "新密码不能与当前密码相同。")
		return
	}
	hash, err := office.HashPassword(next)
	if err != nil {
		if bianmin.ErrorCode(err) == bianmin.EINVALID {
			refuse(http.StatusUnprocessableEntity, err.Error())
			return
		}
		h.internalError(w, r, me, err)
		return
	}
	now := h.now()
	e := office.AuditEntry{At: now, Actor: me.User.Name, Role: me.User.Role, Action: "user.password", Subject: me.User.Name,
		After: "已修改密码，其他登录已退出", IP: h.clientIP(r)}
	if err := h.store.SetPassword(r.Context(), me.User.ID, hash, now, me.Session.Hash, e); err != nil {
		h.fail(w, r, me, err)
		return
	}
	h.done(w, r, Prefix, "密码已修改")
}

// Flash messages travel in a short-lived cookie from a POST's redirect to
// the page it leads to. They are plain text and escaped when shown.
func (h *Handler) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	v := "ok:"
	if f.Error {
		v = "error:"
	}
	h.setCookie(w, r, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(v+f.Text)), 60)
}

func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	h.setCookie(w, r, flashCookie, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 1000 {
		return nil
	}
	kind, text, ok := strings.Cut(string(b), ":")
	if !ok || text == "" {
		return nil
	}
	return &flash{Error: kind == "error", Text: strings.ToValidUTF8(text, "")}
}

// limiter counts events per key in a sliding window, in memory: failed
// logins. A restart forgets them, which is acceptable for a limit whose
// window is minutes.
type limiter struct {
	limit Limit
	now   func() time.Time
	mu    sync.Mutex
	hits  map[string][]time.Time
}

// maxKeys bounds a limiter's memory; past it, keys with no recent event are
// forgotten.
const maxKeys = 100_000

func newLimiter(l Limit, now func() time.Time) *limiter {
	return &limiter{limit: l, now: now, hits: map[string][]time.Time{}}
}

// recent returns key's events within the window. Called with mu held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ts := l.hits[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.limit.Per {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.hits, key)
	} else {
		l.hits[key] = ts
	}
	return ts
}

// full reports whether key has used up its limit and how long until the
// oldest event leaves the window.
func (l *limiter) full(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := l.recent(key, now)
	if len(ts) < l.limit.N {
		return false, 0
	}
	return true, l.limit.Per - now.Sub(ts[0])
}

func (l *limiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hits) >= maxKeys {
		for k := range l.hits {
			l.recent(k, now)
		}
		if len(l.hits) >= maxKeys {
			clear(l.hits)
		}
	}
	l.hits[key] = append(l.recent(key, now), now)
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// remoteIP is the address of the connection's other end.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
