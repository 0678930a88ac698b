// Package backoffice is the street office's back office (SPEC §5.2): the
// pages staff use in a desktop browser to take residents' reports (接单),
// dispatch them to member units (吹哨派单), record results (办结) and call
// residents back (回访), and to process temporary-ID applications.
//
// It renders server-side with html/template from embedded templates, uses
// no script at all (the CSP forbids it), and keeps every change behind a
// logged-in session with a per-session CSRF token. Everything it shows and
// changes goes through office.Store; every state change goes through
// office.ResidentService.Advance, so it reaches the change feed, the kiosks
// and the public status page in the same transaction as its audit entry.
//
// # Adding a page
//
// Add a route to (*Handler).routes with the roles that may use it and, for
// a page in the nav bar, its label; write the handler as a pageFunc (it
// receives the logged-in *Staff), render with h.render and a template in
// templates/ that defines "title" and "content" (see tickets.html); POST
// handlers need no CSRF code of their own (serveMux checks every POST), end
// with h.done (303 to a page with a flash message) or h.fail (the error as
// a page with the right status), and record what they changed with h.audit
// unless the store writes the audit entry in the change's transaction.
package backoffice

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// Prefix is where the back office is mounted in officed's mux.
const Prefix = "/staff/"

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

// Config holds what the back office serves from.
type Config struct {
	// Store is required.
	Store office.Store
	// Logger receives the causes of internal errors and security events
	// (failed logins, refused forms); nil discards them. Personal data is
	// never logged.
	Logger *slog.Logger
	// Now is the clock of sessions, deadlines and the dashboard; nil is
	// time.Now.
	Now func() time.Time
	// Location is the time zone pages show times in and deadlines are read
	// in; nil is China Standard Time.
	Location *time.Location
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// requests: set it when officed runs behind a TLS-terminating proxy.
	// Requests that arrive over TLS get Secure cookies anyway.
	SecureCookies bool
	// ClientIP names the client of a request for login limits and the
	// audit log; nil is the connection's address.
	ClientIP func(*http.Request) string
	// SessionIdle ends a session not used for this long (default 2 h);
	// SessionMax ends any session this long after login (default 12 h).
	SessionIdle, SessionMax time.Duration
	// LoginLimitIP bounds failed logins from one address (default 20 per
	// 15 minutes), LoginLimitAccount those naming one account (default 5
	// per 15 minutes). Beyond them logins are refused with 429.
	LoginLimitIP, LoginLimitAccount Limit
	// Payments reverses a mobile payment at the provider when staff refund
	// an incomplete one (the sync API's payments, same gateway); nil leaves
	// such refunds to the provider's merchant console.
	Payments *office.Payments
	// CashBoxNotes is the note capacity of the kiosks' cash boxes; the
	// dashboard warns from 90 % (default 1000).
	CashBoxNotes int
	// QueueBacklog is the number of records waiting on a kiosk from which
	// the dashboard warns (default 50).
	QueueBacklog int
}

// Limit is at most N events per key within Per.
type Limit struct {
	N   int
	Per time.Duration
}

func (l Limit) or(def Limit) Limit {
	if l.N <= 0 || l.Per <= 0 {
		return def
	}
	return l
}

// Handler serves the back office under Prefix. It is safe for concurrent
// use.
type Handler struct {
	store     office.Store
	log       *slog.Logger
	now       func() time.Time
	loc       *time.Location
	secure    bool
	clientIP  func(*http.Request) string
	idle, max time.Duration
	byIP      *limiter // failed logins per client address
	byAccount *limiter // failed logins per account name
	cashBox   int
	backlog   int
	payments  *office.Payments
	mux       *http.ServeMux
	nav       []navItem
	templates map[string]*template.Template
}

