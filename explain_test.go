package ingressmux_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/proxy"
)

// serveAndExplain runs req through ExplainRequest and then through the
// real handler, and checks that they agree: the same action; for an
// answer of the Mux's own, the same status and Location; for a proxied
// request, the endpoint of the first attempt and, when the backend echoes
// what it saw (the annotation and traffic suites' echo backends), the
// path and query, Host, SNI and headers that Explain said it would send.
//
// Explain assumes that an external auth service says yes: when the route
// has one, the real request may be refused (action auth) instead.
func serveAndExplain(t *testing.T, mux *ingressmux.Mux, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	e := mux.ExplainRequest(req)
	req, info := proxy.WithInfo(req)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	if e.Auth != nil && info.Action == proxy.ActionAuth {
		return rec // the auth service said no, which Explain does not ask
	}
	if !assert.Equal(t, info.Action, e.Action, "Explain's action; real status %d", rec.Code) {
		return rec
	}
	if e.Outgoing == nil {
		if e.Status != 0 {
			assert.Equal(t, rec.Code, e.Status, "Explain's status")
		}
		assert.Equal(t, rec.Header().Get("Location"), e.Location, "Explain's Location")
		return rec
	}
	assert.Equal(t, info.Upstream, e.Upstream, "Explain's upstream")
	assert.Equal(t, info.Canary, e.Canary, "Explain's canary")
	if len(info.Attempts) > 0 {
		assert.Equal(t, info.Attempts[0].Endpoint, e.Outgoing.URL.Host, "Explain's endpoint")
	}
	var s seen
	answered := rec.Header().Get("X-Backend")
	if answered == "" || !strings.Contains(e.Upstream.Name, "/"+answered+":") ||
		json.Unmarshal(rec.Body.Bytes(), &s) != nil || s.URI == "" {
		// An answer that does not echo the request, or a custom error
		// page that replaced the backend's answer (custom-http-errors).
		return rec
	}
	assert.Equal(t, s.URI, e.Outgoing.URL.RequestURI(), "Explain's path and query")
	assert.Equal(t, s.Host, e.Outgoing.Host, "Explain's Host")
	assert.Equal(t, s.SNI, e.Outgoing.SNI, "Explain's SNI")
	for k, v := range e.Outgoing.Header {
		switch k {
		case "X-Request-Id", "User-Agent":
			continue // a new ID per request; Go's client fills in no User-Agent
		}
		assert.Equal(t, v, s.Header[k], "Explain's header %s", k)
	}
	for k := range s.Header {
		switch k {
		case "Accept-Encoding", "Content-Length", "User-Agent", "X-Request-Id":
			continue // set by the transport, or per request
		}
		_, ok := e.Outgoing.Header[k]
		assert.True(t, ok || strings.HasPrefix(k, "X-Auth-Request-"), "the backend got %s, which Explain did not list", k)
	}
	return rec
}

// explainedBackendOf is backendOf, with the real request checked against
// Explain's: a canary chosen by header, cookie or a weight of 100 is the
// one Explain names.
func explainedBackendOf(t *testing.T, mux *ingressmux.Mux, req *http.Request) string {
	t.Helper()
	rec := serveAndExplain(t, mux, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	return rec.Header().Get("X-Backend")
}
