// Package syncapi is officed's side of the kiosk sync protocol (sync/wire,
// sync/sign) over HTTP: enrollment, record push, change feed pull and
// heartbeats under /api/v1/, and the online services kiosks call with the
// same signatures: bill lookup and mobile payment. It keeps no state of its
// own beyond metrics; everything lives in the office.Store (and the
// office.Payments) it is built with.
//
// Every refusal is a wire.ErrorBody with a 4xx status and stores nothing: the
// signature, clock skew, kiosk and body are all checked before the store is
// asked to write, and the nonce is recorded in the same transaction as the
// request's own writes, so a replayed request cannot store anything either.
// (A payment request records its nonce first, then asks the gateway: a
// replay is refused all the same, and the order id makes a retry harmless.)
package syncapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/metrics"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// Config holds what the handler serves from.
type Config struct {
	// Store is required.
	Store office.Store
	// Logger receives one line per request; nil discards. Record data and
	// request bodies are never logged.
	Logger *slog.Logger
	// Metrics receives the sync API's metrics (see New); nil keeps them in a
	// registry of the handler's own, reachable with Handler.Metrics.
	Metrics *metrics.Registry
	// Now is the clock signatures, expiry and online-ness are judged by; nil
	// is time.Now.
	Now func() time.Time
	// Payments authorises payment codes; nil answers the /pay endpoints
	// with 404 "payments_disabled".
	Payments *office.Payments
}

// Handler serves the sync API. It is safe for concurrent use.
//
// Routes (see sync/wire for the sync bodies, the bianmin package for the
// others):
//
//	POST /api/v1/enroll      unsigned: the one-time code is the credential
//	POST /api/v1/records     signed; a record that does not decode and
//	                         validate (or whose number is another record's)
//	                         refuses the batch: 422 naming it, nothing stored
//	GET  /api/v1/changes     signed; ?cursor=N[&class=C][&limit=L]
//	POST /api/v1/heartbeat   signed
//	POST /api/v1/bills/household  signed; bianmin.HouseholdQuery →
//	                         bianmin.Household (holders masked), 422
//	                         "too_many" when more households share the name
//	                         than bianmin.MaxHousehold
//	GET  /api/v1/bills       signed; ?biller=B&account=A → bianmin.Bill (holder
//	                         masked), 404 "no_bill" when the account owes nothing
//	POST /api/v1/pay         signed; bianmin.PayRequest → bianmin.PayResult
//	GET  /api/v1/pay/{order} signed; → bianmin.PayResult (asks the gateway
//	                         while paying), 404 "no_order"
//	POST /api/v1/pay/{order}/cancel  signed, empty body; → bianmin.PayResult,
//	                         never success; 503 "gateway_unavailable" when
//	                         the gateway cannot be reached (cancel again)
//
// A payment that does not complete is not an HTTP error: declined, paying
// and error are 200 answers with that status. A pay request that reuses an
// order id with another amount, biller or account is 409 "conflict".
//
// Any other method on these paths is 405, any other path under /api/v1/ 404,
// both with a JSON error body.
type Handler struct {
	store office.Store
	pay   *office.Payments
	log   *slog.Logger
	now   func() time.Time
	reg   *metrics.Registry
	m     apiMetrics

	lastPrune atomic.Int64 // Unix seconds of the last nonce pruning
}

type apiMetrics struct {
	ingested    *metrics.CounterVec
	duplicates  *metrics.Counter
	batches     *metrics.Counter
	rejects     *metrics.CounterVec
	internal    *metrics.Counter
	enrollments *metrics.Counter
	heartbeats  *metrics.Counter
	payResults  *metrics.CounterVec
	billLookups *metrics.CounterVec
	duration    *metrics.HistogramVec
}

// OnlineWindow is how recent a kiosk's last heartbeat must be for it to count
// as online.
const OnlineWindow = 2 * time.Minute

// maxEnrollBytes bounds an enrollment body: a code, a name and a key.
const maxEnrollBytes = 4 << 10

// The endpoints, as metric label values.
var endpoints = []string{"enroll", "records", "changes", "heartbeat", "bills", "household", "pay", "pay_query", "pay_cancel"}

// maxPayBytes bounds a pay request: a receipt number, an account and a code.
const maxPayBytes = 4 << 10

