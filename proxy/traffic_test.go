package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// trafficBackend answers 200 "ok" and counts the requests it gets; the
// last request's headers are kept.
type trafficBackend struct {
	srv  *httptest.Server
	hits atomic.Int64
	last atomic.Pointer[http.Request]
}

func newTrafficBackend(tb testing.TB, h http.HandlerFunc) *trafficBackend {
	tb.Helper()
	b := &trafficBackend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		b.last.Store(r)
		if h != nil {
			h(w, r)
			return
		}
		w.Write([]byte("ok"))
	}))
	tb.Cleanup(b.srv.Close)
	return b
}

// trafficHandler serves app.example.com/ with t in front of be.
func trafficHandler(tb testing.TB, be *trafficBackend, t *Traffic, trusted ...string) *Handler {
	tb.Helper()
	cfg := Config{Table: newTable(tb, prefix("app.example.com", "/", &Route{Upstream: upstreamOf("app", be.srv), Name: "ingress default/app", Traffic: t}))}
	for _, p := range trusted {
		cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
	}
	h, _ := newHandler(tb, cfg)
	return h
}

// req builds a request for app.example.com from remote, with headers as
// "Key: value" strings.
func req(method, target, remote string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, "http://app.example.com"+target, nil)
	if remote != "" {
		r.RemoteAddr = remote
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		r.Header.Add(k, v)
	}
	return r
}

// header renders the values of key, "|"-separated, "-" when absent.
func header(h http.Header, key string) string {
	v, ok := h[http.CanonicalHeaderKey(key)]
	if !ok {
		return "-"
	}
	return strings.Join(v, "|")
}

// TestTrafficOrder checks the order of the steps: preflights before
// limits and IP lists, rate limits before IP lists (refused requests
// count), IP lists before authentication.
func TestTrafficOrder(t *testing.T) {
	be := newTrafficBackend(t, nil)
	h := trafficHandler(t, be, &Traffic{
		CORS:         &CORS{AllowOrigins: []string{"https://ui.example.com"}},
		RateLimit:    &RateLimit{RPM: 1, BurstMultiplier: 1}, // 2 at once, then one a minute
		AllowSources: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		BasicAuth:    &BasicAuth{Realm: "r", Users: map[string]string{"u": "{PLAIN}p"}},
	})
	preflight := []string{"Origin: https://ui.example.com", "Access-Control-Request-Method: PUT"}
	for i, tt := range []struct {
		name   string
		r      *http.Request
		status int
	}{
		{"preflight from a denied address", req("OPTIONS", "/", "198.51.100.1:1", preflight...), 204},
		{"denied address, counted", req("GET", "/", "198.51.100.1:1"), 403},
		{"allowed address without credentials", req("GET", "/", "192.0.2.1:1"), 401},
		{"denied address, counted", req("GET", "/", "198.51.100.1:1"), 403},
		{"denied address, over the limit", req("GET", "/", "198.51.100.1:1"), 503},
		{"preflight over the limit", req("OPTIONS", "/", "198.51.100.1:1", preflight...), 204},
		{"allowed address with credentials", req("GET", "/", "192.0.2.1:1", "Authorization: Basic dTpw"), 200},
	} {
		w := serve(h, tt.r)
		if w.Code != tt.status {
			t.Errorf("%d %s: status %d, want %d (%s)", i, tt.name, w.Code, tt.status, w.Body)
		}
	}
	if n := be.hits.Load(); n != 1 {
		t.Errorf("backend got %d requests, want 1", n)
	}
}

