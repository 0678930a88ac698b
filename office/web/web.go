// Package web is officed's HTTP front: the public pages residents open on their
// phones (§5.3) and the operations endpoints (§5.4). It renders server-side with
// html/template; everything it shows comes from the services it is built with
// (bianmin.GuideService, office.ResidentService), so the storage behind them can
// change without touching this package. Its only state is protective and
// in-memory: rate limits per client and the report form's used tokens.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"time"

	"bianmin"
	"bianmin/office"
)

// ChinaTime is China Standard Time: UTC+8 all year, without the tz database.
var ChinaTime = time.FixedZone("CST", 8*3600)

//go:embed templates/*.html templates/style.css templates/report.js
var templateFS embed.FS

// Config holds what the handler serves from.
type Config struct {
	// Guides is required.
	Guides bianmin.GuideService
	// Logger receives one line per request and the causes of internal errors;
	// nil discards them.
	Logger *slog.Logger
	// Ready reports whether officed can serve its pages (GET /readyz). Nil means
	// "the guide service answers a Categories call".
	Ready func(context.Context) error

	// Residents takes tickets from the mobile report form and shows ticket
	// and application statuses; nil leaves /report and /status/ unserved.
	Residents office.ResidentService
	// Grid returns the published grid data the report form's location
	// pickers offer (office.LoadGrid); required with Residents. It is cached
	// for a minute.
	Grid func(context.Context) ([]bianmin.Community, error)
	// FormKey signs report form tokens (HMAC-SHA256); nil draws a random key
	// at start, so a form opened before a restart must be reloaded.
	FormKey []byte
	// Now is the clock of form tokens, rate limits and ticket numbers; nil
	// is time.Now.
	Now func() time.Time
	// Location is the time zone of ticket numbers and of times on pages; nil
	// is China Standard Time (UTC+8).
	Location *time.Location
	// ClientIP names the client of a request for rate limits; nil is the
	// connection's address. Behind a reverse proxy use ClientIPFromHeader.
	ClientIP func(*http.Request) string
	// TicketLimit bounds the tickets one client may submit (default 5 per
	// 10 minutes); PageLimit the status pages and form submissions (default
	// 60 per 10 minutes). Beyond them the answer is 429.
	TicketLimit, PageLimit Limit
}

// Handler serves officed's HTTP endpoints. It is safe for concurrent use.
//
// Routes:
//
//	GET /guides/         guide index by category; ?q= searches, ?category= filters
//	GET /guides/{id}     one guide (404 page for unknown or malformed ids)
//	GET /report          the mobile report form (扫码点单); ?category= picks the category
//	POST /report         submits it: the ticket's number and status link, or
//	                     the form again with what to correct (422), 403 for a
//	                     missing, forged, expired or used form token, 429 over
//	                     the limits
//	GET /report.js       the form's optional script (narrows the pickers)
//	GET /status/{number} ?s=SECRET: a ticket's or application's progress; an
//	                     unknown number and a wrong or missing secret get the
//	                     same 404 page
//	GET /healthz         200 "ok" while the process serves HTTP
//	GET /readyz          200 "ok" when Config.Ready succeeds, else 503
//
// Every response carries the security headers (see securityHeaders). A request
// that matches no route gets 405 unless it is GET or HEAD, else the 404 page.
type Handler struct {
	guides bianmin.GuideService
	log    *slog.Logger
	ready  func(context.Context) error
	root   http.Handler

	residents office.ResidentService
	grid      gridCache
	tokens    *formTokens
	now       func() time.Time
	loc       *time.Location
	clientIP  func(*http.Request) string
	tickets   *limiter // tickets created per client
	pages     *limiter // status views and form posts per client
}

