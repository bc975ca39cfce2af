package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ingressmux/ingressmux"
)

// server is the serving mode: the Mux behind plain-HTTP and HTTPS
// listeners, an optional admin listener, reloads and graceful shutdown.
type server struct {
	mux     *ingressmux.Mux
	logger  *slog.Logger
	servers []*http.Server
	ready   atomic.Bool
	stdout  io.Writer
	so      serveOptions
	obs     *observer
	// readiness, when not nil, must also say ready for /readyz to; its
	// text is shown either way.
	readiness func() (bool, string)
}

// serveOptions are the serving flags.
type serveOptions struct {
	listen, tlsListen, adminListen string
	drainTimeout, watchInterval    time.Duration
	accessLog                      bool
	// Against slow clients; see serve.
	readHeaderTimeout, idleTimeout time.Duration
	observe                        observeOptions
}

// runServe loads the manifests, serves until ctx is done, then drains
// in-flight requests. Reloads come from reload (SIGHUP) and from changes
// to the loaded files.
func runServe(ctx context.Context, cfg ingressmux.Config, so serveOptions, reload <-chan struct{}, stdout io.Writer, logger *slog.Logger) int {
	ctx, cancel := context.WithCancel(ctx) // stops the watcher on every return
	defer cancel()
	lns, code := bind(so, logger)
	if code != 0 {
		return code
	}
	if lns[1] != nil {
		cfg.HTTPSPort = lns[1].Addr().(*net.TCPAddr).Port
	}
	changes := watch(ctx, cfg.Paths, so.watchInterval)
	mux, obs, code := loadObserved(ctx, cfg, so, lns, logger, ingressmux.Load)
	if code != 0 {
		return code
	}
	defer mux.Close() // after the servers have drained
	s := startServer(mux, lns, so, obs, stdout, logger, nil)
	s.logWarnings()
	s.ready.Store(true)

	for {
		select {
		case <-ctx.Done():
			s.stop(so.drainTimeout)
			return 0
		case <-reload:
			s.reload(ctx, "signal")
		case <-changes:
			s.reload(ctx, "file change")
		}
	}
}

// loadObserved starts the observer of so (metrics, tracing, the routes
// page) and loads the Mux of cfg with load, observed by it. A non-zero
// code means failure, logged, with the listeners closed.
func loadObserved(ctx context.Context, cfg ingressmux.Config, so serveOptions, lns [3]net.Listener, logger *slog.Logger,
	load func(context.Context, ingressmux.Config) (*ingressmux.Mux, error)) (*ingressmux.Mux, *observer, int) {
	obs, err := newObserver(ctx, so.observe, lns[2] != nil, &cfg, logger)
	if err != nil {
		logger.Error("observability", "err", err)
		closeAll(lns[:])
		return nil, nil, 2
	}
	mux, err := load(ctx, cfg)
	if err != nil {
		logger.Error("load failed", "err", err)
		closeAll(lns[:])
		obs.close(context.Background())
		return nil, nil, 1
	}
	obs.attach(mux)
	return mux, obs, 0
}

// bind opens the listeners of -listen, -tls-listen and -admin-listen, in
// that order (nil where the flag is empty). Binding comes first: redirects
// to HTTPS must name the port it is served on, which is known only once
// bound (-tls-listen 127.0.0.1:0). A non-zero code means failure, logged.
func bind(so serveOptions, logger *slog.Logger) ([3]net.Listener, int) {
	var lns [3]net.Listener
	for i, addr := range []string{so.listen, so.tlsListen, so.adminListen} {
		if addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			logger.Error("listen", "addr", addr, "err", err)
			closeAll(lns[:])
			return lns, 1
		}
		lns[i] = ln
	}
	if lns == [3]net.Listener{} {
		logger.Error("nothing to serve: -listen, -tls-listen and -admin-listen are all empty")
		return lns, 2
	}
	return lns, 0
}

