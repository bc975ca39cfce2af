package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"slices"

	"sync"
	"sync/atomic"
	"time"

	"github.com/ingressmux/ingressmux/route"
)

// Handler is an http.Handler that serves a route.Table as a reverse proxy.
// Create it with New; reload its table with Reload. It is safe for
// concurrent use.
type Handler struct {
	cfg     Config // Table is unused: the live table is in state
	maxBody int64  // Config.MaxBodyBytes with the default applied

	mu    sync.Mutex // serialises Reload
	state atomic.Pointer[state]

	lastPort atomic.Pointer[portName] // see portString

	mirrors mirrorRunner // sends Route.Mirrors' copies
}

// New validates cfg and returns a Handler serving cfg.Table.
//
// Every rule of the table must carry a non-nil *Route with a non-nil
// Upstream whose endpoints are "host:port" addresses and whose TLS settings
// build (for HTTPS and GRPCS). Every problem is reported, each naming the
// rule's origin, host and path, joined with errors.Join. ServeHTTP never
// checks the configuration again.
func New(cfg Config) (*Handler, error) {
	h := &Handler{cfg: cfg, maxBody: cfg.MaxBodyBytes}
	h.mirrors.init()
	h.cfg.Table = nil
	h.cfg.TrustedProxies = slices.Clone(cfg.TrustedProxies)
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	var errs []error
	for i, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("proxy: Config.TrustedProxies[%d]: invalid prefix %q", i, p))
		}
	}
	st, err := h.build(cfg.Table, nil)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	h.state.Store(st)
	return h, nil
}

// Table returns the table being served: the one given to New or to the
// last successful Reload.
func (h *Handler) Table() *route.Table {
	return h.state.Load().table
}

// logger returns the configured logger, else the current slog default.
func (h *Handler) logger() *slog.Logger {
	if h.cfg.Logger != nil {
		return h.cfg.Logger
	}
	return slog.Default()
}

// ServeHTTP proxies r according to the rule it matches.
//
// The steps are, in order: OPTIONS * is answered with 200; CONNECT gets
// 405; a malformed path gets 400; no matching rule gets Config.NotFound or
// 404; the route's response headers are set and a CORS preflight is
// answered (Traffic); redirects (app-root, fixed, host, HTTPS); rate
// limits, IP lists and authentication (Traffic); a declared body over the
// limit gets 413; a canary, a weighted backend or the route's upstream is
// chosen (a stand-in for an unresolved backend gets 500), and without
// endpoints the DefaultBackend serves, else 503; otherwise the request goes
// to the endpoint the upstream's Balancing picks for it, retried on
// another as Route.Retry allows.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := h.tracking(r)
	if info != nil {
		info.Start, info.Method = time.Now(), r.Method
		w = info.writer(w)
		defer h.finish(info)
	}
	h.serve(w, r, info)
}

