package ingressmux_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// pool is the endpoints of service web: echo backends named web-0,
// web-1, ..., answering with their name in X-Backend. Its Mux resolves
// web to Endpoints, read at every load, so that a test can change them and
// reload.
type pool struct {
	Endpoints []string
	servers   []*httptest.Server // web-0, web-1, ...
	mux       *ingressmux.Mux
}

// loadPool starts n backends (and a slow one, answering after 200ms, when
// slow is set) and loads the app Ingress with annotations on path.
func loadPool(t *testing.T, n int, slow bool, annotations map[string]string, path, pathType string) *pool {
	t.Helper()
	p := &pool{}
	for i := range n {
		p.servers = append(p.servers, echo(t, fmt.Sprintf("web-%d", i)))
		p.Endpoints = append(p.Endpoints, p.servers[i].Listener.Addr().String())
	}
	if slow {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(200 * time.Millisecond)
			echoHandler("slow")(w, r)
		}))
		t.Cleanup(srv.Close)
		p.Endpoints = append(p.Endpoints, srv.Listener.Addr().String())
	}
	fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(annotations, path, pathType, false))}}
	opts := ingress.Options{Resolver: func(b route.Backend) ([]string, error) { return p.Endpoints, nil }}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, Options: opts, Logger: quiet(),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	require.NoError(t, err)
	p.mux = mux
	return p
}

