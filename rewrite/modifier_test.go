package rewrite

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// TestPathModifierApply checks the replacements of Gateway API's
// HTTPPathModifier: its documented ReplacePrefixMatch table and the
// conformance test HTTPRouteRewritePath.
func TestPathModifierApply(t *testing.T) {
	for _, tc := range []struct {
		path, prefix string
		m            PathModifier
		want         string
	}{
		// The table of HTTPPathModifier.ReplacePrefixMatch.
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/bar"},
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: "/xyz/"}, "/xyz/bar"},
		{"/foo/bar", "/foo/", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/bar"},
		{"/foo/bar", "/foo/", PathModifier{Prefix: true, Value: "/xyz/"}, "/xyz/bar"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/"},
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: ""}, "/bar"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: ""}, "/"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: ""}, "/"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: "/"}, "/"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: "/"}, "/"},
		// HTTPRouteRewritePath.
		{"/prefix/one/two", "/prefix/one", PathModifier{Prefix: true, Value: "/one"}, "/one/two"},
		{"/strip-prefix/three", "/strip-prefix", PathModifier{Prefix: true, Value: "/"}, "/three"},
		{"/strip-prefix", "/strip-prefix", PathModifier{Prefix: true, Value: "/"}, "/"},
		{"/full/one/two", "/full/one", PathModifier{Value: "/one"}, "/one"},
		{"/prefix/rewrite-path-and-modify-headers/one", "/prefix/rewrite-path-and-modify-headers", PathModifier{Prefix: true, Value: "/prefix"}, "/prefix/one"},
		// The root prefix, and prefixes that do not match element-wise.
		{"/x/y", "/", PathModifier{Prefix: true, Value: "/api"}, "/api/x/y"},
		{"/foobar", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/foobar"},
		{"/other", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/other"},
		{"/a%2Fb/c", "/a%2Fb", PathModifier{Prefix: true, Value: "/z"}, "/z/c"},
		{"/a//evil.example/x", "/a", PathModifier{Prefix: true, Value: ""}, "/evil.example/x"},
	} {
		if got := tc.m.Apply(tc.path, tc.prefix); got != tc.want {
			t.Errorf("%v.Apply(%q, prefix %q) = %q, want %q", tc.m.String(), tc.path, tc.prefix, got, tc.want)
		}
	}
}

func TestPathModifierCheck(t *testing.T) {
	for _, tc := range []struct {
		m       PathModifier
		wantErr string
	}{
		{PathModifier{Value: "/ok/path-1_~%20"}, ""},
		{PathModifier{Prefix: true, Value: ""}, ""},
		{PathModifier{Value: ""}, `must start with "/"`},
		{PathModifier{Value: "relative"}, `must start with "/"`},
		{PathModifier{Value: "//evil.example/x"}, `must not start with "//"`},
		{PathModifier{Value: "/a?b=1"}, `character '?'`},
		{PathModifier{Value: "/a#frag"}, `character '#'`},
		{PathModifier{Prefix: true, Value: "/a b"}, `character ' '`},
		{PathModifier{Value: "/a\r\nSet-Cookie: x"}, `character '\r'`},
		{PathModifier{Value: "/a%zz"}, `"%" must start an escape`},
		{PathModifier{Prefix: true, Value: "/a%2"}, `"%" must start an escape`},
	} {
		err := tc.m.Check()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Check(%+v) = %v, want %q", tc.m, err, tc.wantErr)
		}
	}
}

// FuzzRequestRedirectLocation checks the Location of redirects built from
// the request for any request host, path, prefix and query, and any
// redirect NewRequestRedirect accepts: it parses as an absolute http or
// https URL whose host is the redirect's Hostname (else the request's
// name), holds no control characters or spaces that could split or bend
// the header, and a path modifier's result always starts with one "/" and
// never names another host.
func FuzzRequestRedirectLocation(f *testing.F) {
	f.Add("https", "example.org", 8443, "/new", true, 301, "gw.example:8080", "/old/x", "/old", "a=1")
	f.Add("", "", 0, "", true, 0, "[::1]:8080", "/a/b", "/a", "")
	f.Add("http", "", 80, "/", false, 308, "gw.example", "/", "/", "")
	f.Add("", "10.0.0.1", 0, "/p", true, 302, "h", "//x", "/", "q")
	f.Fuzz(func(t *testing.T, scheme, hostname string, port int, value string, prefix bool, code int, host, path, matched, query string) {
		// What the proxy can pass: a Host header net/http accepts, the
		// cleaned path and the rule path that matched it, a raw query.
		// A client whose Host names no host ("%", which net/http lets
		// through) gets it back as it sent it, and only it is affected.
		name, _ := splitHost(host)
		if _, err := url.PathUnescape(path); err != nil || strings.Contains(path, "//") {
			return // the proxy refuses such a path with 400, or cleans it
		}
		if !httpguts.ValidHostHeader(host) || !validHostname(name) || !strings.HasPrefix(path, "/") || !strings.HasPrefix(matched, "/") ||
			strings.ContainsAny(path+query, " \t\r\n\x00#") || hasControl(path+query) {
			return
		}
		pm := &PathModifier{Prefix: prefix, Value: value}
		if pm.Check() != nil {
			pm = nil
		}
		r, err := NewRequestRedirect(scheme, hostname, port, pm, code)
		if err != nil {
			return
		}
		loc := r.Location("http", host, path, matched, query)
		if hasControl(loc) || strings.ContainsAny(loc, " \t") {
			t.Fatalf("Location %q holds a control character or a space", loc)
		}
		u, err := url.Parse(loc)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("Location %q is not an absolute http(s) URL: %v", loc, err)
		}
		wantName := name
		if hostname != "" {
			wantName = hostname
		}
		if got := u.Hostname(); !strings.EqualFold(got, strings.Trim(wantName, "[]")) {
			t.Fatalf("Location %q goes to host %q, want %q", loc, got, wantName)
		}
		if pm != nil {
			p := pm.Apply(path, matched)
			if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
				t.Fatalf("%s applied to %q (prefix %q) gives %q", pm.String(), path, matched, p)
			}
		}
	})
}
