package proxy

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/rewrite"
)

// TestExplainSendsNothing checks that a dry run reaches no backend and no
// auth service, takes no round-robin turn and counts no rate limit, yet
// tells what a real request would meet.
func TestExplainSendsNothing(t *testing.T) {
	var hits, authHits atomic.Int32
	backend := func(name string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			echoHandler(name).ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := backend("a"), backend("b")
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { authHits.Add(1) }))
	t.Cleanup(auth.Close)
	rw, err := rewrite.NewPath(`/api(/|$)(.*)`, "/$2")
	require.NoError(t, err)
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("x.test", "/", &Route{Upstream: upstreamOf("rr", a, b), Name: "rr", Host: "backend.internal",
			Rewrite: rw, Traffic: &Traffic{RequestHeaders: HeaderRules{Set: map[string]string{"X-Env": "prod"}, Remove: []string{"X-Debug"}}}}),
		prefix("x.test", "/limited", &Route{Upstream: upstreamOf("a", a), Traffic: &Traffic{RateLimit: &RateLimit{RPM: 1, BurstMultiplier: 1}}}),
		prefix("x.test", "/authed", &Route{Upstream: upstreamOf("a", a), Traffic: &Traffic{ExternalAuth: &ExternalAuth{URL: auth.URL + "/check"}}}),
	)})
	t.Cleanup(func() { h.Close() })

	req := httptest.NewRequest(http.MethodGet, "http://x.test/api/users?id=7", nil)
	req.Header.Set("X-Debug", "1")
	d := h.Explain(req)
	assert.Equal(t, ActionProxy, d.Action)
	require.NotNil(t, d.Outgoing)
	assert.Equal(t, "/users?id=7", d.Outgoing.URL.RequestURI(), "the rewritten path")
	assert.Equal(t, "backend.internal", d.Outgoing.Host)
	assert.Equal(t, []string{"prod"}, d.Outgoing.Header["X-Env"])
	assert.Contains(t, d.Outgoing.Set, "X-Env")
	assert.Contains(t, d.Outgoing.Removed, "X-Debug")
	assert.Equal(t, "1", req.Header.Get("X-Debug"), "the caller's request is not changed")
	assert.Equal(t, DefaultReadTimeout, d.ReadTimeout)
	assert.Equal(t, int64(DefaultMaxBodyBytes), d.MaxBodyBytes)

	// Explaining again and again takes no turn: the real request goes
	// where Explain said.
	for range 3 {
		assert.Equal(t, d.Outgoing.URL.Host, h.Explain(req).Outgoing.URL.Host)
	}
	r, info := WithInfo(req)
	w := serve(h, r)
	require.Equal(t, 200, w.Code)
	assert.Equal(t, d.Outgoing.URL.Host, info.Attempts[0].Endpoint)
	assert.Equal(t, int32(1), hits.Load(), "only the real request reached a backend")

	// Rate limits are looked at, not counted: the burst of 2 is whole
	// after any number of dry runs, and Explain sees it run out.
	limited := httptest.NewRequest(http.MethodGet, "http://x.test/limited", nil)
	for range 5 {
		assert.Equal(t, ActionProxy, h.Explain(limited).Action)
	}
	assert.Equal(t, 200, serve(h, limited).Code)
	assert.Equal(t, 200, serve(h, limited).Code)
	d = h.Explain(limited)
	assert.Equal(t, ActionRateLimit, d.Action)
	assert.Equal(t, 503, d.Status)
	assert.Equal(t, 503, serve(h, limited).Code)

	// External auth: what would be asked, not asked.
	d = h.Explain(httptest.NewRequest(http.MethodGet, "http://x.test/authed/x", nil))
	assert.Equal(t, ActionProxy, d.Action)
	require.NotNil(t, d.Auth)
	assert.Equal(t, auth.URL+"/check", d.Auth.URL.String())
	assert.Equal(t, "/authed/x", d.Auth.Header.Get("X-Auth-Request-Redirect"))
	assert.Zero(t, authHits.Load())
}

// TestExplainOwnAnswers checks the decisions the Handler answers itself.
func TestExplainOwnAnswers(t *testing.T) {
	redirect, err := rewrite.NewRedirect("https://new.example/", 301, 300, 308, 301)
	require.NoError(t, err)
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("x.test", "/old", &Route{Upstream: &Upstream{Name: "x"}, Redirect: redirect}),
		prefix("x.test", "/secure", &Route{Upstream: &Upstream{Name: "x"}, ForceSSLRedirect: true}),
		prefix("x.test", "/empty", &Route{Upstream: &Upstream{Name: "x"}}),
	)})
	t.Cleanup(func() { h.Close() })
	for _, tt := range []struct {
		method, url string
		action      Action
		status      int
		location    string
	}{
		{"GET", "http://x.test/old/page", ActionRedirect, 301, "https://new.example/"},
		{"GET", "http://x.test/secure/a?b=1", ActionRedirect, 308, "https://x.test/secure/a?b=1"},
		{"GET", "http://x.test/empty", ActionUnavailable, 503, ""},
		{"GET", "http://x.test/nothing", ActionNotFound, 404, ""},
		{"CONNECT", "http://x.test/", ActionBadRequest, 405, ""},
	} {
		req := httptest.NewRequest(tt.method, tt.url, nil)
		d := h.Explain(req)
		assert.Equal(t, tt.action, d.Action, tt.url)
		assert.Equal(t, tt.status, d.Status, tt.url)
		assert.Equal(t, tt.location, d.Location, tt.url)
		assert.Nil(t, d.Outgoing, tt.url)
		w := serve(h, req)
		assert.Equal(t, tt.status, w.Code, "the real answer for %s", tt.url)
	}
}