// NewHandler returns the handler for cfg.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Guides == nil {
		return nil, errors.New("web: Config.Guides is required")
	}
	h := &Handler{guides: cfg.Guides, log: cfg.Logger, ready: cfg.Ready, residents: cfg.Residents,
		now: cfg.Now, loc: cfg.Location, clientIP: cfg.ClientIP}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		h.loc = ChinaTime
	}
	if h.clientIP == nil {
		h.clientIP = remoteIP
	}
	if h.residents != nil {
		if cfg.Grid == nil {
			return nil, errors.New("web: Config.Grid is required with Config.Residents")
		}
		key := cfg.FormKey
		if len(key) == 0 {
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
		}
		h.grid = gridCache{load: cfg.Grid, now: h.now, ttl: time.Minute}
		h.tokens = &formTokens{key: key, ttl: FormTokenTTL, now: h.now, used: map[string]time.Time{}}
		h.tickets = newLimiter(cfg.TicketLimit.or(DefaultTicketLimit), h.now)
		h.pages = newLimiter(cfg.PageLimit.or(DefaultPageLimit), h.now)
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.ready == nil {
		h.ready = func(ctx context.Context) error {
			_, err := h.guides.Categories(ctx)
			return err
		}
	}

	mux := http.NewServeMux()
	// GET patterns also match HEAD; net/http drops the body for HEAD.
	mux.HandleFunc("GET /{$}", redirect("/guides/"))
	mux.HandleFunc("GET /guides/{$}", h.serveIndex)
	mux.HandleFunc("GET /guides/{id}", h.serveGuide)
	if h.residents != nil {
		mux.HandleFunc("GET /report", h.serveReportForm)
		mux.HandleFunc("POST /report", h.submitReport)
		mux.HandleFunc("GET /report.js", serveReportScript)
		mux.HandleFunc("GET /status/{number}", h.serveStatus)
		mux.HandleFunc("GET /receipts/{number}", h.serveReceipt)
	}
	mux.HandleFunc("GET /healthz", h.serveHealth)
	mux.HandleFunc("GET /readyz", h.serveReady)
	mux.HandleFunc("/", h.serveFallback)

	h.root = h.logRequests(h.recoverPanics(securityHeaders(mux)))
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.root.ServeHTTP(w, r)
}

func redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to, http.StatusFound)
	}
}

// serveFallback answers whatever no route matched. Methods are part of the
// route patterns, so routes taking POST (the report form, the sync API) slot in
// without touching it.
func (h *Handler) serveFallback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "不支持该请求方法", http.StatusMethodNotAllowed)
		return
	}
	h.notFound(w, r, "页面不存在")
}

func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) {
	plain(w, http.StatusOK, "ok")
}

func (h *Handler) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.ready(ctx); err != nil {
		h.log.Warn("not ready", "err", err)
		plain(w, http.StatusServiceUnavailable, "not ready")
		return
	}
	plain(w, http.StatusOK, "ok")
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, body+"\n")
}

// Pages, each parsed with the shared layout. Parsing happens at start-up so a
// template defect fails the first test run, not a resident's request.
var (
	guideTmpl    = page("guide.html")
	indexTmpl    = page("index.html")
	notFoundTmpl = page("notfound.html")
	errorTmpl    = page("error.html")
	reportTmpl   = page("report.html")
	statusTmpl   = page("status.html")
	receiptTmpl  = page("receipt.html")
	messageTmpl  = page("message.html")
)

// The page stylesheet is inlined (one request on a slow phone connection) and
// allowed by its hash, so the CSP needs neither 'unsafe-inline' nor per-response
// nonces.
var (
	styleSheet = mustRead("templates/style.css")
	styleHash  = func() string {
		sum := sha256.Sum256([]byte(styleSheet))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
	contentSecurityPolicy = "default-src 'self'; style-src " + styleHash +
		"; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

func mustRead(name string) string {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: missing means a broken build
	}
	return string(b)
}

func page(name string) *template.Template {
	funcs := template.FuncMap{
		"css":           func() template.CSS { return template.CSS(styleSheet) },
		"buildingValue": buildingValue,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}
	return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
}

// render writes a whole page or, if the template fails, the error page: the
// page is built in memory first so a resident never gets half a page with a
// 200 status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		if t == errorTmpl {
			h.log.Error("render error page", "err", err)
			http.Error(w, "服务暂时不可用", http.StatusInternalServerError)
			return
		}
		h.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, message string) {
	h.render(w, r, http.StatusNotFound, notFoundTmpl, struct{ Message string }{message})
}

// internalError logs the cause and shows residents a plain apology; causes
// never reach the page.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		h.log.Debug("request cancelled by client", "path", logPath(r))
	} else {
		h.log.Error("internal error", "path", logPath(r), "err", err)
	}
	h.render(w, r, http.StatusInternalServerError, errorTmpl, nil)
}

// lookupFailed maps a service error to the page a resident sees.
func (h *Handler) lookupFailed(w http.ResponseWriter, r *http.Request, err error, notFoundMessage string) {
	switch bianmin.ErrorCode(err) {
	case bianmin.ENOTFOUND, bianmin.EINVALID:
		h.notFound(w, r, notFoundMessage)
	default:
		h.internalError(w, r, err)
	}
}
