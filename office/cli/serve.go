package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/metrics"
	"bianmin/office/sandbox"
	"bianmin/office/syncapi"
	"bianmin/office/web"
)

const serveDescription = `Serves, until SIGINT or SIGTERM:
  /guides/      the public guide pages, from the store
  /report       the mobile report form (扫码点单), rate-limited per client
  /status/N     a ticket's or application's progress (?s=SECRET from the slip)
  /staff/       the back office for street-office and member-unit staff
                (accounts: officed user add)
  /api/v1/      the kiosk API: enroll, records, changes, heartbeat, bills
                (online lookup) and pay (mobile payment codes)
  /healthz      200 while the process serves HTTP
  /readyz       200 while the database answers
  /metrics      Prometheus metrics
then finishes the requests in flight and exits 0. The listening address is
logged as "listening addr=...", which matters with --addr HOST:0.

Everything is stored in DIR/officed.db (SQLite, created with the directory if
missing). On the first start the guides, member units and grid data shipped
in the binary are published to the change feed; later starts leave them as
staff left them.

Mobile payment codes are authorised by the sandbox gateway (office/sandbox),
whose outcome is set by the code's last digit: 0–4 paid, 5 declined, 6 paying
then paid on the 2nd query, 7 paying then declined, 8 paying forever, 9
gateway error. Real providers plug in behind the same interface.

Behind a reverse proxy, --client-ip-header names the header carrying the
client's address (e.g. X-Real-IP), so rate limits apply per resident rather
than to the proxy.

Behind a proxy that terminates TLS, --secure-cookies marks the back office's
session cookie Secure (requests that arrive over TLS get that anyway).

Environment: OFFICED_ADDR, OFFICED_DATA, OFFICED_LOG_FORMAT,
OFFICED_LOG_LEVEL, OFFICED_CLIENT_IP_HEADER and OFFICED_SECURE_COOKIES (1 or
true) set the defaults of the flags of the same names; flags win.
`

type serveOptions struct {
	addr            string
	dataDir         string
	shutdownTimeout time.Duration
	clientIPHeader  string
	secureCookies   bool
}

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve [--addr HOST:PORT] [--data DIR] [flags]", serveDescription)
	var opts serveOptions
	fs.StringVar(&opts.addr, "addr", envOr(env, "OFFICED_ADDR", "127.0.0.1:8080"), "`HOST:PORT` to listen on (port 0 picks a free one)")
	dataFlag(fs, env, &opts.dataDir)
	logFormat := fs.String("log-format", envOr(env, "OFFICED_LOG_FORMAT", "text"), "log format on stderr: text or json")
	logLevel := fs.String("log-level", envOr(env, "OFFICED_LOG_LEVEL", "info"), "least severe level logged: debug, info, warn or error")
	fs.DurationVar(&opts.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish on shutdown")
	fs.StringVar(&opts.clientIPHeader, "client-ip-header", envOr(env, "OFFICED_CLIENT_IP_HEADER", ""), "`HEADER` a trusted reverse proxy sets to the client's address (empty: the connection's address)")
	secure := envOr(env, "OFFICED_SECURE_COOKIES", "")
	fs.BoolVar(&opts.secureCookies, "secure-cookies", secure == "1" || secure == "true", "mark the back office's session cookie Secure (officed behind a TLS-terminating proxy)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(env.Stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		fs.Usage()
		return errUsage
	}
	if opts.shutdownTimeout <= 0 {
		fmt.Fprintln(env.Stderr, "--shutdown-timeout must be positive")
		return errUsage
	}
	return serve(ctx, opts, logger)
}

func serve(ctx context.Context, opts serveOptions, logger *slog.Logger) (err error) {
	store, err := openStore(ctx, opts.dataDir, true)
	if err != nil {
		return err
	}
	// Closed only after the HTTP server has stopped, so a batch in flight
	// commits or rolls back before the database closes.
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the database: %w", cerr)
		}
	}()
	if err := office.SeedShipped(ctx, store, logger, time.Now()); err != nil {
		return err
	}
	handler, err := newHandler(store, logger, opts)
	if err != nil {
		return err
	}
	// Not store.Counts: counting every record would make a start slow once
	// years of them are stored.
	kiosks, err := store.Kiosks(ctx)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	logger.Info("listening", "addr", ln.Addr().String(), "kiosks", len(kiosks), "data", opts.dataDir)
	return serveHTTP(ctx, ln, handler, logger, opts.shutdownTimeout)
}

// newHandler wires officed's HTTP front: the sync API under /api/v1/ with
// mobile payment through the sandbox gateway, the metrics, and the public
// pages with the operations endpoints for the rest.
func newHandler(store office.Store, logger *slog.Logger, opts serveOptions) (http.Handler, error) {
	reg := metrics.NewRegistry()
	payments := office.NewPayments(store, sandbox.New(store, nil), logger, nil)
	api, err := syncapi.New(syncapi.Config{Store: store, Logger: logger, Metrics: reg, Payments: payments})
	if err != nil {
		return nil, err
	}
	cfg := web.Config{Guides: store, Logger: logger, Ready: store.Ping, Residents: store,
		Grid: func(ctx context.Context) ([]bianmin.Community, error) { return office.LoadGrid(ctx, store) }}
	if opts.clientIPHeader != "" {
		cfg.ClientIP = web.ClientIPFromHeader(opts.clientIPHeader)
	}
	pages, err := web.NewHandler(cfg)
	if err != nil {
		return nil, err
	}
	staff, err := backoffice.New(backoffice.Config{Store: store, Logger: logger, ClientIP: cfg.ClientIP,
		SecureCookies: opts.secureCookies, Payments: payments})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle(backoffice.Prefix, staff)
	mux.Handle("GET /staff", http.RedirectHandler(backoffice.Prefix, http.StatusMovedPermanently))
	mux.Handle("/metrics", reg)
	mux.Handle("/", pages)
	return mux, nil
}

// serveHTTP serves on ln until ctx is cancelled, then shuts down gracefully:
// no new connections, requests in flight get up to timeout to finish. It
// returns nil after a clean shutdown.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, timeout time.Duration) error {
	srv := &http.Server{
		Handler: h,
		// Bounded so slow or stalled clients cannot hold connections open.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}