// New returns the back office for cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("backoffice: Config.Store is required")
	}
	h := &Handler{store: cfg.Store, log: cfg.Logger, now: cfg.Now, loc: cfg.Location, secure: cfg.SecureCookies,
		clientIP: cfg.ClientIP, idle: cfg.SessionIdle, max: cfg.SessionMax, cashBox: cfg.CashBoxNotes, backlog: cfg.QueueBacklog,
		payments: cfg.Payments}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		h.loc = office.ChinaTime
	}
	if h.clientIP == nil {
		h.clientIP = remoteIP
	}
	if h.idle <= 0 {
		h.idle = 2 * time.Hour
	}
	if h.max <= 0 {
		h.max = 12 * time.Hour
	}
	if h.cashBox <= 0 {
		h.cashBox = 1000
	}
	if h.backlog <= 0 {
		h.backlog = 50
	}
	var err error
	if h.templates, err = parseTemplates(h.loc); err != nil {
		return nil, fmt.Errorf("backoffice: %w", err)
	}
	h.byIP = newLimiter(cfg.LoginLimitIP.or(Limit{N: 20, Per: 15 * time.Minute}), h.now)
	h.byAccount = newLimiter(cfg.LoginLimitAccount.or(Limit{N: 5, Per: 15 * time.Minute}), h.now)

	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /staff/login", h.serveLogin)
	h.mux.HandleFunc("POST /staff/login", h.login)
	h.mux.HandleFunc("GET /staff/style.css", serveStyle)
	for _, rt := range h.routes() {
		h.mux.Handle(rt.pattern, h.authorized(rt))
		if rt.nav != "" {
			path := strings.TrimPrefix(rt.pattern, "GET ")
			h.nav = append(h.nav, navItem{Path: strings.TrimSuffix(path, "{$}"), Label: rt.nav, roles: rt.roles})
		}
	}
	h.mux.HandleFunc("/staff/", h.serveFallback)
	return h, nil
}

// Roles that routes allow.
var (
	allRoles  = []string{office.RoleAdmin, office.RoleClerk, office.RoleUnit}
	deskRoles = []string{office.RoleAdmin, office.RoleClerk} // the street office's own staff
	adminOnly = []string{office.RoleAdmin}
)

// route is one page or action of the back office.
type route struct {
	pattern string   // a ServeMux pattern with its method
	roles   []string // who may use it; others get 404
	nav     string   // the nav bar label of a GET page; "" for none
	handle  pageFunc
}

// pageFunc serves a request of a logged-in member of staff.
type pageFunc func(w http.ResponseWriter, r *http.Request, me *Staff)

// routes lists every page and action behind the login, in nav bar order.
func (h *Handler) routes() []route {
	guides, units, grid := editorPagesOf(h, guideKind), editorPagesOf(h, unitKind), editorPagesOf(h, communityKind)
	return []route{
		{"GET /staff/{$}", allRoles, "工作台", h.serveDashboard},
		{"GET /staff/tickets", allRoles, "工单", h.serveTickets},
		{"GET /staff/tickets/{number}", allRoles, "", h.serveTicket},
		{"POST /staff/tickets/{number}/{action}", allRoles, "", h.ticketAction},
		{"GET /staff/applications", deskRoles, "临时身份证", h.serveApplications},
		{"GET /staff/applications/{number}", deskRoles, "", h.serveApplication},
		{"POST /staff/applications/{number}/reveal", deskRoles, "", h.revealIDNumber},
		{"POST /staff/applications/{number}/{action}", deskRoles, "", h.applicationAction},
		{"GET /staff/payments", deskRoles, "缴费", h.servePayments},
		{"GET /staff/payments/list", deskRoles, "", h.servePaymentList},
		{"GET /staff/payments/cash", deskRoles, "", h.serveCash},
		{"GET /staff/payments/incomplete", deskRoles, "", h.serveIncomplete},
		{"POST /staff/payments/incomplete/{kiosk}/{record}/settle", deskRoles, "", h.settle},
		{"GET /staff/content", adminOnly, "内容", h.serveContent},
		{"GET /staff/content/guides/new", adminOnly, "", guides.serveNew},
		{"GET /staff/content/guides/{id}", adminOnly, "", guides.serveEditor},
		{"POST /staff/content/guides/preview", adminOnly, "", guides.preview},
		{"POST /staff/content/guides/publish", adminOnly, "", guides.publish},
		{"POST /staff/content/guides/{id}/delete", adminOnly, "", guides.remove},
		{"GET /staff/content/units/new", adminOnly, "", units.serveNew},
		{"GET /staff/content/units/{id}", adminOnly, "", units.serveEditor},
		{"POST /staff/content/units/preview", adminOnly, "", units.preview},
		{"POST /staff/content/units/publish", adminOnly, "", units.publish},
		{"POST /staff/content/units/{id}/delete", adminOnly, "", units.remove},
		{"GET /staff/content/grid/new", adminOnly, "", grid.serveNew},
		{"GET /staff/content/grid/{id}", adminOnly, "", grid.serveEditor},
		{"POST /staff/content/grid/preview", adminOnly, "", grid.preview},
		{"POST /staff/content/grid/publish", adminOnly, "", grid.publish},
		{"POST /staff/content/grid/{id}/delete", adminOnly, "", grid.remove},
		{"GET /staff/kiosks", adminOnly, "自助机", h.serveFleet},
		{"POST /staff/kiosks/codes", adminOnly, "", h.issueCode},
		{"POST /staff/kiosks/{id}/revoke", adminOnly, "", h.revokeKiosk},
		{"GET /staff/kiosks/config", adminOnly, "", h.serveKioskConfig},
		{"POST /staff/kiosks/config", adminOnly, "", h.publishKioskConfig},
		{"GET /staff/export", deskRoles, "导出", h.serveExport},
		{"GET /staff/export/tickets.csv", deskRoles, "", h.exportTickets},
		{"GET /staff/export/payments.csv", deskRoles, "", h.exportPayments},
		{"GET /staff/users", adminOnly, "账号", h.serveUsers},
		{"POST /staff/users", adminOnly, "", h.addUser},
		{"POST /staff/users/{id}/{action}", adminOnly, "", h.userAction},
		{"GET /staff/audit", adminOnly, "审计日志", h.serveAudit},
		{"GET /staff/password", allRoles, "", h.servePassword},
		{"POST /staff/password", allRoles, "", h.changePassword},
		{"POST /staff/logout", allRoles, "", h.logout},
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	// Pages carry personal data: never cached by the browser or a proxy.
	hd.Set("Cache-Control", "no-store")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.internalError(w, r, nil, fmt.Errorf("panic: %v", v))
		}
	}()
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) serveFallback(w http.ResponseWriter, r *http.Request) {
	me, _ := h.staff(r)
	h.message(w, r, me, http.StatusNotFound, "页面不存在", "没有这个页面，或者您无权查看。")
}

