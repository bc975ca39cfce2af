package ingressmuxtest

import (
	"fmt"
	"net"
	"net/http"

	"github.com/stretchr/testify/assert"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/proxy"
)

// Option shapes the request an assertion explains: by default a GET from
// the client 192.0.2.1 with no headers.
type Option func(*http.Request)

// Method sets the request's method.
func Method(m string) Option { return func(r *http.Request) { r.Method = m } }

// Header adds a request header.
func Header(name, value string) Option { return func(r *http.Request) { r.Header.Add(name, value) } }

// Cookie adds a cookie to the request.
func Cookie(name, value string) Option {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

// Client sets the client's IP address.
func Client(ip string) Option {
	return func(r *http.Request) { r.RemoteAddr = net.JoinHostPort(ip, "1234") }
}

// helper marks the caller as a test helper when t can be.
func helper(t assert.TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// Explain returns the Mux's decision for a request to url shaped by
// opts. A URL that cannot be parsed fails t, and the returned explanation
// is then the zero value.
func Explain(t assert.TestingT, mux *ingressmux.Mux, url string, opts ...Option) (ingressmux.Explanation, bool) {
	helper(t)
	r, err := ingressmux.NewExplainRequest(http.MethodGet, url)
	if !assert.NoError(t, err, url) {
		return ingressmux.Explanation{}, false
	}
	for _, o := range opts {
		o(r)
	}
	return mux.ExplainRequest(r), true
}

// describe renders an explanation for a failure message.
func describe(url string, e ingressmux.Explanation) string {
	s := fmt.Sprintf("%s\naction %s", url, e.Action)
	if e.Status != 0 {
		s += fmt.Sprintf(", status %d", e.Status)
	}
	if e.Location != "" {
		s += ", location " + e.Location
	}
	if e.Upstream != nil {
		s += ", upstream " + e.Upstream.Name
	}
	if o := e.Outgoing; o != nil {
		s += ", sent " + o.URL.String() + " Host " + o.Host
	}
	return s + "\n" + e.Explanation.String()
}

// Routes asserts that url is proxied to backend, "namespace/service:port"
// (a canary's when opts select it, the default backend's while the
// backend has no endpoint).
func Routes(t assert.TestingT, mux *ingressmux.Mux, url, backend string, opts ...Option) bool {
	helper(t)
	e, ok := Explain(t, mux, url, opts...)
	if !ok {
		return false
	}
	got := ""
	if e.Upstream != nil {
		got = e.Upstream.Name
	}
	return assert.Equal(t, backend, got, describe(url, e))
}

// Sends asserts what the backend would receive for url: wantURL as it is
// sent, scheme://endpoint/path?query after rewrites, and the Host header
// wantHost.
func Sends(t assert.TestingT, mux *ingressmux.Mux, url, wantURL, wantHost string, opts ...Option) bool {
	helper(t)
	e, ok := Explain(t, mux, url, opts...)
	if !ok {
		return false
	}
	if !assert.NotNil(t, e.Outgoing, "not proxied: %s", describe(url, e)) {
		return false
	}
	ok = assert.Equal(t, wantURL, e.Outgoing.URL.String(), describe(url, e))
	return assert.Equal(t, wantHost, e.Outgoing.Host, describe(url, e)) && ok
}

// Redirects asserts that url is answered with a redirect of status to
// location.
func Redirects(t assert.TestingT, mux *ingressmux.Mux, url string, status int, location string, opts ...Option) bool {
	helper(t)
	e, ok := Explain(t, mux, url, opts...)
	if !ok {
		return false
	}
	ok = assert.Equal(t, proxy.ActionRedirect, e.Action, describe(url, e))
	ok = assert.Equal(t, status, e.Status, describe(url, e)) && ok
	return assert.Equal(t, location, e.Location, describe(url, e)) && ok
}

// Refuses asserts that url is refused by action (proxy.ActionDeny,
// ActionAuth, ActionRateLimit, ActionTooLarge...) with status.
func Refuses(t assert.TestingT, mux *ingressmux.Mux, url string, action proxy.Action, status int, opts ...Option) bool {
	helper(t)
	e, ok := Explain(t, mux, url, opts...)
	if !ok {
		return false
	}
	ok = assert.Equal(t, action, e.Action, describe(url, e))
	return assert.Equal(t, status, e.Status, describe(url, e)) && ok
}

// NotFound asserts that no rule matches url.
func NotFound(t assert.TestingT, mux *ingressmux.Mux, url string, opts ...Option) bool {
	helper(t)
	e, ok := Explain(t, mux, url, opts...)
	if !ok {
		return false
	}
	return assert.Equal(t, proxy.ActionNotFound, e.Action, describe(url, e))
}
