package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWrapTransportAutoHTTP checks that an AUTO_HTTP upstream sends a
// plain client's request through what WrapTransport made of its HTTP
// transport and a TLS client's through what it made of its HTTPS one, and
// that an upstream whose wrappers WrapTransport declined sends directly.
func TestWrapTransportAutoHTTP(t *testing.T) {
	web := newBackend(t, "web")
	auto := upstreamOf("auto", web)
	auto.Protocol = AutoHTTP
	var via []string
	h, _ := newHandler(t, Config{
		Table: newTable(t,
			prefix("h.test", "/", &Route{Upstream: auto}),
			prefix("h.test", "/plain", &Route{Upstream: upstreamOf("plain", web)}),
		),
		WrapTransport: func(u Upstream, next http.RoundTripper) http.RoundTripper {
			if u.Name == "plain" {
				return nil // not wrapped
			}
			proto := u.Protocol.String()
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				via = append(via, proto)
				if proto == "HTTPS" {
					// The backend speaks plain HTTP: the wrapper answers.
					return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: req}, nil
				}
				return next.RoundTrip(req)
			})
		},
	})
	tests := []struct {
		url  string
		code int
		via  string
	}{
		{"http://h.test/", http.StatusOK, "HTTP"},
		{"https://h.test/", http.StatusTeapot, "HTTPS"},
		{"https://h.test/plain", http.StatusOK, ""},
	}
	for _, tt := range tests {
		via = nil
		w := serve(h, httptest.NewRequest(http.MethodGet, tt.url, nil))
		if w.Code != tt.code {
			t.Errorf("%s: status %d, want %d", tt.url, w.Code, tt.code)
		}
		if got := ""; len(via) > 0 || tt.via != "" {
			if len(via) > 0 {
				got = via[0]
			}
			if got != tt.via {
				t.Errorf("%s: through the wrapper of %q, want %q", tt.url, got, tt.via)
			}
		}
	}
}