// authorized wraps a route: no session → the login page (GET) or 403
// (POST); a role the route does not allow → 404, as if the page did not
// exist; a POST without the session's CSRF token → 403.
func (h *Handler) authorized(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me, err := h.staff(r)
		if err != nil {
			h.internalError(w, r, nil, err)
			return
		}
		if me == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next := r.URL.RequestURI()
				http.Redirect(w, r, "/staff/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			h.message(w, r, nil, http.StatusForbidden, "请先登录", "登录已过期或尚未登录，请重新登录后再操作。")
			return
		}
		if !oneOf(me.User.Role, rt.roles) {
			h.serveFallback(w, r)
			return
		}
		if r.Method == http.MethodPost && !h.checkCSRF(w, r, me) {
			return
		}
		rt.handle(w, r, me)
	})
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// maxFormBytes bounds a form body; the largest form is a result or reason
// of a few hundred characters.
const maxFormBytes = 64 << 10

// parseForm reads a POST body into r.PostForm, bounded.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

// navItem is one link of the nav bar.
type navItem struct {
	Path, Label string
	Active      bool
	roles       []string
}

// page is what every template receives: the page's own data in Data, and
// what the layout needs (the user, the nav bar, the flash message, the CSRF
// token for forms: {{template "csrf" $}}).
type page struct {
	Title string
	Me    *Staff
	Nav   []navItem
	Flash *flash
	Data  any
}

// flash is a one-time message shown at the top of the next page.
type flash struct {
	Error bool
	Text  string
}

var funcs = template.FuncMap{
	"stateLabel":  bianmin.StateLabel,
	"roleLabel":   office.RoleLabel,
	"actionLabel": office.ActionLabel,
	"maskPhone":   bianmin.MaskPhone,
	"maskID":      bianmin.MaskIDNumber,
	"maskName":    bianmin.MaskName,
	"yuan":        bianmin.FormatYuan,
	"join":        strings.Join,
	"rating": func(level int) string {
		if level < 1 || level > 5 {
			return ""
		}
		return bianmin.RatingLevels[5-level]
	},
	"duration": formatDuration,
	// The action names in forms' URLs of target states.
	"ticketAction":      func(state string) string { return actionOf(ticketActions, state) },
	"applicationAction": func(state string) string { return actionOf(applicationActions, state) },
	"pct": func(n, total int) string {
		if total == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", float64(n)*100/float64(total))
	},
}