// New returns the handler for cfg and registers its metrics:
//
//	officed_records_ingested_total{kind}   records newly stored
//	officed_records_duplicate_total        records received again (acknowledged, not stored)
//	officed_batches_total                  batches stored
//	officed_rejects_total{code}            requests refused, by wire error code
//	officed_internal_errors_total          requests failed by officed itself (500)
//	officed_enrollments_total, officed_heartbeats_total
//	officed_pay_results_total{status}      payment answers given, by status
//	officed_bill_lookups_total{result}     bill lookups: found, not_found
//	officed_request_duration_seconds{endpoint}
//	officed_kiosks_online                  kiosks with a heartbeat in the last OnlineWindow
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("syncapi: Config.Store is required")
	}
	h := &Handler{store: cfg.Store, pay: cfg.Payments, log: cfg.Logger, now: cfg.Now, reg: cfg.Metrics}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.reg == nil {
		h.reg = metrics.NewRegistry()
	}
	var kinds []string
	for k := range wire.Kinds {
		kinds = append(kinds, k)
	}
	h.m = apiMetrics{
		ingested:    h.reg.NewCounterVec("officed_records_ingested_total", "Records newly stored, by kind.", "kind", kinds...),
		duplicates:  h.reg.NewCounter("officed_records_duplicate_total", "Records a kiosk sent again: acknowledged, not stored twice."),
		batches:     h.reg.NewCounter("officed_batches_total", "Record batches stored."),
		rejects:     h.reg.NewCounterVec("officed_rejects_total", "Sync API requests refused, by error code.", "code"),
		internal:    h.reg.NewCounter("officed_internal_errors_total", "Sync API requests that failed inside officed (HTTP 500)."),
		enrollments: h.reg.NewCounter("officed_enrollments_total", "Kiosks enrolled."),
		heartbeats:  h.reg.NewCounter("officed_heartbeats_total", "Heartbeats stored."),
		payResults: h.reg.NewCounterVec("officed_pay_results_total", "Mobile payment answers given to kiosks, by status.", "status",
			bianmin.PaySuccess, bianmin.PayDeclined, bianmin.PayPaying, bianmin.PayError, bianmin.PayCancelled),
		billLookups: h.reg.NewCounterVec("officed_bill_lookups_total", "Online bill lookups by kiosks, by result.", "result", "found", "not_found"),
		duration: h.reg.NewHistogramVec("officed_request_duration_seconds", "Sync API request latency, by endpoint.",
			"endpoint", metrics.DefBuckets, endpoints...),
	}
	h.reg.NewGaugeFunc("officed_kiosks_online", "Kiosks not revoked whose last heartbeat is at most 2 minutes old.",
		func(ctx context.Context) (float64, error) {
			n, err := h.store.KiosksOnline(ctx, h.now().Add(-OnlineWindow))
			return float64(n), err
		})
	return h, nil
}

// Metrics returns the registry the handler's metrics are in.
func (h *Handler) Metrics() *metrics.Registry { return h.reg }

// entry is what the request log line says about one request.
type entry struct {
	endpoint string
	status   int
	code     string // the wire error code of a refusal
	kiosk    string
	attrs    []slog.Attr
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	e := &entry{endpoint: "other"}
	route, method, name := h.route(r.URL.Path)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.internal(w, e, fmt.Errorf("panic: %v", v))
		}
		d := time.Since(start)
		if e.endpoint != "other" {
			h.m.duration.Observe(e.endpoint, d.Seconds())
		}
		// Refused credentials are worth an operator's eye: a kiosk with a bad
		// clock, a revoked machine still running, or someone probing.
		level := slog.LevelInfo
		switch {
		case e.status >= 500:
			level = slog.LevelError
		case e.status == http.StatusUnauthorized || e.status == http.StatusForbidden:
			level = slog.LevelWarn
		}
		attrs := append([]slog.Attr{
			slog.String("method", r.Method), slog.String("endpoint", e.endpoint), slog.Int("status", e.status),
			slog.Duration("duration", d),
		}, e.attrs...)
		if e.kiosk != "" {
			attrs = append(attrs, slog.String("kiosk", e.kiosk))
		}
		if e.code != "" {
			attrs = append(attrs, slog.String("code", e.code))
		}
		h.log.LogAttrs(r.Context(), level, "api", attrs...)
	}()
	if route == nil {
		h.fail(w, e, http.StatusNotFound, &wire.Error{Code: "not_found", Message: "no such sync API endpoint"})
		return
	}
	e.endpoint = name
	if r.Method != method {
		w.Header().Set("Allow", method)
		h.fail(w, e, http.StatusMethodNotAllowed, &wire.Error{Code: "method_not_allowed", Message: r.Method + " not allowed; use " + method})
		return
	}
	route(w, r, e)
}

