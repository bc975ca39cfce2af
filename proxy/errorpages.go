package proxy

import (
	"log/slog"
	"net/http"
	"strconv"
)

// Custom error pages, as ingress-nginx's default-backend and
// custom-http-errors annotations make them: a route's DefaultBackend
// serves its requests while its Upstream has no ready endpoint, and
// answers the backend responses whose codes are in InterceptErrors. The
// default backend learns why from the headers ingress-nginx sends its
// custom error pages: X-Code, X-Format, X-Original-URI, X-Request-ID, and
// the route's ErrorHeaders.

// setErrorHeaders adds the custom error page headers for code to h, the
// headers of a request to the default backend.
func (rc *reqCtx) setErrorHeaders(h http.Header, code int) {
	for k, v := range rc.rt.route.ErrorHeaders {
		h[k] = v
	}
	h.Set("X-Code", strconv.Itoa(code))
	if accept := rc.in.Header.Get("Accept"); accept != "" {
		h.Set("X-Format", accept)
	}
	h.Set("X-Original-Uri", rc.in.URL.RequestURI())
	if id := rc.hdr[hdrRequestID]; id != "" {
		h.Set("X-Request-Id", id)
	}
}

// interceptError replaces res, a backend response, with the default
// backend's answer when the route intercepts its code. The default
// backend is asked for GET / (as ingress-nginx rewrites the path), and its
// status, headers and body are what the client gets. If it cannot answer,
// the original response is kept and the failure logged.
func (rc *reqCtx) interceptError(res *http.Response) {
	if !rc.rt.intercept[res.StatusCode] || rc.up.origin == rc.rt.fallback {
		return
	}
	fb := rc.rt.fallback.current()
	endpoint, ok := fb.next()
	if !ok {
		rc.log(slog.LevelWarn, "proxy: the default backend has no ready endpoint; passing the backend's error through", nil, slog.Int("status", res.StatusCode))
		return
	}
	te := fb.transport(rc.in.TLS != nil)
	req, err := http.NewRequestWithContext(rc, http.MethodGet, te.scheme+"://"+endpoint+"/", nil)
	if err != nil {
		rc.log(slog.LevelError, "proxy: custom error page request", err)
		return
	}
	req.Host = rc.in.Host
	rc.setErrorHeaders(req.Header, res.StatusCode)
	page, err := te.t.RoundTrip(req)
	if err != nil {
		rc.log(slog.LevelError, "proxy: the default backend failed to answer an intercepted error; passing the backend's error through", err, slog.Int("status", res.StatusCode))
		return
	}
	res.Body.Close()
	removeHopByHop(page.Header)
	res.Status, res.StatusCode = page.Status, page.StatusCode
	res.Header, res.Trailer = page.Header, page.Trailer
	res.Body, res.ContentLength, res.TransferEncoding = page.Body, page.ContentLength, page.TransferEncoding
}
