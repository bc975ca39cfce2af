package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// oauth2Proxy behaves like oauth2-proxy's /oauth2/auth endpoint: 202 with
// the user in X-Auth-Request-User and -Email for a valid session cookie,
// 401 without one. A few other cookie values make it misbehave on purpose.
type oauth2Proxy struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	last  *http.Request
	body  string
}

func newOAuth2Proxy(tb testing.TB) *oauth2Proxy {
	tb.Helper()
	p := &oauth2Proxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			tb.Errorf("the auth client followed a redirect")
			return
		}
		p.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.last, p.body = r, string(body)
		p.mu.Unlock()
		c, err := r.Cookie("_oauth2_proxy")
		session := ""
		if err == nil {
			session = c.Value
		}
		switch session {
		case "alice":
			w.Header().Set("X-Auth-Request-User", "alice")
			w.Header().Set("X-Auth-Request-Email", "alice@example.com")
			w.WriteHeader(http.StatusAccepted)
		case "refresh":
			w.Header().Set("X-Auth-Request-User", "bob")
			w.Header().Add("Set-Cookie", "_oauth2_proxy=refreshed; Path=/; HttpOnly")
			w.WriteHeader(http.StatusAccepted)
		case "nocache":
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
		case "banned":
			w.WriteHeader(http.StatusForbidden)
		case "broken":
			w.WriteHeader(http.StatusInternalServerError)
		case "moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "slow":
			time.Sleep(300 * time.Millisecond)
			w.WriteHeader(http.StatusAccepted)
		case "csrf":
			w.Header().Set("WWW-Authenticate", `Bearer realm="sso"`)
			w.Header().Add("Set-Cookie", "_oauth2_proxy_csrf=x; Path=/")
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="sso"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	tb.Cleanup(p.srv.Close)
	return p
}

func (p *oauth2Proxy) lastRequest() (*http.Request, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.body
}