// route returns the handler of path, its method and its endpoint name (a
// metric label: never the order id of a /pay/{order} path).
func (h *Handler) route(path string) (func(http.ResponseWriter, *http.Request, *entry), string, string) {
	switch path {
	case "/api/v1/enroll":
		return h.enroll, http.MethodPost, "enroll"
	case "/api/v1/records":
		return h.records, http.MethodPost, "records"
	case "/api/v1/changes":
		return h.changes, http.MethodGet, "changes"
	case "/api/v1/heartbeat":
		return h.heartbeat, http.MethodPost, "heartbeat"
	case "/api/v1/bills":
		return h.bills, http.MethodGet, "bills"
	case "/api/v1/bills/household":
		return h.household, http.MethodPost, "household"
	case "/api/v1/pay":
		return h.payStart, http.MethodPost, "pay"
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/pay/"); ok {
		if order, ok := strings.CutSuffix(rest, "/cancel"); ok && !strings.Contains(order, "/") {
			return h.payCancel(order), http.MethodPost, "pay_cancel"
		}
		if !strings.Contains(rest, "/") {
			return h.payQuery(rest), http.MethodGet, "pay_query"
		}
	}
	return nil, "", ""
}

func (h *Handler) reply(w http.ResponseWriter, e *entry, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		h.internal(w, e, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
	e.status = status
}

// fail refuses the request with a 4xx and counts it.
func (h *Handler) fail(w http.ResponseWriter, e *entry, status int, we *wire.Error) {
	e.code = we.Code
	if we.Record != "" {
		e.attrs = append(e.attrs, slog.String("record", clip(we.Record)))
	}
	h.m.rejects.Inc(we.Code)
	h.reply(w, e, status, wire.ErrorBody{Error: we})
}

// internal answers 500 with a plain message; the cause goes to the log only.
func (h *Handler) internal(w http.ResponseWriter, e *entry, err error) {
	e.code = "internal"
	e.attrs = append(e.attrs, slog.String("err", err.Error()))
	h.m.internal.Inc()
	h.reply(w, e, http.StatusInternalServerError, wire.ErrorBody{Error: &wire.Error{Code: "internal", Message: "internal error; try again later"}})
}

// clip bounds request-supplied text (a record id that failed validation) in
// logs, so a hostile request cannot flood them.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// readBody reads at most limit bytes of the body; a longer body is a 413.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, e *entry, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.fail(w, e, http.StatusRequestEntityTooLarge, &wire.Error{Code: "too_large", Message: fmt.Sprintf("body over %d bytes", limit)})
		return nil, false
	case err != nil:
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "reading the body: " + err.Error()})
		return nil, false
	}
	return body, true
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// signed is an authenticated request.
type signed struct {
	kiosk office.Kiosk
	nonce office.Nonce
	body  []byte
}

// authenticate checks a signed request: header, body size, kiosk, clock
// skew, signature over the exact body bytes read, revocation. The nonce is
// checked later, in the store transaction that acts on the request.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, e *entry) (signed, bool) {
	hdr, err := sign.Parse(r.Header.Get("Authorization"))
	if err != nil {
		code := "bad_signature"
		if errors.Is(err, sign.ErrMissing) {
			code = "no_signature"
		}
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: code, Message: err.Error()})
		return signed{}, false
	}
	e.kiosk = clip(hdr.Kiosk)
	body, ok := h.readBody(w, r, e, wire.MaxBodyBytes)
	if !ok {
		return signed{}, false
	}
	k, err := h.store.Kiosk(r.Context(), hdr.Kiosk)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: "unknown_kiosk", Message: "no kiosk is enrolled with this id; enroll with a new code"})
		return signed{}, false
	}
	if err != nil {
		h.internal(w, e, err)
		return signed{}, false
	}
	now := h.now()
	// The path signed is the request target exactly as the kiosk sent it.
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	switch err := sign.Verify(hdr, k.PublicKey, r.Method, target, body, now); {
	case errors.Is(err, sign.ErrStale):
		skew := time.Unix(hdr.TS, 0).Sub(now).Round(time.Second)
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: "stale", Message: fmt.Sprintf(
			"request time is %v from officed's clock (%s); allowed ±%v: check the kiosk's clock", skew, now.UTC().Format(time.RFC3339), sign.Skew)})
		return signed{}, false
	case err != nil:
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: "bad_signature", Message: err.Error()})
		return signed{}, false
	}
	if k.Revoked() {
		h.fail(w, e, http.StatusForbidden, revokedError)
		return signed{}, false
	}
	return signed{kiosk: k, nonce: office.Nonce{KioskID: k.ID, Value: hdr.Nonce, TS: time.Unix(hdr.TS, 0)}, body: body}, true
}

