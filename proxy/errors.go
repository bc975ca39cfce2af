package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// statusClientClosedRequest is nginx's status for a request whose client
// went away before the response: it is set for access logs that wrap the
// ResponseWriter, though no client will ever see it.
const statusClientClosedRequest = 499

// serveError answers a request whose backend round trip failed before
// any response was written. It picks the status, writes a short
// plain-text body, and logs the details with the route.
func (h *Handler) serveError(w http.ResponseWriter, rc *reqCtx, err error) {
	switch {
	case rc.tooLarge.Load():
		rc.log(slog.LevelDebug, "proxy: request body too large", err, slog.Int64("limit", rc.rt.maxBody))
		writeError(w, http.StatusRequestEntityTooLarge, "413 request body too large")
	case rc.timedOut() != nil:
		te := rc.timedOut()
		d := rc.rt.readTimeout
		if te == errSendTimeout {
			d = rc.rt.sendTimeout
		}
		rc.log(slog.LevelWarn, "proxy: backend timed out", te, slog.Duration("timeout", d))
		writeError(w, http.StatusGatewayTimeout, "504 gateway timeout")
	case rc.client.Err() != nil:
		// Not a backend error: the client canceled, or the server is
		// shutting down.
		rc.log(slog.LevelDebug, "proxy: client went away", err)
		w.WriteHeader(statusClientClosedRequest)
	case isNetTimeout(err):
		rc.log(slog.LevelError, "proxy: backend timed out", err)
		writeError(w, http.StatusGatewayTimeout, "504 gateway timeout")
	case tlsconfig.IsVerificationError(err):
		name := rc.up.serverName
		if name == "" {
			name, _, _ = net.SplitHostPort(rc.endpoint)
		}
		rc.log(slog.LevelError, "proxy: backend certificate rejected for "+name+": "+err.Error()+
			`; to trust its CA set nginx.ingress.kubernetes.io/proxy-ssl-secret, to skip verification set nginx.ingress.kubernetes.io/proxy-ssl-verify: "off"`, err)
		writeError(w, http.StatusBadGateway, "502 bad gateway")
	default:
		rc.log(slog.LevelError, "proxy: backend unavailable", err)
		writeError(w, http.StatusBadGateway, "502 bad gateway")
	}
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