func TestTrafficExternalAuth(t *testing.T) {
	auth := newOAuth2Proxy(t)
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte("ok"))
	})
	ext := ExternalAuth{URL: auth.srv.URL + "/oauth2/auth", ResponseHeaders: []string{"X-Auth-Request-User", "x-auth-request-email"}}
	plain := trafficHandler(t, be, &Traffic{ExternalAuth: &ext})
	withSignIn := ext
	withSignIn.SignIn = "https://auth.example.com/oauth2/start"
	signIn := trafficHandler(t, be, &Traffic{ExternalAuth: &withSignIn})
	withVars := ext
	withVars.SignIn = "https://$host/oauth2/start?rd=$escaped_request_uri"
	withVars.SignInRedirectParam = "rd"
	vars := trafficHandler(t, be, &Traffic{ExternalAuth: &withVars})
	always := ext
	always.AlwaysSetCookie = true
	alwaysCookie := trafficHandler(t, be, &Traffic{ExternalAuth: &always})
	timeout := ext
	timeout.Timeout = 50 * time.Millisecond
	slow := trafficHandler(t, be, &Traffic{ExternalAuth: &timeout})
	down := ext
	down.URL = "http://127.0.0.1:1/oauth2/auth"
	unreachable := trafficHandler(t, be, &Traffic{ExternalAuth: &down})

	for _, tt := range []struct {
		name     string
		h        *Handler
		r        *http.Request
		status   int
		location string
		cookie   string // Set-Cookie of the response
		user     string // X-Auth-Request-User the backend saw
	}{
		{"valid session", plain, req("GET", "/path?q=1", "", "Cookie: _oauth2_proxy=alice"), 200, "-", "-", "alice"},
		{"forged identity is replaced", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=alice", "X-Auth-Request-User: root"), 200, "-", "-", "alice"},
		{"forged identity is removed when the answer lacks it", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=nocache", "X-Auth-Request-User: root"), 200, "-", "-", ""},
		{"no session", plain, req("GET", "/", ""), 401, "-", "-", ""},
		{"banned", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=banned"), 403, "-", "-", ""},
		{"auth service error", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=broken"), 500, "-", "-", ""},
		{"auth redirect is not followed", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=moved"), 500, "-", "-", ""},
		{"auth timeout", slow, req("GET", "/", "", "Cookie: _oauth2_proxy=slow"), 500, "-", "-", ""},
		{"auth unreachable", unreachable, req("GET", "/", "", "Cookie: _oauth2_proxy=alice"), 500, "-", "-", ""},
		{"sign-in redirect", signIn, req("GET", "/path?q=1", ""), 302,
			"https://auth.example.com/oauth2/start?rd=http%3A%2F%2Fapp.example.com%2Fpath%3Fq%3D1", "-", ""},
		{"sign-in only on 401", signIn, req("GET", "/", "", "Cookie: _oauth2_proxy=banned"), 403, "-", "-", ""},
		{"sign-in with variables and its own rd", vars, req("GET", "/a%20b?x=1", ""), 302,
			"https://app.example.com/oauth2/start?rd=%2Fa%2520b%3Fx%3D1", "-", ""},
		{"refreshed cookie on success", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=refresh"), 200, "-", "_oauth2_proxy=refreshed; Path=/; HttpOnly", "bob"},
		{"no cookie on a backend error", plain, req("GET", "/fail", "", "Cookie: _oauth2_proxy=refresh"), 502, "-", "-", "bob"},
		{"always: cookie on a backend error", alwaysCookie, req("GET", "/fail", "", "Cookie: _oauth2_proxy=refresh"), 502, "-", "_oauth2_proxy=refreshed; Path=/; HttpOnly", "bob"},
		{"no cookie on 401", plain, req("GET", "/", "", "Cookie: _oauth2_proxy=csrf"), 401, "-", "-", ""},
		{"always: cookie on 401", alwaysCookie, req("GET", "/", "", "Cookie: _oauth2_proxy=csrf"), 401, "-", "_oauth2_proxy_csrf=x; Path=/", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be.last.Store(nil)
			w := serve(tt.h, tt.r)
			res := w.Result()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.status, w.Body)
			}
			if got := header(res.Header, "Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if got := header(res.Header, "Set-Cookie"); got != tt.cookie {
				t.Errorf("Set-Cookie = %q, want %q", got, tt.cookie)
			}
			if tt.status == 401 {
				if got := header(res.Header, "WWW-Authenticate"); got != `Bearer realm="sso"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
			last := be.last.Load()
			if (last != nil) != (tt.status == 200 || tt.status == 502) {
				t.Fatalf("backend reached: %v", last != nil)
			}
			if last != nil {
				if got := last.Header.Get("X-Auth-Request-User"); got != tt.user {
					t.Errorf("backend saw X-Auth-Request-User %q, want %q", got, tt.user)
				}
			}
		})
	}
}

// TestTrafficExternalAuthRequest checks what the auth service is sent.
func TestTrafficExternalAuthRequest(t *testing.T) {
	auth := newOAuth2Proxy(t)
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	h := trafficHandler(t, be, &Traffic{ExternalAuth: &ExternalAuth{URL: auth.srv.URL + "/oauth2/auth?from=ingress", Method: "POST",
		RequestRedirect: "https://$host$request_uri"}}, "10.0.0.0/8")

	r := httptest.NewRequest("PUT", "http://app.example.com/upload?x=1", strings.NewReader("payload"))
	r.RemoteAddr = "10.0.0.1:5000"
	r.Header.Set("Cookie", "_oauth2_proxy=alice")
	r.Header.Set("Authorization", "Bearer tok")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("Connection", "X-Hop")
	r.Header.Set("X-Hop", "1")
	r.Header.Set("X-Custom", "kept")
	w := serve(h, r)
	if w.Code != 200 || w.Body.String() != "payload" {
		t.Fatalf("status %d, body %q: the backend must get the body", w.Code, w.Body)
	}
	got, body := auth.lastRequest()
	if got.Method != "POST" || got.URL.RequestURI() != "/oauth2/auth?from=ingress" || body != "" {
		t.Errorf("auth request: %s %s with body %q", got.Method, got.URL.RequestURI(), body)
	}
	for _, c := range []struct{ key, want string }{
		{"X-Original-URL", "https://app.example.com/upload?x=1"},
		{"X-Original-Method", "PUT"},
		{"X-Sent-From", "nginx-ingress-controller"},
		{"X-Auth-Request-Redirect", "https://app.example.com/upload?x=1"},
		{"X-Real-IP", "203.0.113.9"},
		{"X-Forwarded-For", "203.0.113.9"},
		{"X-Forwarded-Host", "app.example.com"},
		{"X-Forwarded-Proto", "https"},
		{"Cookie", "_oauth2_proxy=alice"},
		{"Authorization", "Bearer tok"},
		{"X-Custom", "kept"},
		{"X-Hop", "-"},
		{"Content-Length", "0"}, // the client's 7 bytes are not sent; Go says 0 for a POST without body
	} {
		if v := header(got.Header, c.key); v != c.want {
			t.Errorf("auth request %s = %q, want %q", c.key, v, c.want)
		}
	}
	if got.Host != auth.srv.Listener.Addr().String() {
		t.Errorf("auth request Host = %q", got.Host)
	}
	id := got.Header.Get("X-Request-Id")
	if !validRequestID(id) || be.last.Load().Header.Get("X-Request-Id") != id {
		t.Errorf("X-Request-ID: auth got %q, backend %q", id, be.last.Load().Header.Get("X-Request-Id"))
	}
}

// TestTrafficExternalAuthCache checks that answers are cached under the
// key, for the configured time, and that answers setting cookies or
// forbidding caching are not.
func TestTrafficExternalAuthCache(t *testing.T) {
	auth := newOAuth2Proxy(t)
	be := newTrafficBackend(t, nil)
	tr := &Traffic{ExternalAuth: &ExternalAuth{URL: auth.srv.URL + "/oauth2/auth", ResponseHeaders: []string{"X-Auth-Request-User"},
		CacheKey: "$cookie__oauth2_proxy", CacheFor: []AuthCacheRule{{Statuses: []int{202}, For: time.Minute}, {AnyStatus: true, For: time.Second}}}}
	h := trafficHandler(t, be, tr)
	now := time.Unix(1_000_000, 0)
	h.trafficRuntime(tr).ext.now = func() time.Time { return now }
	for i, tt := range []struct {
		cookie  string
		advance time.Duration
		status  int
		calls   int64 // auth calls so far
	}{
		{"alice", 0, 200, 1},
		{"alice", 30 * time.Second, 200, 1},
		{"other", 0, 401, 2},
		{"other", 500 * time.Millisecond, 401, 2},
		{"other", time.Second, 401, 3},
		{"alice", 31 * time.Second, 200, 4},
		{"refresh", 0, 200, 5},
		{"refresh", 0, 200, 6},
		{"nocache", 0, 200, 7},
		{"nocache", 0, 200, 8},
		{"csrf", 0, 401, 9},
		{"csrf", 0, 401, 10},
	} {
		now = now.Add(tt.advance)
		w := serve(h, req("GET", "/", "", "Cookie: _oauth2_proxy="+tt.cookie))
		if w.Code != tt.status || auth.calls.Load() != tt.calls {
			t.Errorf("%d (%s): status %d, %d auth calls; want %d, %d", i, tt.cookie, w.Code, auth.calls.Load(), tt.status, tt.calls)
		}
		if tt.cookie == "alice" && be.last.Load().Header.Get("X-Auth-Request-User") != "alice" {
			t.Errorf("%d: a cached answer lost its headers", i)
		}
	}
}

// TestTrafficExternalAuthClient checks the auth client's safety settings.
func TestTrafficExternalAuthClient(t *testing.T) {
	ea, errs := newExtAuth(&ExternalAuth{URL: "https://auth.example.com/check"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tr := ea.client.Transport.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("the auth transport uses a proxy from the environment")
	}
	if ea.client.Timeout != DefaultAuthTimeout || tr.ResponseHeaderTimeout != DefaultAuthTimeout || tr.TLSHandshakeTimeout == 0 {
		t.Errorf("timeouts: client %v, headers %v, handshake %v", ea.client.Timeout, tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout)
	}
	if err := ea.client.CheckRedirect(nil, nil); err != http.ErrUseLastResponse {
		t.Errorf("CheckRedirect = %v, want http.ErrUseLastResponse", err)
	}
}