// TestTrafficCheck checks that invalid policies are refused by New, each
// problem named.
func TestTrafficCheck(t *testing.T) {
	up := &Upstream{Name: "x", Endpoints: []string{"127.0.0.1:1"}}
	for _, tt := range []struct {
		name string
		t    *Traffic
		want string
	}{
		{"origin", &Traffic{CORS: &CORS{AllowOrigins: []string{"app.example.com"}}}, `CORS.AllowOrigins[0]: invalid value "app.example.com": want scheme://host[:port]`},
		{"origin wildcard inside", &Traffic{CORS: &CORS{AllowOrigins: []string{"https://a.*.example.com"}}}, `a wildcard "*." may only start the host`},
		{"cors header value", &Traffic{CORS: &CORS{AllowHeaders: "a\r\nb"}}, `CORS.AllowHeaders: invalid value "a\r\nb"`},
		{"prefix", &Traffic{AllowSources: []netip.Prefix{{}}}, `AllowSources[0]: invalid prefix "invalid Prefix"`},
		{"negative rps", &Traffic{RateLimit: &RateLimit{RPS: -1}}, "RateLimit.RPS: invalid value -1: must not be negative"},
		{"reject status", &Traffic{RateLimit: &RateLimit{RPS: 1, RejectStatus: 200}}, "RateLimit.RejectStatus: invalid value 200: must be 400-599"},
		{"realm", &Traffic{BasicAuth: &BasicAuth{Realm: `a"b`, Users: map[string]string{"u": "{PLAIN}p"}}}, `BasicAuth.Realm: invalid value "a\"b"`},
		{"no users", &Traffic{BasicAuth: &BasicAuth{}}, "BasicAuth.Users: empty: nobody could log in"},
		{"des hash", &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": "abJnggxhB/yWI"}}}, `BasicAuth.Users["u"]: unsupported password hash`},
		{"bad sha", &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": "{SHA}not-base64!"}}}, `BasicAuth.Users["u"]: malformed password hash`},
		{"auth url", &Traffic{ExternalAuth: &ExternalAuth{URL: "/oauth2/auth"}}, `ExternalAuth.URL: invalid value "/oauth2/auth": want an absolute http or https URL`},
		{"auth url host variable", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://$http_host/auth"}}, "the host may be a name or $host"},
		{"auth url host and more", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://$host.evil.example/auth"}}, "the host may be $host, optionally with a port"},
		{"auth url path variable", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://auth/$request_uri"}}, "variables are not allowed in the path"},
		{"auth url query variable", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://auth/check?u=$server_name"}}, "unknown variable $server_name"},
		{"auth url scheme variable", &Traffic{ExternalAuth: &ExternalAuth{URL: "$http_x://auth/check"}}, "want an absolute http or https URL"},
		{"auth method", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://a/", Method: "get"}}, `ExternalAuth.Method: invalid value "get": supported values: GET, HEAD`},
		{"sign-in variable", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://a/", SignIn: "https://$server_name/start"}}, "unknown variable $server_name"},
		{"cache time", &Traffic{ExternalAuth: &ExternalAuth{URL: "http://a/", CacheKey: "$remote_user", CacheFor: []AuthCacheRule{{}}}}, "ExternalAuth.CacheFor[0].For: invalid value \"0s\": must be positive"},
		{"response header", &Traffic{ResponseHeaders: HeaderRules{Set: map[string]string{"X-A": "1\n2"}}}, `ResponseHeaders.Set["X-A"]: invalid value "1\n2": control characters`},
		{"framing header", &Traffic{ResponseHeaders: HeaderRules{Set: map[string]string{"content-length": "1"}}}, `header "content-length" cannot be set`},
		{"request header name", &Traffic{RequestHeaders: HeaderRules{Remove: []string{"a b"}}}, `RequestHeaders.Remove[0]: invalid header name "a b"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Table: newTable(t, prefix("a.com", "/", &Route{Upstream: up, Traffic: tt.t}))})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), `proxy: test a.com/: host "a.com" path "/": Traffic: `) {
				t.Errorf("error %q does not name the rule", err)
			}
			if strings.Contains(err.Error(), "abJnggxhB") {
				t.Errorf("error %q repeats the password hash", err)
			}
		})
	}
}
