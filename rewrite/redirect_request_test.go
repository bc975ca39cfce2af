package rewrite

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRedirectLocation checks the Location of redirects built from the
// request against Gateway API's conformance tests HTTPRouteRedirectPort,
// HTTPRouteRedirectScheme, HTTPRouteRedirectPortAndScheme,
// HTTPRouteRedirectHostAndStatus and HTTPRouteRedirectPath, and the port
// rules of HTTPRequestRedirectFilter.Port.
func TestRedirectLocation(t *testing.T) {
	prefixPath := func(v string) *PathModifier { return &PathModifier{Prefix: true, Value: v} }
	fullPath := func(v string) *PathModifier { return &PathModifier{Value: v} }
	for _, tc := range []struct {
		name                              string
		r                                 Redirect
		scheme, host, path, prefix, query string
		want                              string
	}{
		// HTTPRouteRedirectPort: the port given, scheme and host kept.
		{"port", Redirect{Port: 8083}, "http", "gw.example", "/port", "/port", "", "http://gw.example:8083/port"},
		{"port and host", Redirect{Hostname: "example.org", Port: 8083}, "http", "gw.example", "/port-and-host", "/port-and-host", "", "http://example.org:8083/port-and-host"},
		// HTTPRouteRedirectScheme: the scheme's well-known port, so none.
		{"scheme", Redirect{Scheme: "https"}, "http", "gw.example", "/scheme", "/scheme", "", "https://gw.example/scheme"},
		{"scheme drops the client's port", Redirect{Scheme: "https"}, "http", "gw.example:8080", "/scheme", "/scheme", "", "https://gw.example/scheme"},
		{"scheme and host", Redirect{Scheme: "https", Hostname: "example.org"}, "http", "gw.example", "/scheme-and-host", "/", "", "https://example.org/scheme-and-host"},
		// HTTPRouteRedirectPortAndScheme, listener on 80.
		{"80: scheme nil port nil", Redirect{Hostname: "example.org"}, "http", "gw.example", "/x", "/x", "", "http://example.org/x"},
		{"80: scheme nil port nil, Host with :80", Redirect{Hostname: "example.org"}, "http", "gw.example:80", "/x", "/x", "", "http://example.org/x"},
		{"80: scheme nil port 80", Redirect{Hostname: "example.org", Port: 80}, "http", "gw.example", "/x", "/x", "", "http://example.org/x"},
		{"80: scheme nil port 8080", Redirect{Hostname: "example.org", Port: 8080}, "http", "gw.example", "/x", "/x", "", "http://example.org:8080/x"},
		{"80: scheme https port nil", Redirect{Scheme: "https", Hostname: "example.org"}, "http", "gw.example", "/x", "/x", "", "https://example.org/x"},
		{"80: scheme https port 443", Redirect{Scheme: "https", Hostname: "example.org", Port: 443}, "http", "gw.example", "/x", "/x", "", "https://example.org/x"},
		{"80: scheme https port 8443", Redirect{Scheme: "https", Hostname: "example.org", Port: 8443}, "http", "gw.example", "/x", "/x", "", "https://example.org:8443/x"},
		// Listener on 8080: the port the client addressed.
		{"8080: scheme nil port nil", Redirect{Hostname: "example.org"}, "http", "gw.example:8080", "/x", "/x", "", "http://example.org:8080/x"},
		{"8080: scheme nil port 80", Redirect{Hostname: "example.org", Port: 80}, "http", "gw.example:8080", "/x", "/x", "", "http://example.org/x"},
		{"8080: scheme https port nil", Redirect{Scheme: "https", Hostname: "example.org"}, "http", "gw.example:8080", "/x", "/x", "", "https://example.org/x"},
		// HTTPS listener on 443.
		{"443: scheme nil port nil", Redirect{Hostname: "example.org"}, "https", "example.org", "/x", "/x", "", "https://example.org/x"},
		{"443: scheme nil port 443", Redirect{Hostname: "example.org", Port: 443}, "https", "example.org", "/x", "/x", "", "https://example.org/x"},
		{"443: scheme nil port 8443", Redirect{Hostname: "example.org", Port: 8443}, "https", "example.org", "/x", "/x", "", "https://example.org:8443/x"},
		{"443: scheme http port nil", Redirect{Scheme: "http", Hostname: "example.org"}, "https", "example.org", "/x", "/x", "", "http://example.org/x"},
		// HTTPRouteRedirectHostAndStatus.
		{"hostname", Redirect{Hostname: "example.org"}, "http", "gw.example", "/hostname-redirect", "/hostname-redirect", "", "http://example.org/hostname-redirect"},
		// HTTPRouteRedirectPath.
		{"prefix", Redirect{Path: prefixPath("/replacement-prefix")}, "http", "gw.example", "/original-prefix/lemon", "/original-prefix", "", "http://gw.example/replacement-prefix/lemon"},
		{"full path", Redirect{Path: fullPath("/full-path-replacement")}, "http", "gw.example", "/full/path/original", "/full", "", "http://gw.example/full-path-replacement"},
		{"path and host", Redirect{Hostname: "example.org", Path: prefixPath("/replacement-prefix")}, "http", "gw.example", "/path-and-host", "/path-and-host", "", "http://example.org/replacement-prefix"},
		// The query string is kept; IPv6 hosts keep their brackets.
		{"query", Redirect{Scheme: "https"}, "http", "gw.example", "/q", "/", "a=1&b", "https://gw.example/q?a=1&b"},
		{"ipv6 host", Redirect{Port: 8081}, "http", "[::1]:8080", "/", "/", "", "http://[::1]:8081/"},
		{"ipv6 hostname", Redirect{Hostname: "::1"}, "http", "gw.example", "/", "/", "", "http://[::1]/"},
	} {
		if got := tc.r.Location(tc.scheme, tc.host, tc.path, tc.prefix, tc.query); got != tc.want {
			t.Errorf("%s: Location = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNewRequestRedirect(t *testing.T) {
	for _, tc := range []struct {
		scheme, hostname string
		port, code       int
		path             *PathModifier
		wantCode         int
		wantErr          string
	}{
		{"", "", 0, 0, nil, 302, ""},
		{"https", "example.org", 8443, 301, &PathModifier{Prefix: true}, 301, ""},
		{"http", "10.0.0.1", 0, 303, nil, 303, ""},
		{"", "", 0, 307, nil, 307, ""},
		{"", "", 0, 308, nil, 308, ""},
		{"ftp", "", 0, 0, nil, 0, `Scheme: invalid value "ftp"`},
		{"", "example.org:80", 0, 0, nil, 0, `Hostname: invalid value "example.org:80"`},
		{"", "*.example.org", 0, 0, nil, 0, `Hostname: invalid value "*.example.org"`},
		{"", "[::", 0, 0, nil, 0, `Hostname: invalid value "[::"`},
		{"", "[10.0.0.1]", 0, 0, nil, 0, `Hostname: invalid value "[10.0.0.1]"`},
		{"", "[::1]", 0, 0, nil, 302, ""},
		{"", "", 70000, 0, nil, 0, "Port: invalid value 70000"},
		{"", "", 0, 300, nil, 0, "status code 300"},
		{"", "", 0, 0, &PathModifier{Value: "no-slash"}, 0, `must start with "/"`},
	} {
		r, err := NewRequestRedirect(tc.scheme, tc.hostname, tc.port, tc.path, tc.code)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewRequestRedirect(%q, %q, %d, %d) = %v, want error %q", tc.scheme, tc.hostname, tc.port, tc.code, err, tc.wantErr)
			}
			continue
		}
		if err != nil || r.Code != tc.wantCode {
			t.Errorf("NewRequestRedirect(%q, %q, %d, %d) = %+v, %v; want code %d", tc.scheme, tc.hostname, tc.port, tc.code, r, err, tc.wantCode)
		}
	}
}

// TestRequestRedirectServeHTTP checks a redirect built from the request
// served on its own.
func TestRequestRedirectServeHTTP(t *testing.T) {
	r, err := NewRequestRedirect("https", "", 0, &PathModifier{Value: "/new"}, 301)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example:8080/old?x=1", nil))
	if rec.Code != 301 || rec.Header().Get("Location") != "https://app.example/new?x=1" {
		t.Errorf("got %d %q, want 301 https://app.example/new?x=1", rec.Code, rec.Header().Get("Location"))
	}
}
