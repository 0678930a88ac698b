package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"bianmin/assets"
	"bianmin/office/inmem"
	"bianmin/office/web"
)

const serveDescription = `Serves the public guide pages (/guides/) and the operations endpoints
(/healthz, /readyz) until SIGINT or SIGTERM, then finishes the requests in
flight and exits 0. The listening address is logged as "listening addr=...",
which matters with --addr HOST:0.

Guides are served from the set built into the binary. The data directory is
created if missing, but nothing is stored in it yet: the SQLite store and the
kiosk sync API that will live there arrive with later releases.

Environment: OFFICED_ADDR, OFFICED_DATA, OFFICED_LOG_FORMAT and
OFFICED_LOG_LEVEL set the defaults of the flags of the same names; flags win.
`

type serveOptions struct {
	addr            string
	dataDir         string
	shutdownTimeout time.Duration
}

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve [--addr HOST:PORT] [--data DIR] [flags]", serveDescription)
	var opts serveOptions
	fs.StringVar(&opts.addr, "addr", envOr(env, "OFFICED_ADDR", "127.0.0.1:8080"), "`HOST:PORT` to listen on (port 0 picks a free one)")
	fs.StringVar(&opts.dataDir, "data", envOr(env, "OFFICED_DATA", "./officed-data"), "`DIR` for officed's data (created if missing; nothing is stored there yet)")
	logFormat := fs.String("log-format", envOr(env, "OFFICED_LOG_FORMAT", "text"), "log format on stderr: text or json")
	logLevel := fs.String("log-level", envOr(env, "OFFICED_LOG_LEVEL", "info"), "least severe level logged: debug, info, warn or error")
	fs.DurationVar(&opts.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long requests in flight may take to finish on shutdown")
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

func serve(ctx context.Context, opts serveOptions, logger *slog.Logger) error {
	if err := os.MkdirAll(opts.dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// The shipped guides stand in for the office's store until the SQLite store
	// (seeded from the same set) replaces inmem here.
	shipped, err := assets.Guides()
	if err != nil {
		return err
	}
	guides, err := inmem.NewGuideService(shipped)
	if err != nil {
		return fmt.Errorf("shipped guides: %w", err)
	}
	handler, err := web.NewHandler(web.Config{Guides: guides, Logger: logger})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	logger.Info("listening", "addr", ln.Addr().String(), "guides", guides.Len(), "data", opts.dataDir)
	return serveHTTP(ctx, ln, handler, logger, opts.shutdownTimeout)
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
