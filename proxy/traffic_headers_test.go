package proxy

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/ingressmux/ingressmux/rewrite"
)

func TestTrafficHeaders(t *testing.T) {
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "ALLOWALL")
		w.Header().Set("X-Powered-By", "PHP/5.2")
		w.Header().Set("X-Kept", "yes")
		w.Write([]byte("ok"))
	})
	tr := &Traffic{
		DenySources: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
		ResponseHeaders: HeaderRules{
			Set:    map[string]string{"x-frame-options": "DENY", "Strict-Transport-Security": "max-age=63072000"},
			Remove: []string{"X-Powered-By"},
		},
		RequestHeaders: HeaderRules{
			Set:    map[string]string{"X-Tenant": "acme", "X-Forwarded-For": "1.2.3.4"},
			Remove: []string{"Cookie"},
		},
	}
	redirect, err := rewrite.NewRedirect("https://elsewhere.example/", 301, 300, 308, 301)
	if err != nil {
		t.Fatal(err)
	}
	up := upstreamOf("app", be.srv)
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("app.example.com", "/", &Route{Upstream: up, Traffic: tr}),
		prefix("app.example.com", "/old", &Route{Upstream: up, Traffic: tr, Redirect: redirect}),
	)})

	w := serve(h, req("GET", "/", "192.0.2.1:1", "Cookie: session=1", "X-Tenant: forged"))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	for _, c := range []struct{ key, want string }{
		{"X-Frame-Options", "DENY"},
		{"Strict-Transport-Security", "max-age=63072000"},
		{"X-Powered-By", "-"},
		{"X-Kept", "yes"},
	} {
		if got := header(w.Header(), c.key); got != c.want {
			t.Errorf("response %s = %q, want %q", c.key, got, c.want)
		}
	}
	seen := be.last.Load().Header
	for _, c := range []struct{ key, want string }{
		{"X-Tenant", "acme"},
		{"Cookie", "-"},
		{"X-Forwarded-For", "192.0.2.1"}, // forwarding headers are the proxy's
	} {
		if got := header(seen, c.key); got != c.want {
			t.Errorf("backend %s = %q, want %q", c.key, got, c.want)
		}
	}
	// The proxy's own answers carry the Set headers too.
	for _, r := range []*http.Request{req("GET", "/", "198.51.100.1:1"), req("GET", "/old", "192.0.2.1:1")} {
		w := serve(h, r)
		if got := header(w.Header(), "X-Frame-Options"); got != "DENY" {
			t.Errorf("%s %s: status %d, X-Frame-Options %q", r.Method, r.URL, w.Code, got)
		}
	}
}
