package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
)

// inProcessAuthKey marks the context of an auth request that the Handler
// serves itself.
type inProcessAuthKey struct{}

// servesAuthHost reports whether the auth request req is for a host that a
// rule of h's table names (not a hostless rule), on the default port.
func (h *Handler) servesAuthHost(req *http.Request) bool {
	if req.URL.Port() != "" {
		return false
	}
	rule, _, err := h.state.Load().table.MatchRequest(req)
	return err == nil && rule != nil && rule.Host != ""
}

// askInProcess serves the auth request req, made for the client's request
// r, through h itself and returns the answer's status and headers (its
// body is dropped, as an auth answer's is).
func (ea *extAuth) askInProcess(h *Handler, r, req *http.Request) (*http.Response, error) {
	if r.Context().Value(inProcessAuthKey{}) != nil {
		return nil, errors.New("the auth request reached a route with external auth itself: the auth service's route must not require external auth")
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), inProcessAuthKey{}, true), ea.timeout)
	defer cancel()
	in := req.Clone(ctx)
	in.Host = req.URL.Host
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = r.RemoteAddr // the client's: the auth route's IP lists judge it
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	in.Body = http.NoBody
	if req.URL.Scheme == "https" {
		// As if it had come back over TLS: the auth route must not
		// redirect it to HTTPS.
		in.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: req.URL.Hostname()}
	}
	rec := &authRecorder{header: http.Header{}}
	h.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{StatusCode: rec.status, Header: rec.header, Body: http.NoBody, Request: req}, ctx.Err()
}

// authRecorder is the ResponseWriter of an in-process auth request: it
// keeps the status and headers and drops the body.
type authRecorder struct {
	header http.Header
	status int
}

func (w *authRecorder) Header() http.Header { return w.header }

func (w *authRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.header = w.header.Clone() // later changes by the handler are not the answer's
	}
}

func (w *authRecorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}