// parseTemplates parses every page with the layout, its times shown in
// loc. New calls it, so a template defect fails the first test run rather
// than a clerk's request.
func parseTemplates(loc *time.Location) (map[string]*template.Template, error) {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := n.Name()
		if !strings.HasSuffix(name, ".html") || name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).Funcs(timeFuncs(loc)).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// timeFuncs format times in loc.
func timeFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"time": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(loc).Format("2006-01-02")
		},
		// inputTime is the value of a datetime-local input.
		"inputTime": func(t time.Time) string { return t.In(loc).Format("2006-01-02T15:04") },
	}
}

// formatDuration writes a duration as staff read it: 3天4小时, 2小时15分, 40分钟.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, mins)
	}
	return fmt.Sprintf("%d分钟", mins)
}

// render writes a page of template name with data. The page is built in
// memory first, so a template failure gives the error page, never half a
// page with status 200.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, me *Staff, status int, name, title string, data any) {
	t, ok := h.templates[name]
	if !ok {
		h.internalError(w, r, me, fmt.Errorf("backoffice: no template %s", name))
		return
	}
	p := page{Title: title, Me: me, Data: data, Flash: h.takeFlash(w, r)}
	if me != nil {
		for _, n := range h.nav {
			if oneOf(me.User.Role, n.roles) {
				n.Active = r.URL.Path == n.Path || n.Path != Prefix && strings.HasPrefix(r.URL.Path, n.Path+"/")
				p.Nav = append(p.Nav, n)
			}
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		if name == "message.html" {
			h.log.Error("render message page", "err", err)
			http.Error(w, "服务暂时不可用", http.StatusInternalServerError)
			return
		}
		h.internalError(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// message renders a page with a heading and a sentence: refusals, errors,
// pages that do not exist.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, me *Staff, status int, title, text string) {
	h.render(w, r, me, status, "message.html", title, struct{ Heading, Text string }{title, text})
}

// internalError logs the cause and shows a plain apology; causes never
// reach the page.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, me *Staff, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	h.log.Error("back office: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	h.message(w, r, me, http.StatusInternalServerError, "系统错误", "处理请求时出现错误，请稍后重试；如果一直出现，请联系管理员。")
}

// statusOf is the HTTP status of a store error.
func statusOf(err error) int {
	switch bianmin.ErrorCode(err) {
	case bianmin.EINVALID:
		return http.StatusUnprocessableEntity
	case bianmin.ECONFLICT:
		return http.StatusConflict
	case bianmin.ENOTFOUND:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// fail shows a store error as a page: its message for refusals (they are
// written for staff), the apology for anything else.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, me *Staff, err error) {
	status := statusOf(err)
	switch status {
	case http.StatusInternalServerError:
		h.internalError(w, r, me, err)
	case http.StatusNotFound:
		h.message(w, r, me, status, "未找到", "没有找到要找的记录，或者您无权查看。")
	default:
		h.message(w, r, me, status, "未能办理", err.Error())
	}
}

// done ends a successful POST: 303 to the page to show next, with a flash
// message on it.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, to, text string) {
	h.setFlash(w, r, flash{Text: text})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// audit writes an audit entry of me's action; the caller decides whether a
// failure stops the action (it must, where the action shows personal data).
func (h *Handler) audit(ctx context.Context, r *http.Request, me *Staff, action, subject, before, after string) error {
	e := office.AuditEntry{At: h.now(), Action: action, Subject: subject, Before: before, After: after, IP: h.clientIP(r)}
	if me != nil {
		e.Actor, e.Role = me.User.Name, me.User.Role
	}
	return h.store.Audit(ctx, e)
}

// auditEntry is the entry a store writes with a change (Transition.Audit).
func (h *Handler) auditEntry(r *http.Request, me *Staff, action string) *office.AuditEntry {
	return &office.AuditEntry{At: h.now(), Actor: me.User.Name, Role: me.User.Role, Action: action, IP: h.clientIP(r)}
}

func serveStyle(w http.ResponseWriter, r *http.Request) {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		http.Error(w, "missing", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(b)
}