// get sends a GET for url with the headers ("Name: value") and returns
// the backend that answered and the response.
func (p *pool) get(t *testing.T, url string, headers ...string) (string, *http.Response) {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		switch k {
		case "RemoteAddr":
			req.RemoteAddr = v
		case "TLS":
			req.TLS = &tls.ConnectionState{ServerName: "app.example.com"}
		default:
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	p.mux.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	return rec.Header().Get("X-Backend"), rec.Result()
}

// affinityCookie returns the Set-Cookie value of the named cookie, or "".
func affinityCookie(res *http.Response, name string) string {
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}

func TestBalancingAnnotationsThroughTheHandler(t *testing.T) {
	const url = "http://app.example.com/app/page"
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		path        string // "/app" (Prefix) unless set
		regex       bool
		n           int  // backends; 3 unless set
		slow        bool // one more backend, 200ms slower
		check       func(t *testing.T, p *pool)
	}{
		{name: "load-balance: round_robin", annotations: a("load-balance", "round_robin"), check: func(t *testing.T, p *pool) {
			count := map[string]int{}
			for range 30 {
				b, _ := p.get(t, url)
				count[b]++
			}
			assert.Equal(t, map[string]int{"web-0": 10, "web-1": 10, "web-2": 10}, count)
		}},
		{name: "load-balance: ewma avoids the slow endpoint", annotations: a("load-balance", "ewma"), n: 1, slow: true, check: func(t *testing.T, p *pool) {
			count := map[string]int{}
			for range 50 {
				b, _ := p.get(t, url)
				count[b]++
			}
			assert.GreaterOrEqual(t, count["web-0"], 45, "round robin would send 25 to each: %v", count)
		}},
		{name: "upstream-hash-by: $http_x_user", annotations: a("upstream-hash-by", "$http_x_user"), n: 5, check: func(t *testing.T, p *pool) {
			used := map[string]bool{}
			for u := range 30 {
				first, _ := p.get(t, url, fmt.Sprintf("X-User: user-%d", u))
				used[first] = true
				for range 5 {
					b, _ := p.get(t, url, fmt.Sprintf("X-User: user-%d", u))
					require.Equal(t, first, b, "user-%d moved", u)
				}
			}
			assert.GreaterOrEqual(t, len(used), 3, "30 users on 5 endpoints")
		}},
		{name: "upstream-hash-by: ${request_uri}-v1", annotations: a("upstream-hash-by", "${request_uri}-v1"), n: 5, check: func(t *testing.T, p *pool) {
			for i := range 10 {
				u := fmt.Sprintf("%s?id=%d", url, i)
				first, _ := p.get(t, u)
				for range 5 {
					b, _ := p.get(t, u)
					require.Equal(t, first, b, u)
				}
			}
		}},
		{name: "upstream-hash-by: $remote_addr believes trusted proxies only", annotations: a("upstream-hash-by", "$remote_addr"), n: 5, check: func(t *testing.T, p *pool) {
			// Through the trusted proxy 10.0.0.1, the forwarded client decides.
			direct, _ := p.get(t, url, "RemoteAddr: 203.0.113.7:4000")
			for i := range 5 {
				b, _ := p.get(t, url, fmt.Sprintf("RemoteAddr: 10.0.0.%d:5000", i+1), "X-Forwarded-For: 203.0.113.7")
				require.Equal(t, direct, b, "the same client through proxy %d", i)
			}
			// From an untrusted peer, the header is ignored: the peer decides.
			peer, _ := p.get(t, url, "RemoteAddr: 198.51.100.9:4000")
			for i := range 5 {
				b, _ := p.get(t, url, "RemoteAddr: 198.51.100.9:4000", fmt.Sprintf("X-Forwarded-For: 203.0.113.%d", i))
				require.Equal(t, peer, b, "a forged X-Forwarded-For %d", i)
			}
		}},
		{name: "upstream-hash-by-subset: a key spreads over 3 endpoints", n: 6,
			annotations: a("upstream-hash-by", "$http_x_user", "upstream-hash-by-subset", "true"), check: func(t *testing.T, p *pool) {
				for u := range 3 {
					used := map[string]int{}
					for range 60 {
						b, _ := p.get(t, url, fmt.Sprintf("X-User: user-%d", u))
						used[b]++
					}
					assert.Len(t, used, 3, "user-%d: %v (each member is missed with probability (2/3)^60)", u, used)
				}
			}},
		{name: "upstream-hash-by-subset-size: 2", n: 6,
			annotations: a("upstream-hash-by", "$http_x_user", "upstream-hash-by-subset", "true", "upstream-hash-by-subset-size", "2"), check: func(t *testing.T, p *pool) {
				used := map[string]int{}
				for range 40 {
					b, _ := p.get(t, url, "X-User: ann")
					used[b]++
				}
				assert.Len(t, used, 2, "%v", used)
			}},
		{name: "affinity: cookie sticks for 100 requests", annotations: a("affinity", "cookie"), check: func(t *testing.T, p *pool) {
			first, res := p.get(t, url)
			set := affinityCookie(res, "INGRESSCOOKIE")
			require.NotEmpty(t, set)
			assert.Regexp(t, `^INGRESSCOOKIE=[0-9a-f]{16}; Path=/app; HttpOnly$`, set)
			cookie := strings.Split(set, ";")[0]
			for i := range 100 {
				b, res := p.get(t, url, "Cookie: "+cookie)
				require.Equal(t, first, b, "request %d", i)
				require.Empty(t, affinityCookie(res, "INGRESSCOOKIE"), "request %d got a new cookie", i)
			}
		}},
		{name: "affinity-mode: persistent re-picks when the endpoint goes", annotations: a("affinity", "cookie", "affinity-mode", "persistent"), check: func(t *testing.T, p *pool) {
			first, res := p.get(t, url)
			cookie := strings.Split(affinityCookie(res, "INGRESSCOOKIE"), ";")[0]
			require.NotEmpty(t, cookie)
			for range 10 {
				b, _ := p.get(t, url, "Cookie: "+cookie)
				require.Equal(t, first, b)
			}
			var rest []string
			for i, ep := range p.Endpoints {
				if fmt.Sprintf("web-%d", i) != first {
					rest = append(rest, ep)
				}
			}
			p.Endpoints = rest
			require.NoError(t, p.mux.Reload(context.Background()))
			moved, res := p.get(t, url, "Cookie: "+cookie)
			require.NotEqual(t, first, moved)
			next := strings.Split(affinityCookie(res, "INGRESSCOOKIE"), ";")[0]
			require.NotEmpty(t, next, "the moved session gets a new cookie")
			for range 20 {
				b, _ := p.get(t, url, "Cookie: "+next)
				require.Equal(t, moved, b)
			}
		}},
		{name: "session-cookie-*: every attribute",
			annotations: a("affinity", "cookie", "session-cookie-name", "route", "session-cookie-path", "/app/page",
				"session-cookie-domain", "app.example.com", "session-cookie-samesite", "Strict", "session-cookie-secure", "true",
				"session-cookie-max-age", "7200", "session-cookie-expires", "3600"), check: func(t *testing.T, p *pool) {
				_, res := p.get(t, url)
				set := affinityCookie(res, "route")
				assert.Regexp(t, `^route=[0-9a-f]{16}; Path=/app/page; Domain=app.example.com; Expires=[^;]+ GMT; Max-Age=7200; HttpOnly; Secure; SameSite=Strict$`, set)
			}},
		{name: "session-cookie-samesite: None, conditional", annotations: a("affinity", "cookie", "session-cookie-samesite", "None",
			"session-cookie-conditional-samesite-none", "true"), check: func(t *testing.T, p *pool) {
			_, res := p.get(t, url, "TLS: on", "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 12_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1")
			assert.Regexp(t, `^INGRESSCOOKIE=[0-9a-f]{16}; Path=/app; HttpOnly; Secure$`, affinityCookie(res, "INGRESSCOOKIE"), "iOS 12")
			_, res = p.get(t, url, "TLS: on", "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
			assert.Regexp(t, `^INGRESSCOOKIE=[0-9a-f]{16}; Path=/app; HttpOnly; Secure; SameSite=None$`, affinityCookie(res, "INGRESSCOOKIE"), "iOS 17")
		}},
		{name: "session-cookie-path defaults to / for regex paths", annotations: a("affinity", "cookie", "use-regex", "true"),
			path: "/ap+", regex: true, check: func(t *testing.T, p *pool) {
				_, res := p.get(t, url)
				assert.Regexp(t, `; Path=/; HttpOnly$`, affinityCookie(res, "INGRESSCOOKIE"))
			}},
		{name: "session-cookie-change-on-failure moves the session off a dead endpoint",
			annotations: a("affinity", "cookie", "session-cookie-change-on-failure", "true"), check: func(t *testing.T, p *pool) {
				// A session is on some endpoint; that endpoint dies without
				// the proxy being told. The retry (proxy-next-upstream's
				// default "error") serves the request elsewhere, and the
				// session moves there.
				first, res := p.get(t, url)
				cookie := strings.Split(affinityCookie(res, "INGRESSCOOKIE"), ";")[0]
				require.NotEmpty(t, cookie)
				var i int
				fmt.Sscanf(first, "web-%d", &i)
				p.servers[i].Close()
				moved, res := p.get(t, url, "Cookie: "+cookie)
				require.NotEqual(t, first, moved)
				next := strings.Split(affinityCookie(res, "INGRESSCOOKIE"), ";")[0]
				require.NotEmpty(t, next, "the session was not moved")
				for range 10 {
					b, res := p.get(t, url, "Cookie: "+next)
					require.Equal(t, moved, b)
					require.Empty(t, affinityCookie(res, "INGRESSCOOKIE"))
				}
			}},
		{name: "without session-cookie-change-on-failure the session stays",
			annotations: a("affinity", "cookie"), check: func(t *testing.T, p *pool) {
				first, res := p.get(t, url)
				cookie := strings.Split(affinityCookie(res, "INGRESSCOOKIE"), ";")[0]
				var i int
				fmt.Sscanf(first, "web-%d", &i)
				p.servers[i].Close()
				moved, res := p.get(t, url, "Cookie: "+cookie)
				require.NotEqual(t, first, moved, "the retry is served elsewhere")
				require.Empty(t, affinityCookie(res, "INGRESSCOOKIE"), "but the cookie is kept")
			}},
		{name: "affinity wins over upstream-hash-by", annotations: a("affinity", "cookie", "upstream-hash-by", "$http_x_user"), check: func(t *testing.T, p *pool) {
			_, res := p.get(t, url, "X-User: ann")
			assert.NotEmpty(t, affinityCookie(res, "INGRESSCOOKIE"))
			w := p.mux.Warnings()
			require.Len(t, w, 1)
			assert.Contains(t, w[0].String(), "upstream-hash-by]: ignored: cookie affinity takes precedence, as in ingress-nginx")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, pathType := tt.path, "Prefix"
			if path == "" {
				path = "/app"
			}
			if tt.regex {
				pathType = "ImplementationSpecific"
			}
			n := tt.n
			if n == 0 {
				n = 3
			}
			tt.check(t, loadPool(t, n, tt.slow, tt.annotations, path, pathType))
		})
	}
}

// TestBalancingAnnotationErrors checks that Load refuses bad values with
// the field error of the annotation.
func TestBalancingAnnotationErrors(t *testing.T) {
	for _, tt := range []struct{ name, value, want string }{
		{"load-balance", "least_conn", `metadata.annotations[nginx.ingress.kubernetes.io/load-balance]: Invalid value: "least_conn": supported values: "round_robin", "ewma"`},
		{"upstream-hash-by", "$request_id", `metadata.annotations[nginx.ingress.kubernetes.io/upstream-hash-by]: Invalid value: "$request_id": unknown variable $request_id`},
		{"affinity", "ip", `metadata.annotations[nginx.ingress.kubernetes.io/affinity]: Invalid value: "ip": supported values: "cookie"`},
		{"session-cookie-samesite", "Always", `metadata.annotations[nginx.ingress.kubernetes.io/session-cookie-samesite]: Invalid value: "Always": supported values: "None", "Lax", "Strict"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(a(tt.name, tt.value), "/", "Prefix", false))}}
			_, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, Logger: quiet(),
				Options: ingress.Options{Backends: map[string]string{"default/web:80": "127.0.0.1:1"}}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
