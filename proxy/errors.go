package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// statusClientClosedRequest is nginx's status for a request whose client
// went away before the response: it is set for access logs that wrap the
// ResponseWriter, though no client will ever see it.
const statusClientClosedRequest = 499

// Error is the error Config.ErrorHandler receives, and Info.Err holds,
// for a request the Handler answers with 502, 503 or 504.
type Error struct {
	// Status is what the Handler sends without an ErrorHandler: 502
	// (bad gateway), 503 (no ready endpoint) or 504 (timeout).
	Status int
	// Route is the route's Name.
	Route string
	// Upstream is the upstream's Name.
	Upstream string
	// Endpoint is the last endpoint tried; empty when there was none.
	Endpoint string
	// Err is the cause: ErrNoEndpoints, ErrReadTimeout, ErrSendTimeout,
	// ErrRequestTimeout, ErrBackendTimeout, ErrUnresolved, ErrNoWeight,
	// a net.Error, a TLS certificate error, ModifyResponse's error.
	Err error
}

func (e *Error) Error() string {
	s := "proxy: " + strconv.Itoa(e.Status) + " for route " + e.Route + " upstream " + e.Upstream
	if e.Endpoint != "" {
		s += " endpoint " + e.Endpoint
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// The causes of Error that the Handler itself detects.
var (
	// ErrNoEndpoints: the upstream has no ready endpoint (and the route
	// no DefaultBackend).
	ErrNoEndpoints = errors.New("proxy: backend has no ready endpoints")
	// ErrReadTimeout: the backend sent nothing for longer than the
	// route's ReadTimeout. It is a net.Error whose Timeout is true.
	ErrReadTimeout error = errReadTimeout
	// ErrSendTimeout: the request body stalled for longer than the
	// route's SendTimeout. It is a net.Error whose Timeout is true.
	ErrSendTimeout error = errSendTimeout
	// ErrRequestTimeout: the request took longer than the route's
	// RequestTimeout. It is a net.Error whose Timeout is true.
	ErrRequestTimeout error = errRequestTimeout
	// ErrBackendTimeout: an attempt at the backend took longer than the
	// route's BackendTimeout. It is a net.Error whose Timeout is true.
	ErrBackendTimeout error = errBackendTimeout
)

// serveError answers a request whose backend round trip failed before
// any response was written. It picks the status, writes a short
// plain-text body (or lets Config.ErrorHandler answer), and logs the
// details with the route.
func (h *Handler) serveError(w http.ResponseWriter, rc *reqCtx, err error) {
	switch {
	case rc.tooLarge.Load():
		rc.log(slog.LevelDebug, "proxy: request body too large", err, slog.Int64("limit", rc.rt.maxBody))
		rc.info.act(ActionTooLarge)
		writeError(w, http.StatusRequestEntityTooLarge, "413 request body too large")
	case rc.timedOut() != nil:
		te := rc.timedOut()
		rc.log(slog.LevelWarn, "proxy: backend timed out", te, slog.Duration("timeout", rc.timeoutOf(te)))
		h.failed(w, rc, http.StatusGatewayTimeout, te)
	case rc.client.Err() != nil:
		// Not a backend error: the client canceled, or the server is
		// shutting down.
		rc.log(slog.LevelDebug, "proxy: client went away", err)
		if rc.info != nil {
			rc.info.Err = rc.client.Err()
		}
		w.WriteHeader(statusClientClosedRequest)
	case isNetTimeout(err):
		rc.log(slog.LevelError, "proxy: backend timed out", err)
		h.failed(w, rc, http.StatusGatewayTimeout, err)
	case tlsconfig.IsVerificationError(err):
		name := rc.up.spec.TLS.ServerName // empty: the endpoint's host is verified
		if name == "" {
			name, _, _ = net.SplitHostPort(rc.endpoint)
		}
		rc.log(slog.LevelError, "proxy: backend certificate rejected for "+name+": "+err.Error()+
			`; to trust its CA set nginx.ingress.kubernetes.io/proxy-ssl-secret, to skip verification set nginx.ingress.kubernetes.io/proxy-ssl-verify: "off"`, err)
		h.failed(w, rc, http.StatusBadGateway, err)
	default:
		rc.log(slog.LevelError, "proxy: backend unavailable", err)
		h.failed(w, rc, http.StatusBadGateway, err)
	}
}

// failed answers a request that the Handler could not proxy with status,
// or lets Config.ErrorHandler answer it.
func (h *Handler) failed(w http.ResponseWriter, rc *reqCtx, status int, cause error) {
	if rc.info == nil && h.cfg.ErrorHandler == nil {
		writeError(w, status, errorText(status))
		return
	}
	h.fail(w, rc.in, &Error{Status: status, Route: rc.rt.route.Name, Upstream: rc.up.name, Endpoint: rc.endpoint, Err: cause}, rc.info)
}

// fail answers r with e.Status, or lets Config.ErrorHandler answer it,
// and records e in info.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, e *Error, info *Info) {
	if info != nil {
		info.Err = e
	}
	if h.cfg.ErrorHandler != nil {
		if info != nil && RequestInfo(r.Context()) == nil {
			// So that ErrorHandler finds the Info with RequestInfo, as
			// the other hooks do.
			r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		}
		h.cfg.ErrorHandler(w, r, e)
		return
	}
	writeError(w, e.Status, errorText(e.Status))
}

// errorText is the body of the Handler's own error answers.
func errorText(status int) string {
	switch status {
	case http.StatusInternalServerError:
		return "500 internal server error"

	case http.StatusBadGateway:
		return "502 bad gateway"
	case http.StatusGatewayTimeout:
		return "504 gateway timeout"
	case http.StatusServiceUnavailable:
		return "503 service unavailable: no ready endpoints"
	}
	return strconv.Itoa(status) + " " + strings.ToLower(http.StatusText(status))
}

// isNetTimeout reports whether err is a network timeout, such as a connect
// or TLS handshake timeout.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, context.DeadlineExceeded)
}

// log writes one record about the request with the route, upstream,
// endpoint and err.
func (rc *reqCtx) log(level slog.Level, msg string, err error, attrs ...slog.Attr) {
	l := rc.h.logger()
	if !l.Enabled(rc.client, level) {
		return
	}
	a := make([]slog.Attr, 0, 4+len(attrs))
	a = append(a,
		slog.String("route", rc.rt.route.Name),
		slog.String("upstream", rc.up.name),
		slog.String("endpoint", rc.endpoint),
		slog.Any("error", err))
	l.LogAttrs(rc.client, level, msg, append(a, attrs...)...)
}

// writeError answers with a short plain-text body, as http.Error does.
func writeError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}