// startServer serves mux on the listeners from bind, observed by obs. It
// is not ready until the caller says so; readiness, when not nil, is asked
// too, and adds its state to /readyz.
func startServer(mux *ingressmux.Mux, lns [3]net.Listener, so serveOptions, obs *observer, stdout io.Writer, logger *slog.Logger, readiness func() (bool, string)) *server {
	s := &server{mux: mux, logger: logger, stdout: stdout, so: so, obs: obs, readiness: readiness}
	handler := obs.wrap(mux)
	if so.accessLog {
		handler = accessLog(handler, logger)
	}
	if lns[0] != nil {
		s.serve("http", lns[0], handler, false)
	}
	if lns[1] != nil {
		s.serve("https", lns[1], handler, true)
	}
	if lns[2] != nil {
		s.serve("admin", lns[2], s.admin(), false)
	}
	return s
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

// reload swaps in the re-read manifests, or keeps the running table and
// says why.
func (s *server) reload(ctx context.Context, why string) {
	start := time.Now()
	if err := s.mux.Reload(ctx); err != nil {
		s.logger.Error("reload failed; the previous routing table keeps serving", "trigger", why, "err", err)
		return
	}
	s.logger.Info("reloaded", "trigger", why, "routes", s.mux.Compiled().Table.Len(), "took", time.Since(start).Round(time.Millisecond))
	s.logWarnings()
}

// logWarnings logs the warnings of the last load: the Mux reports them
// nowhere else.
func (s *server) logWarnings() {
	for _, w := range s.mux.Warnings() {
		s.logger.Warn("ingressmux: " + w.String())
	}
}

// serve starts one server on ln. Timeouts are set against slow clients:
// a request's headers must arrive within -read-header-timeout (10 s) of
// its first byte, or of the connection for its first request, and idle
// keep-alive connections close after -idle-timeout (2 minutes), so
// connections that send nothing, or headers a byte at a time, cannot pile
// up. Bodies may stream for as long as they keep coming, since uploads and
// streams have no natural bound; a body that stalls is cut off by the
// route's proxy-send-timeout. Headers are limited to 1 MiB.
func (s *server) serve(name string, ln net.Listener, h http.Handler, useTLS bool) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.so.readHeaderTimeout,
		IdleTimeout:       s.so.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	scheme := "http"
	if useTLS {
		srv.TLSConfig = s.mux.TLSConfig()
		scheme = "https"
	}
	s.servers = append(s.servers, srv)
	fmt.Fprintf(s.stdout, "%s listening on %s://%s\n", name, scheme, ln.Addr())
	go func() {
		var err error
		if useTLS {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// maxHeaderBytes bounds a request's header section, request line
// included: larger ones get 431.
const maxHeaderBytes = 1 << 20

// stop marks the process not ready, then drains every server: they stop
// accepting, and in-flight requests get drainTimeout to finish.
func (s *server) stop(drainTimeout time.Duration) {
	s.ready.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			s.logger.Warn("drain incomplete", "err", err)
		}
	}
	s.obs.close(ctx)
}

// admin serves /healthz (the process is up) and /readyz (it serves
// traffic: loaded, in cluster mode synced, and not draining), /metrics
// and the routes page at /.
func (s *server) admin() http.Handler {
	mux := http.NewServeMux()
	s.obs.mount(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		if s.readiness != nil {
			ok, detail := s.readiness()
			if !ok {
				http.Error(w, "not ready: "+detail, http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "ok: "+detail+"\n")
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// accessLog logs one line per request with slog.
func accessLog(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("request", "method", r.Method, "host", r.Host, "uri", r.RequestURI, "status", rec.status,
			"bytes", rec.bytes, "duration", time.Since(start), "remote", r.RemoteAddr)
	})
}

// statusRecorder remembers the status and size of a response. It forwards
// Flush and Hijack through Unwrap, which http.ResponseController uses.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