var revokedError = &wire.Error{Code: "revoked", Message: "this kiosk has been revoked; enroll it again with a new code"}

// storeFailed maps the errors a store returns for a signed request.
func (h *Handler) storeFailed(w http.ResponseWriter, e *entry, err error) {
	var re *office.RecordError
	switch {
	case errors.As(err, &re):
		code := "invalid"
		if bianmin.ErrorCode(re.Err) == bianmin.ECONFLICT {
			code = "conflict"
		}
		h.fail(w, e, http.StatusUnprocessableEntity, &wire.Error{Code: code, Message: re.Err.Error(), Record: re.Record})
	case errors.Is(err, office.ErrReplay):
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: "replay", Message: "nonce already used: every request needs a new one"})
	case errors.Is(err, office.ErrRevoked):
		h.fail(w, e, http.StatusForbidden, revokedError)
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		h.fail(w, e, http.StatusUnauthorized, &wire.Error{Code: "unknown_kiosk", Message: "no kiosk is enrolled with this id"})
	case bianmin.ErrorCode(err) == bianmin.EINVALID:
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
	default:
		h.internal(w, e, err)
	}
}

// maybePrune forgets stale nonces at most once a minute, on the request that
// happens to come first.
func (h *Handler) maybePrune(ctx context.Context) {
	now := h.now()
	last := h.lastPrune.Load()
	if now.Unix()-last < 60 || !h.lastPrune.CompareAndSwap(last, now.Unix()) {
		return
	}
	n, err := h.store.PruneNonces(ctx, now.Add(-2*sign.Skew))
	if err != nil {
		h.log.Warn("pruning nonces", "err", err)
		return
	}
	h.log.Debug("pruned nonces", "count", n)
}

func (h *Handler) enroll(w http.ResponseWriter, r *http.Request, e *entry) {
	body, ok := h.readBody(w, r, e, maxEnrollBytes)
	if !ok {
		return
	}
	var req wire.EnrollRequest
	if err := decodeStrict(body, &req); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "enrollment is not valid JSON: " + err.Error()})
		return
	}
	if len(req.PublicKey) != 32 {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: fmt.Sprintf("public_key must be a 32-byte Ed25519 key, got %d bytes", len(req.PublicKey))})
		return
	}
	hash, ok := office.HashEnrollCode(req.Code)
	if !ok {
		h.fail(w, e, http.StatusForbidden, &wire.Error{Code: "enroll_code", Message: office.ErrCodeUnknown.Error()})
		return
	}
	now := h.now()
	k, err := h.store.Enroll(r.Context(), office.Enrollment{CodeHash: hash, PublicKey: req.PublicKey, At: now})
	switch {
	case errors.Is(err, office.ErrCodeUnknown), errors.Is(err, office.ErrCodeUsed), errors.Is(err, office.ErrCodeExpired):
		h.fail(w, e, http.StatusForbidden, &wire.Error{Code: "enroll_code", Message: err.Error()})
		return
	case err != nil:
		h.internal(w, e, err)
		return
	}
	e.kiosk = k.ID
	e.attrs = append(e.attrs, slog.String("name", k.Name))
	h.m.enrollments.Inc()
	h.reply(w, e, http.StatusOK, wire.EnrollResponse{KioskID: k.ID, Name: k.Name, Server: now.UTC()})
}

// batchStatus is the HTTP status of each DecodeBatch error code.
func batchStatus(we *wire.Error) int {
	switch we.Code {
	case "too_large":
		return http.StatusRequestEntityTooLarge
	case "unknown_kind", "unknown_schema":
		return http.StatusUnprocessableEntity
	case "invalid":
		if we.Record != "" {
			return http.StatusUnprocessableEntity
		}
	}
	return http.StatusBadRequest
}

