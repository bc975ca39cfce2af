package ingressmux

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Explanation is the whole decision for one request: which rule matched
// and why (route.Explanation: the winning Rule and every candidate), and
// what the Mux would do with it (proxy.Decision: the action, the status
// and Location of an answer of its own, the request the backend would
// receive, the canary, the timeouts and the body limit).
type Explanation struct {
	// Explanation is the matching: the winning Rule and every candidate
	// with the reason it won or lost.
	route.Explanation
	// Decision is what the Mux would do: its fields are promoted.
	proxy.Decision
}

// Explain tells what the Mux would do with a GET of rawURL
// ("https://host/path?query", or "host/path"); see ExplainRequest.
func (m *Mux) Explain(rawURL string) (Explanation, error) {
	r, err := NewExplainRequest(http.MethodGet, rawURL)
	if err != nil {
		return Explanation{}, err
	}
	return m.ExplainRequest(r), nil
}

// ExplainRequest tells what the Mux would do with r, by running it
// through the handler's own steps without sending anything: no backend or
// auth service is asked (external auth is reported as the request it
// would send, and assumed to say yes) and no rate limit is counted. Its
// method, headers, cookies, TLS (set r.TLS for an HTTPS request) and
// RemoteAddr (the client address) count as they would for a real
// request. NewExplainRequest makes such requests.
func (m *Mux) ExplainRequest(r *http.Request) Explanation {
	e := Explanation{Decision: m.handler.Explain(r)}
	req := route.RequestOf(r)
	e.Explanation = m.Compiled().Table.ExplainWith(r.Host, r.URL.EscapedPath(), &req)
	return e
}

// NewExplainRequest returns a request for ExplainRequest: method to
// rawURL ("https://host/path?query", or "host/path" for http), from the
// client address 192.0.2.1 (set RemoteAddr to change it) and, for https,
// with a TLS connection state naming the host as SNI.
func NewExplainRequest(method, rawURL string) (*http.Request, error) {
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("ingressmux: %q has no host", rawURL)
	}
	r, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("ingressmux: %w", err)
	}
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = "192.0.2.1:1234"
	if u.Scheme == "https" {
		r.TLS = tlsState(u.Hostname())
	}
	return r, nil
}

// tlsState is the connection state of an HTTPS request to host, as far
// as routing looks at it.
func tlsState(host string) *tls.ConnectionState {
	return &tls.ConnectionState{ServerName: host, HandshakeComplete: true, Version: tls.VersionTLS13}
}
