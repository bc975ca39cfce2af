package proxy

import (
	"net/http"
	"net/netip"
	"strings"
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

// TestTrafficHeaderAdd checks HeaderRules.Add as Gateway API's
// RequestHeaderModifier and ResponseHeaderModifier add
// (HTTPRouteRequestHeaderModifier, HTTPRouteResponseHeaderModifier): a
// value is appended to what the message has as "prior,added", a header it
// lacks is set, response cookies get a line of their own, and a client
// cannot drop an added header by naming it in Connection.
func TestTrafficHeaderAdd(t *testing.T) {
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Header-Add-2", "add-val-2")
		w.Header().Add("Set-Cookie", "a=1")
		w.Write([]byte("ok"))
	})
	tr := &Traffic{
		RequestHeaders: HeaderRules{
			Set:    map[string]string{"X-Header-Set": "set-overwrites-values"},
			Add:    map[string]string{"X-Header-Add": "header-val-1", "x-header-add-append": "header-val-2"},
			Remove: []string{"X-Header-Remove"},
		},
		ResponseHeaders: HeaderRules{
			Add: map[string]string{"X-Header-Add-1": "header-add-1", "X-Header-Add-2": "header-add-2", "Set-Cookie": "b=2"},
		},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("app.example.com", "/", &Route{Upstream: upstreamOf("app", be.srv), Traffic: tr}))})
	for _, tc := range []struct {
		name    string
		headers []string
		want    map[string]string // backend request headers
	}{
		{"client sent none", nil, map[string]string{
			"X-Header-Add": "header-val-1", "X-Header-Add-Append": "header-val-2", "X-Header-Set": "set-overwrites-values",
		}},
		{"client sent some", []string{"X-Header-Add-Append: append-val-1", "X-Header-Remove: remove-val", "X-Header-Set: client"}, map[string]string{
			"X-Header-Add": "header-val-1", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Set": "set-overwrites-values", "X-Header-Remove": "-",
		}},
		{"client sent two lines", []string{"X-Header-Add: a", "X-Header-Add: b"}, map[string]string{
			"X-Header-Add": "a,b,header-val-1",
		}},
		{"client names it in Connection", []string{"Connection: X-Header-Add", "X-Header-Add: mine"}, map[string]string{
			"X-Header-Add": "mine,header-val-1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, req("GET", "/", "192.0.2.1:1", tc.headers...))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			seen := be.last.Load().Header
			for k, want := range tc.want {
				if got := header(seen, k); got != want {
					t.Errorf("backend %s = %q, want %q", k, got, want)
				}
			}
			for k, want := range map[string]string{"X-Header-Add-1": "header-add-1", "X-Header-Add-2": "add-val-2,header-add-2", "Set-Cookie": "a=1|b=2"} {
				if got := header(w.Header(), k); got != want {
					t.Errorf("response %s = %q, want %q", k, got, want)
				}
			}
		})
	}
	bad := &Traffic{RequestHeaders: HeaderRules{Add: map[string]string{"Bad Name": "x", "Content-Length": "1", "X-Ok": "a\nb"}}}
	_, err := New(Config{Table: newTable(t, prefix("e.example", "/", &Route{Upstream: upstreamOf("app", be.srv), Traffic: bad}))})
	for _, want := range []string{`RequestHeaders.Add: invalid header name "Bad Name"`, `RequestHeaders.Add: header "Content-Length" cannot be set`, `RequestHeaders.Add["X-Ok"]: invalid value`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error = %v, want one containing %q", err, want)
		}
	}
}