func (h *Handler) records(w http.ResponseWriter, r *http.Request, e *entry) {
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	batch, we := wire.DecodeBatch(req.body)
	if we != nil {
		h.fail(w, e, batchStatus(we), we)
		return
	}
	res, err := h.store.Ingest(r.Context(), req.nonce, batch.Records, h.now())
	if err != nil {
		h.storeFailed(w, e, err)
		return
	}
	newN := 0
	for kind, n := range res.New {
		h.m.ingested.Add(kind, uint64(n))
		newN += n
	}
	h.m.duplicates.Add(uint64(res.Duplicates))
	h.m.batches.Inc()
	e.attrs = append(e.attrs, slog.Int("records", len(batch.Records)), slog.Int("new", newN), slog.Int("duplicates", res.Duplicates))
	h.reply(w, e, http.StatusOK, wire.BatchAck{Acked: res.Acked, Duplicates: res.Duplicates})
	h.maybePrune(r.Context())
}

// parseChangesQuery reads ?cursor=N[&class=C][&limit=L], each at most once and
// nothing else.
func parseChangesQuery(r *http.Request) (office.ChangesQuery, error) {
	q := office.ChangesQuery{Limit: office.DefaultPage}
	values := r.URL.Query()
	for k, vs := range values {
		if len(vs) != 1 {
			return q, fmt.Errorf("parameter %q given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case "cursor":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || strconv.FormatInt(n, 10) != v {
				return q, fmt.Errorf("cursor must be a non-negative integer")
			}
			q.Cursor = n
		case "class":
			if !office.ValidClass(v) {
				return q, fmt.Errorf("unknown class %q", clip(v))
			}
			q.Class = v
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > office.MaxPage || strconv.Itoa(n) != v {
				return q, fmt.Errorf("limit must be an integer from 1 to %d", office.MaxPage)
			}
			q.Limit = n
		default:
			return q, fmt.Errorf("unknown parameter %q", clip(k))
		}
	}
	return q, nil
}

func (h *Handler) changes(w http.ResponseWriter, r *http.Request, e *entry) {
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	q, err := parseChangesQuery(r)
	if err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
		return
	}
	if err := h.store.UseNonce(r.Context(), req.nonce); err != nil {
		h.storeFailed(w, e, err)
		return
	}
	ch, err := h.store.Changes(r.Context(), q)
	if err != nil {
		h.storeFailed(w, e, err)
		return
	}
	e.attrs = append(e.attrs, slog.Int64("cursor", q.Cursor), slog.Int("changes", len(ch.Changes)), slog.Int64("next", ch.Cursor))
	if len(ch.MustRefetch) > 0 {
		e.attrs = append(e.attrs, slog.Any("must_refetch", ch.MustRefetch))
	}
	h.reply(w, e, http.StatusOK, ch)
	h.maybePrune(r.Context())
}

// validateHeartbeat bounds what a kiosk may report, so one row stays small.
func validateHeartbeat(hb wire.Heartbeat) error {
	switch {
	case len(hb.AppVersion) > 64:
		return errors.New("app_version over 64 bytes")
	case hb.UptimeS < 0 || hb.QueueDepth < 0 || hb.Rejected < 0 || hb.Cursor < 0:
		return errors.New("uptime_s, queue_depth, rejected and cursor must not be negative")
	case hb.Cash.Notes < 0 || hb.Cash.Coins < 0 || hb.Cash.TotalFen < 0:
		return errors.New("cash counts must not be negative")
	case len(hb.Devices) > 32:
		return errors.New("more than 32 devices")
	}
	for k, v := range hb.Devices {
		if len(k) > 64 || len(v) > 256 {
			return errors.New("device name over 64 or status over 256 bytes")
		}
	}
	return nil
}

func (h *Handler) heartbeat(w http.ResponseWriter, r *http.Request, e *entry) {
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	var hb wire.Heartbeat
	if err := decodeStrict(req.body, &hb); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "heartbeat is not valid JSON: " + err.Error()})
		return
	}
	if err := validateHeartbeat(hb); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: "heartbeat: " + err.Error()})
		return
	}
	now := h.now()
	if err := h.store.Heartbeat(r.Context(), req.nonce, hb, now); err != nil {
		h.storeFailed(w, e, err)
		return
	}
	h.m.heartbeats.Inc()
	e.attrs = append(e.attrs, slog.String("app_version", hb.AppVersion), slog.Int("queue_depth", hb.QueueDepth))
	h.reply(w, e, http.StatusOK, wire.HeartbeatAck{Server: now.UTC()})
	h.maybePrune(r.Context())
}
