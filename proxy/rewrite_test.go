package proxy

import (
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func TestForwardingHeaders(t *testing.T) {
	be := newBackend(t, "a")
	h, _ := newHandler(t, Config{
		Table:          newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be)})),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
	})
	spoofed := http.Header{
		"X-Forwarded-For":   {"1.1.1.1", "2.2.2.2"},
		"X-Real-Ip":         {"1.1.1.1"},
		"X-Forwarded-Proto": {"https"},
		"X-Forwarded-Host":  {"spoof.com"},
		"X-Forwarded-Port":  {"8443"},
		"Forwarded":         {"for=1.1.1.1"},
	}
	for _, tt := range []struct {
		name   string
		remote string
		in     http.Header
		want   map[string]string // "" means absent
	}{
		{"untrusted, clean", "192.0.2.7:1234", nil, map[string]string{
			"X-Forwarded-For": "192.0.2.7", "X-Real-Ip": "192.0.2.7", "X-Forwarded-Proto": "http",
			"X-Forwarded-Host": "foo.com", "X-Forwarded-Port": "80", "Forwarded": "",
		}},
		{"untrusted, spoofed", "192.0.2.7:1234", spoofed, map[string]string{
			"X-Forwarded-For": "192.0.2.7", "X-Real-Ip": "192.0.2.7", "X-Forwarded-Proto": "http",
			"X-Forwarded-Host": "foo.com", "X-Forwarded-Port": "80", "Forwarded": "",
		}},
		{"trusted, clean", "10.1.2.3:1234", nil, map[string]string{
			"X-Forwarded-For": "10.1.2.3", "X-Real-Ip": "10.1.2.3", "X-Forwarded-Proto": "http",
			"X-Forwarded-Host": "foo.com", "X-Forwarded-Port": "80", "Forwarded": "",
		}},
		{"trusted, forwarded", "10.1.2.3:1234", spoofed, map[string]string{
			"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 10.1.2.3", "X-Real-Ip": "1.1.1.1", "X-Forwarded-Proto": "https",
			"X-Forwarded-Host": "spoof.com", "X-Forwarded-Port": "8443", "Forwarded": "for=1.1.1.1",
		}},
		{"trusted IPv6", "[fd00::1]:1234", http.Header{"X-Forwarded-For": {"1.1.1.1"}}, map[string]string{
			// X-Real-IP is the client a trusted proxy forwarded, as IP lists
			// judge it (nginx's realip module), not the proxy.
			"X-Forwarded-For": "1.1.1.1, fd00::1", "X-Real-Ip": "1.1.1.1",
		}},
		{"IPv4-mapped IPv6 unmapped", "[::ffff:10.1.2.3]:1234", http.Header{"X-Forwarded-For": {"1.1.1.1"}}, map[string]string{
			"X-Forwarded-For": "1.1.1.1, 10.1.2.3", "X-Real-Ip": "1.1.1.1",
		}},
		{"unparseable peer", "pipe", spoofed, map[string]string{
			"X-Forwarded-For": "pipe", "X-Real-Ip": "pipe", "X-Forwarded-Host": "foo.com", "Forwarded": "",
		}},
		{"Connection abuse, untrusted", "192.0.2.7:1234", http.Header{
			"Connection":      {"close, X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Port, X-Request-ID"},
			"X-Forwarded-For": {"1.1.1.1"},
		}, map[string]string{
			"X-Forwarded-For": "192.0.2.7", "X-Real-Ip": "192.0.2.7", "X-Forwarded-Proto": "http",
			"X-Forwarded-Host": "foo.com", "X-Forwarded-Port": "80",
		}},
		{"Connection abuse, trusted", "10.1.2.3:1234", http.Header{
			"Connection":      {"close, X-Forwarded-For"},
			"X-Forwarded-For": {"1.1.1.1"},
		}, map[string]string{"X-Forwarded-For": "1.1.1.1, 10.1.2.3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = "foo.com"
			r.RemoteAddr = tt.remote
			for k, v := range tt.in {
				r.Header[k] = v
			}
			w := serve(h, r)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			got := decode(t, w.Body.Bytes()).Header
			for k, want := range tt.want {
				if g := strings.Join(got[k], "|"); g != want {
					t.Errorf("backend got %s %q, want %q", k, g, want)
				}
			}
			if id := got.Get("X-Request-Id"); !isGeneratedID(id) {
				t.Errorf("X-Request-Id %q, want 32 hex digits", id)
			}
		})
	}
}

func isGeneratedID(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil && strings.ToLower(s) == s
}

func TestRequestID(t *testing.T) {
	be := newBackend(t, "a")
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be)}))})
	long := strings.Repeat("a", 129)
	for _, tt := range []struct {
		in   string
		keep bool
	}{
		{"", false},
		{"3f2504e0-4f89-11d3-9a0c-0305e82c3301", true},
		{"abc_DEF.123~", true},
		{"has space", false},
		{"quote\"", false},
		{long, false},
		{long[:128], true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.in != "" {
			r.Header.Set("X-Request-ID", tt.in)
		}
		got := decode(t, serve(h, r).Body.Bytes()).Header.Get("X-Request-Id")
		if tt.keep && got != tt.in || !tt.keep && !isGeneratedID(got) {
			t.Errorf("X-Request-ID %q became %q, want kept=%v", tt.in, got, tt.keep)
		}
	}
	// Generated IDs differ.
	ids := map[string]bool{}
	for range 100 {
		ids[decode(t, serve(h, httptest.NewRequest("GET", "/", nil)).Body.Bytes()).Header.Get("X-Request-Id")] = true
	}
	if len(ids) != 100 {
		t.Errorf("100 requests got %d distinct request IDs", len(ids))
	}
}

// TestForwardingEndToEnd checks the headers over real connections, where
// the peer and local port come from the server.
func TestForwardingEndToEnd(t *testing.T) {
	be := newBackend(t, "a")
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		wantXFF string
	}{
		{"untrusted", nil, "127.0.0.1"},
		{"trusted loopback", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "9.9.9.9, 127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be)})), TrustedProxies: tt.trusted})
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
			req.Header.Set("X-Forwarded-For", "9.9.9.9")
			req.Header.Set("Connection", "X-Forwarded-For")
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(t, body).Header
			port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
			if g := got.Get("X-Forwarded-For"); g != tt.wantXFF {
				t.Errorf("X-Forwarded-For %q, want %q", g, tt.wantXFF)
			}
			if g := got.Get("X-Forwarded-Port"); g != port {
				t.Errorf("X-Forwarded-Port %q, want %q", g, port)
			}
		})
	}
}
