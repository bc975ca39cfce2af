package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/rewrite"
)

// TestReplacePath checks Gateway API's URLRewrite through the handler, as
// the conformance tests HTTPRouteRewritePath and HTTPRouteRewriteHost
// expect: the backend sees the path with the matched prefix (or the whole
// path) replaced, the query kept, and the Host given.
func TestReplacePath(t *testing.T) {
	be := newBackend(t, "a")
	up := upstreamOf("a", be)
	prefixed := func(v string) *rewrite.PathModifier { return &rewrite.PathModifier{Prefix: true, Value: v} }
	table := newTable(t,
		prefix("", "/prefix/one", &Route{Upstream: up, ReplacePath: prefixed("/one")}),
		prefix("", "/strip-prefix/", &Route{Upstream: up, ReplacePath: prefixed("/")}),
		prefix("", "/full/one", &Route{Upstream: up, ReplacePath: &rewrite.PathModifier{Value: "/one"}}),
		prefix("", "/host", &Route{Upstream: up, Host: "one.example.org"}),
		prefix("", "/host-and-path", &Route{Upstream: up, Host: "two.example.org", ReplacePath: prefixed("/x")}),
	)
	h, _ := newHandler(t, Config{Table: table})
	for _, tc := range []struct {
		url, wantURI, wantHost string
	}{
		{"http://gw.example/prefix/one/two", "/one/two", "gw.example"},
		{"http://gw.example/prefix/one", "/one", "gw.example"},
		{"http://gw.example/prefix/one/?q=1", "/one/?q=1", "gw.example"},
		{"http://gw.example/strip-prefix/three", "/three", "gw.example"},
		{"http://gw.example/strip-prefix", "/", "gw.example"},
		{"http://gw.example/full/one/two?a=b", "/one?a=b", "gw.example"},
		{"http://gw.example/host/path", "/host/path", "one.example.org"},
		{"http://gw.example/host-and-path/y", "/x/y", "two.example.org"},
		{"http://gw.example/prefix/one/a%2Fb", "/one/a%2Fb", "gw.example"},
	} {
		w := serve(h, httptest.NewRequest(http.MethodGet, tc.url, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.url, w.Code, w.Body)
		}
		if s := decode(t, w.Body.Bytes()); s.URI != tc.wantURI || s.Host != tc.wantHost {
			t.Errorf("%s: backend got %q for host %q, want %q for %q", tc.url, s.URI, s.Host, tc.wantURI, tc.wantHost)
		}
	}
}

// TestRequestRedirect checks redirects built from the request through the
// handler: the matched rule's prefix is what a prefix replacement
// replaces, the scheme is the client's (a trusted proxy's
// X-Forwarded-Proto included), and the backend is never asked.
func TestRequestRedirect(t *testing.T) {
	be := newBackend(t, "a")
	up := upstreamOf("a", be)
	redirect := func(scheme, host string, port int, path *rewrite.PathModifier, code int) *Route {
		rd, err := rewrite.NewRequestRedirect(scheme, host, port, path, code)
		if err != nil {
			t.Fatal(err)
		}
		return &Route{Upstream: up, Redirect: rd}
	}
	table := newTable(t,
		prefix("", "/original-prefix", redirect("", "", 0, &rewrite.PathModifier{Prefix: true, Value: "/replacement-prefix"}, 0)),
		prefix("", "/full", redirect("", "", 0, &rewrite.PathModifier{Value: "/full-path-replacement"}, 0)),
		prefix("", "/hostname-redirect", redirect("", "example.org", 0, nil, 0)),
		prefix("", "/host-and-status", redirect("", "example.org", 0, nil, 301)),
		prefix("", "/scheme", redirect("https", "", 0, nil, 0)),
		prefix("", "/port", redirect("", "", 8083, nil, 308)),
		prefix("", "/to-http", redirect("http", "", 0, nil, 303)),
	)
	h, _ := newHandler(t, Config{Table: table, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	for _, tc := range []struct {
		url      string
		header   map[string]string
		remote   string
		wantCode int
		wantLoc  string
	}{
		{url: "http://gw.example/original-prefix/lemon?x=1", wantCode: 302, wantLoc: "http://gw.example/replacement-prefix/lemon?x=1"},
		{url: "http://gw.example/full/path/original", wantCode: 302, wantLoc: "http://gw.example/full-path-replacement"},
		{url: "http://gw.example/hostname-redirect", wantCode: 302, wantLoc: "http://example.org/hostname-redirect"},
		{url: "http://gw.example:8080/hostname-redirect", wantCode: 302, wantLoc: "http://example.org:8080/hostname-redirect"},
		{url: "http://gw.example/host-and-status", wantCode: 301, wantLoc: "http://example.org/host-and-status"},
		{url: "http://gw.example:8080/scheme", wantCode: 302, wantLoc: "https://gw.example/scheme"},
		{url: "https://gw.example/port", wantCode: 308, wantLoc: "https://gw.example:8083/port"},
		{url: "https://gw.example/to-http", wantCode: 303, wantLoc: "http://gw.example/to-http"},
		// The scheme a trusted proxy says the client used, not another's.
		{url: "http://gw.example/to-http", header: map[string]string{"X-Forwarded-Proto": "https"}, remote: "192.0.2.1:1234", wantCode: 303, wantLoc: "http://gw.example/to-http"},
		{url: "http://gw.example/port", header: map[string]string{"X-Forwarded-Proto": "https"}, remote: "192.0.2.1:1234", wantCode: 308, wantLoc: "https://gw.example:8083/port"},
		{url: "http://gw.example/port", header: map[string]string{"X-Forwarded-Proto": "https"}, remote: "203.0.113.1:1234", wantCode: 308, wantLoc: "http://gw.example:8083/port"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.url, nil)
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		if tc.remote != "" {
			r.RemoteAddr = tc.remote
		}
		w := serve(h, r)
		if w.Code != tc.wantCode || w.Header().Get("Location") != tc.wantLoc {
			t.Errorf("%s: got %d %q, want %d %q", tc.url, w.Code, w.Header().Get("Location"), tc.wantCode, tc.wantLoc)
		}
		if strings.Contains(w.Body.String(), `"Backend"`) {
			t.Errorf("%s: the backend answered a redirect", tc.url)
		}
	}
}

// TestReplacePathErrors checks the configuration errors of ReplacePath
// and of a redirect's path.
func TestReplacePathErrors(t *testing.T) {
	up := &Upstream{Name: "a", Endpoints: []string{"127.0.0.1:80"}}
	for _, tc := range []struct {
		name  string
		route *Route
		want  string
	}{
		{"with Rewrite", &Route{Upstream: up, ReplacePath: &rewrite.PathModifier{Value: "/x"}, Rewrite: mustPath(t, "/a", "/b")}, "ReplacePath and Rewrite cannot be used together"},
		{"bad path", &Route{Upstream: up, ReplacePath: &rewrite.PathModifier{Value: "x"}}, `ReplacePath: rewrite: path "x" must start with "/"`},
		{"bad redirect path", &Route{Upstream: up, Redirect: &rewrite.Redirect{Code: 302, Path: &rewrite.PathModifier{Value: "/a b"}}}, "Redirect.Path: rewrite: path"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantNewError(t, tc.route, tc.want) })
	}
}
