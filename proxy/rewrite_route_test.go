package proxy

import (
	"net/http/httptest"
	"testing"

	"github.com/ingressmux/ingressmux/rewrite"
)

func mustPath(tb testing.TB, pattern, target string) *rewrite.Path {
	tb.Helper()
	p, err := rewrite.NewPath(pattern, target)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestRouteRewrite checks rewrite-target and x-forwarded-prefix through the
// handler: the backend sees the rewritten path with the query kept, and the
// prefix header only when the path was rewritten.
func TestRouteRewrite(t *testing.T) {
	be := newBackend(t, "a")
	rw := mustPath(t, "/something(/|$)(.*)", "/$2")
	for _, tt := range []struct {
		name, url, wantURI, wantPrefix string
	}{
		{"rewritten", "http://x/something/new?q=1", "/new?q=1", "/something"},
		{"rewritten to root", "http://x/something", "/", "/something"},
		{"pattern does not match", "http://x/other/thing", "/other/thing", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be), Rewrite: rw, ForwardedPrefix: "/something"}))})
			w := serve(h, httptest.NewRequest("GET", tt.url, nil))
			s := decode(t, w.Body.Bytes())
			if s.URI != tt.wantURI || s.Header.Get("X-Forwarded-Prefix") != tt.wantPrefix {
				t.Errorf("%s: backend got %q with X-Forwarded-Prefix %q, want %q and %q", tt.url, s.URI, s.Header.Get("X-Forwarded-Prefix"), tt.wantURI, tt.wantPrefix)
			}
		})
	}
}

// TestRouteRedirects checks app-root, permanent/temporal redirects and the
// trailing slash of HTTPS redirects, and that a redirect never reaches the
// backend.
func TestRouteRedirects(t *testing.T) {
	be := newBackend(t, "a")
	perm, err := rewrite.NewRedirect("https://new.example.com/landing", 308, 300, 308, 301)
	if err != nil {
		t.Fatal(err)
	}
	appRoot, err := rewrite.NewAppRoot("/app/")
	if err != nil {
		t.Fatal(err)
	}
	up := upstreamOf("a", be)
	for _, tt := range []struct {
		name     string
		route    *Route
		url      string
		wantCode int
		wantLoc  string
	}{
		{"app-root redirects /", &Route{Upstream: up, AppRoot: appRoot}, "http://shop.example.com:8080/?x=1", 302, "http://shop.example.com:8080/app/"},
		{"app-root leaves other paths", &Route{Upstream: up, AppRoot: appRoot}, "http://shop.example.com/cart", 200, ""},
		{"permanent redirect, path not appended", &Route{Upstream: up, Redirect: perm}, "http://shop.example.com/a/b?c=d", 308, "https://new.example.com/landing"},
		{"force ssl strips the trailing slash", &Route{Upstream: up, ForceSSLRedirect: true}, "http://shop.example.com/shop/?x=1", 308, "https://shop.example.com/shop?x=1"},
		{"preserve-trailing-slash", &Route{Upstream: up, ForceSSLRedirect: true, PreserveTrailingSlash: true}, "http://shop.example.com/shop/?x=1", 308, "https://shop.example.com/shop/?x=1"},
		{"root keeps its slash", &Route{Upstream: up, ForceSSLRedirect: true}, "http://shop.example.com/", 308, "https://shop.example.com/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", tt.route))})
			w := serve(h, httptest.NewRequest("GET", tt.url, nil))
			if w.Code != tt.wantCode || w.Header().Get("Location") != tt.wantLoc {
				t.Errorf("%s: %d %q, want %d %q", tt.url, w.Code, w.Header().Get("Location"), tt.wantCode, tt.wantLoc)
			}
		})
	}
}
