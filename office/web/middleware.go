package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// securityHeaders sets the headers every response carries, before the handler
// runs, so redirects, 404s and 405s from the mux get them too.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into the error page and a log line with
// the panic value, instead of net/http's dropped connection.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler's way of saying "drop the connection"
			}
			sw, _ := w.(*statusWriter)
			if sw != nil && sw.status != 0 {
				h.log.Error("panic after response started", "path", logPath(r), "panic", fmt.Sprint(v))
				panic(http.ErrAbortHandler)
			}
			h.internalError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one line per request: method, path, status, bytes and
// duration. The query string is never logged: status pages carry their access
// secret there (§5.3), and search text is what a resident typed.
func (h *Handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		h.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", logPath(r)),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

// logPath is the request path for logs, cut to a bounded length so a hostile
// URL cannot flood them.
func logPath(r *http.Request) string {
	const max = 200
	p := r.URL.EscapedPath()
	if len(p) > max {
		p = p[:max] + "…"
	}
	return strings.ToValidUTF8(p, "")
}

// statusWriter records what was written for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx responses are not the final status
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