// serve is ServeHTTP, with info to fill in when not nil.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, info *Info) {
	if r.Method == http.MethodOptions && r.RequestURI == "*" {
		info.act(ActionOptions)
		serveOptionsStar(w)
		return
	}
	if r.Method == http.MethodConnect {
		// A reverse proxy offers no tunnels: forwarded, a CONNECT would
		// ask a backend to open one, past every route. nginx answers 405.
		info.act(ActionBadRequest)
		writeError(w, http.StatusMethodNotAllowed, "405 method not allowed")
		return
	}
	st := h.state.Load()
	if st.closed {
		info.act(ActionClosed)
		writeError(w, http.StatusServiceUnavailable, "503 service unavailable: shutting down")
		return
	}
	rule, cleanPath, err := st.table.MatchRequest(r)
	if err == nil && r.URL == nil {
		err = errors.New("proxy: request without a URL")
	}
	if err != nil {
		h.logger().LogAttrs(r.Context(), slog.LevelDebug, "proxy: malformed request path",
			slog.String("uri", r.RequestURI), slog.Any("error", err))
		info.act(ActionBadRequest)
		writeError(w, http.StatusBadRequest, "400 bad request: malformed path")
		return
	}
	if rule == nil {
		info.act(ActionNotFound)
		if info != nil && info.dry != nil && h.cfg.NotFound != nil {
			return // a dry run does not call the program's handler
		}
		h.notFound(w, r)
		return
	}
	value, _ := rule.Value.(*Route)
	rt := st.routes.get(value) // validated by build, unless Update was misused
	if rt == nil {
		// Only a table given to Update with rules that were neither in
		// the table served nor in added gets here: fail closed, loudly.
		h.logger().LogAttrs(r.Context(), slog.LevelError, "proxy: the matched rule was never validated (Update given a table with rules outside added); answering 500",
			slog.String("rule", rule.String()))
		info.act(ActionUnresolved)
		writeError(w, http.StatusInternalServerError, "500 internal server error")
		return
	}
	if info != nil {
		info.Rule, info.Route = rule, rt.route
	}
	if t := rt.route.Traffic; t != nil && t.Deny != "" {
		// Closed until an object it needs is loaded: before everything
		// else, so that no policy the route asks for is skipped.
		writeError(w, http.StatusServiceUnavailable, "503 service unavailable")
		info.act(ActionUnavailable)
		return
	}
	if t := rt.traffic; t != nil && t.respond(w, r) {
		info.act(ActionPreflight)
		return // a CORS preflight, answered before redirects as in ingress-nginx
	}
	peer := parsePeer(r.RemoteAddr, h.cfg.TrustedProxies)
	if h.redirect(w, r, rt.route, rule.Path, cleanPath, peer) {
		info.act(ActionRedirect)
		return
	}
	if t := rt.traffic; t != nil {
		var release func()
		var refused Action
		r, release, refused = t.admit(h, rt.route, w, r, peer, info)
		if refused != "" {
			info.act(refused)
			return
		}
		if release != nil {
			defer release()
		}
	}
	if declaredTooLarge(r.ContentLength, rt.maxBody) {
		h.logger().LogAttrs(r.Context(), slog.LevelDebug, "proxy: request body too large",
			slog.String("route", rt.route.Name), slog.Int64("content_length", r.ContentLength),
			slog.Int64("limit", rt.maxBody))
		info.act(ActionTooLarge)
		writeError(w, http.StatusRequestEntityTooLarge, "413 request body too large")
		return
	}
	dry := info != nil && info.dry != nil
	up, canary, backend := rt.pickUpstream(r)
	if up == nil || up.spec.Status != 0 {
		h.unresolved(w, r, rt, up, canary, info)
		return
	}
	pick, ok := h.choose(up, r, peer, cleanPath, dry)
	action := ActionProxy
	if !ok && rt.fallback != nil {
		// default-backend: it serves while the backend has no endpoint.
		up, action = rt.fallback.current(), ActionDefaultBackend
		pick, ok = h.choose(up, r, peer, cleanPath, dry)
	}
	if info != nil {
		info.Action, info.Upstream, info.Canary = action, up.cfg, canary
	}
	if !ok {
		h.logger().LogAttrs(r.Context(), slog.LevelWarn, "proxy: backend has no ready endpoints",
			slog.String("route", rt.route.Name), slog.String("upstream", up.name))
		info.act(ActionUnavailable)
		if info == nil && h.cfg.ErrorHandler == nil {
			writeError(w, http.StatusServiceUnavailable, errorText(http.StatusServiceUnavailable))
			return
		}
		h.fail(w, r, &Error{Status: http.StatusServiceUnavailable, Route: rt.route.Name, Upstream: up.name, Err: ErrNoEndpoints}, info)
		return
	}

	clientTLS := r.TLS != nil
	rc := &reqCtx{
		w:        w,
		h:        h,
		rt:       rt,
		up:       up,
		te:       up.transport(clientTLS),
		info:     info,
		in:       r,
		endpoint: pick.endpoint,
		cookie:   pick.cookie,
		path:     cleanPath,
		prefix:   rule.Path,
		backend:  backend,
		peer:     peer,
		client:   r.Context(),
	}
	ctx, cancel := context.WithCancel(r.Context())
	rc.trace.Got1xxResponse = rc.got1xx
	if info != nil {
		rc.trace.GetConn, rc.trace.GotConn = rc.connecting, rc.connected
	}
	rc.Context, rc.cancel = httptrace.WithClientTrace(ctx, &rc.trace), cancel
	out := r.WithContext(rc)
	if dry {
		// Explain: forward prepares the request as it would be sent and
		// records it instead; no body is read, no timer started.
		h.forward(w, rc, out)
		cancel()
		return
	}
	defer rc.finish()
	if !rc.start(out, w) {
		return
	}
	h.forward(w, rc, out)
}

// notFound answers a request that no rule matches.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	if h.cfg.NotFound != nil {
		h.cfg.NotFound.ServeHTTP(w, r)
		return
	}
	writeError(w, http.StatusNotFound, "404 page not found")
}

// serveOptionsStar answers "OPTIONS *", a question about the server as a
// whole, as net/http's server does when it is not disabled: 200 with an
// empty body. No backend is asked, since the request names no host's path.
func serveOptionsStar(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// bufferSize is the size of the buffers that copy bodies.
const bufferSize = 32 << 10

// buffers recycles copy buffers, which would otherwise be allocated for
// every response.
var buffers = sync.Pool{New: func() any { return new([bufferSize]byte) }}
