package proxy

import (
	"bufio"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/route"
)

// The hostile-request tests send raw bytes to a proxy served by a real
// http.Server on loopback, as an attacker would, because most of the
// protections live where a handler test cannot reach: in net/http's
// request parsing, in httputil.ReverseProxy's header handling, and in the
// way the handler turns what was matched into what is sent on.

// received is what a recording backend saw of one request.
type received struct {
	Method, URI, Host string
	Header            http.Header
	ContentLength     int64
	TransferEncoding  []string
	Body              string
}

// recordingBackend answers 200 "<name>" and keeps every request it gets.
type recordingBackend struct {
	name string
	srv  *httptest.Server
	up   *Upstream

	mu  sync.Mutex
	got []received
}

func newRecordingBackend(tb testing.TB, name string) *recordingBackend {
	tb.Helper()
	b := &recordingBackend{name: name}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got = append(b.got, received{
			Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(),
			ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Body: string(body),
		})
		b.mu.Unlock()
		io.WriteString(w, name)
	}))
	tb.Cleanup(b.srv.Close)
	b.up = upstreamOf(name, b.srv)
	return b
}

// take returns and forgets what the backend received.
func (b *recordingBackend) take() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.got
	b.got = nil
	return got
}

// guard is the policy of the reserved routes: only 10.0.0.0/8 may pass,
// and the tests come from 127.0.0.1, so no request may ever reach a
// backend through a reserved route.
var guard = &Traffic{AllowSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

// hostileRig is the proxy under attack. On example.com, "/" is public and
// "/admin" is reserved, both served by the same backend "web", as when one
// Ingress guards the admin paths of a service another Ingress publishes;
// "/static" goes to "static", with a header the proxy sets; "/secure" to
// static too, HTTPS only; "/account" to static after an auth service,
// which names the user in X-Auth-Request-User. The host admin.example.com
// is reserved whole.
type hostileRig struct {
	addr        string // the proxy's "host:port"
	table       *route.Table
	web, static *recordingBackend
	logs        *logBuffer
}

// newHostileRig starts the rig behind an http.Server configured as a
// careful embedding program configures it (see examples/ingress-proxy).
func newHostileRig(tb testing.TB, cfg Config) *hostileRig {
	tb.Helper()
	rig := &hostileRig{web: newRecordingBackend(tb, "web"), static: newRecordingBackend(tb, "static")}
	staticRoute := &Route{Name: "static", Upstream: rig.static.up, Traffic: &Traffic{
		RequestHeaders: HeaderRules{Set: map[string]string{"X-Proxy-Verified": "static-route"}},
	}}
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Auth-Request-User", "alice")
	}))
	tb.Cleanup(auth.Close)
	accountRoute := &Route{Name: "account", Upstream: rig.static.up, Traffic: &Traffic{
		ExternalAuth: &ExternalAuth{URL: auth.URL, ResponseHeaders: []string{"X-Auth-Request-User"}},
	}}
	rig.table = newTable(tb,
		prefix("example.com", "/account", accountRoute),
		prefix("example.com", "/", &Route{Name: "public", Upstream: rig.web.up}),
		prefix("example.com", "/admin", &Route{Name: "admin", Upstream: rig.web.up, Traffic: guard}),
		prefix("example.com", "/static", staticRoute),
		prefix("example.com", "/secure", &Route{Name: "secure", Upstream: rig.static.up, ForceSSLRedirect: true}),
		prefix("admin.example.com", "/", &Route{Name: "admin host", Upstream: rig.web.up, Traffic: guard}),
	)
	cfg.Table = rig.table
	var h *Handler
	h, rig.logs = newHandler(tb, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          discardLog,
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	rig.addr = ln.Addr().String()
	return rig
}

// send writes raw to the proxy on a new connection and returns the first
// response, with its body read as far as it goes.
func (rig *hostileRig) send(tb testing.TB, raw string) (*http.Response, string) {
	tb.Helper()
	c, err := net.Dial("tcp", rig.addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound, not an expectation
	if _, err := io.WriteString(c, raw); err != nil {
		tb.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		tb.Fatalf("%q: no response: %v", raw, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// sendAll writes raw to the proxy on a new connection and returns the
// status of every response until the connection closes.
func (rig *hostileRig) sendAll(tb testing.TB, raw string) []int {
	tb.Helper()
	c, err := net.Dial("tcp", rig.addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound, not an expectation
	if _, err := io.WriteString(c, raw); err != nil {
		tb.Fatal(err)
	}
	br := bufio.NewReader(c)
	var codes []int
	for range 10 {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			break
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	return codes
}

// checkAgreement fails tb unless every request the backends received
// agrees with the routing table: its path is already clean (what was
// matched is what was sent), and matching it again picks a route that is
// not reserved and is served by the backend that received it. So no
// spelling sends a reserved path to a backend through another route.
func (rig *hostileRig) checkAgreement(tb testing.TB, what string, got map[*recordingBackend][]received) {
	tb.Helper()
	for b, reqs := range got {
		for _, r := range reqs {
			u, err := url.ParseRequestURI(r.URI)
			if err != nil {
				tb.Errorf("%s: %s received an unparseable target %q", what, b.name, r.URI)
				continue
			}
			p := u.EscapedPath()
			if clean, err := route.CleanPath(p); err != nil || clean != p {
				tb.Errorf("%s: %s received %q, which is not clean (%q, %v)", what, b.name, r.URI, clean, err)
			}
			rule := rig.table.Match(route.NormalizeHost(r.Host), p)
			if rule == nil {
				tb.Errorf("%s: %s received %q for host %q, which no rule matches", what, b.name, r.URI, r.Host)
				continue
			}
			rt := rule.Value.(*Route)
			if rt.Traffic == guard || rt.Upstream != b.up {
				tb.Errorf("%s: %s received %q for host %q, which the table gives to route %q", what, b.name, r.URI, r.Host, rt.Name)
			}
		}
	}
}

// takeAll collects and forgets what both backends received.
func (rig *hostileRig) takeAll() map[*recordingBackend][]received {
	return map[*recordingBackend][]received{rig.web: rig.web.take(), rig.static: rig.static.take()}
}

// discardLog keeps net/http's complaints about malformed requests, which
// these tests make on purpose, out of the test output.
var discardLog = log.New(io.Discard, "", 0)

// TestHostilePaths sends path spellings that try to reach a reserved path
// through another route, or to make the backend read a path other than
// the one that was matched: dot segments plain, encoded and in mixed
// case, encoded slashes, repeated slashes, backslashes, ";" parameters,
// overlong and invalid UTF-8, NUL bytes, bad escapes and fragments.
// Each gets its expected status, the backend receives exactly the cleaned
// path, and every receipt agrees with the table (checkAgreement).
func TestHostilePaths(t *testing.T) {
	rig := newHostileRig(t, Config{})
	for _, tt := range []struct {
		target  string
		code    int
		backend string // "" when no backend may be reached
		uri     string // the request target the backend receives
	}{
		// Dot segments resolve before matching: into the reserved route.
		{"/static/../admin/users", 403, "", ""},
		{"/static/%2e%2e/admin", 403, "", ""},
		{"/static/%2E%2e/admin", 403, "", ""},
		{"/static/.%2E/admin", 403, "", ""},
		{"/static//..//admin", 403, "", ""},
		{"/./admin", 403, "", ""},
		{"//admin", 403, "", ""},
		{"/admin/.", 403, "", ""},
		{"/%61dmin", 403, "", ""},
		{"/%61%64%6D%69%6E/x", 403, "", ""},
		{"/static/%2e%2e/secure", 308, "", ""},
		// Escapes that are not separators or dots stay inside their
		// segment, so they never select the reserved route, and the
		// backend gets them as they were matched (hex in upper case).
		{"/admin%2Fusers", 200, "web", "/admin%2Fusers"},
		{"/admin%2fusers", 200, "web", "/admin%2Fusers"},
		{"/static/..%2Fadmin", 200, "static", "/static/..%2Fadmin"},
		{"/static/%2e%2e%2fadmin", 200, "static", "/static/..%2Fadmin"},
		{"/static\\..\\admin", 200, "web", "/static%5C..%5Cadmin"},
		{"/static/%5c..%5cadmin", 200, "static", "/static/%5C..%5Cadmin"},
		{"/admin;jsessionid=1", 200, "web", "/admin;jsessionid=1"},
		{"/static/..;/admin", 200, "static", "/static/..;/admin"},
		{"/static/%c0%ae%c0%ae/admin", 200, "static", "/static/%C0%AE%C0%AE/admin"},
		{"/static/\xc0\xae\xc0\xae/admin", 200, "static", "/static/%C0%AE%C0%AE/admin"},
		{"/static/\xff\xfe", 200, "static", "/static/%FF%FE"},
		{"/ADMIN", 200, "web", "/ADMIN"},
		{"/admin#x", 200, "web", "/admin%23x"},
		{"/static/a?next=/../admin", 200, "static", "/static/a?next=/../admin"},
		{"/static/%7euser/%41", 200, "static", "/static/~user/A"},
		// Paths that cannot be normalised are refused before any route.
		{"/../admin", 400, "", ""},
		{"/static/../../admin", 400, "", ""},
		{"/%2e%2e/admin", 400, "", ""},
		{"/admin%00", 400, "", ""},
		{"/static/%00/../../admin", 400, "", ""},
		{"/static/%zz", 400, "", ""},
		{"/static/%4", 400, "", ""},
		{"/static/a\x00b", 400, "", ""},
	} {
		res, body := rig.send(t, "GET "+tt.target+" HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
		got := rig.takeAll()
		rig.checkAgreement(t, tt.target, got)
		if res.StatusCode != tt.code {
			t.Errorf("GET %q: status %d, want %d (%q)", tt.target, res.StatusCode, tt.code, body)
			continue
		}
		for b, reqs := range got {
			switch {
			case b.name != tt.backend && len(reqs) > 0:
				t.Errorf("GET %q reached %s as %q", tt.target, b.name, reqs[0].URI)
			case b.name == tt.backend && (len(reqs) != 1 || reqs[0].URI != tt.uri):
				t.Errorf("GET %q: %s received %v, want one request for %q", tt.target, b.name, reqs, tt.uri)
			}
		}
	}
}

// TestHostileHosts sends requests whose target and Host disagree, or
// whose Host tries to pass for another: the route is chosen by the host
// net/http settles on (the authority of an absolute-form target, as RFC
// 9112 requires of a proxy), and that same host is what the backend
// receives, in origin form. A plain-HTTP request never passes for HTTPS by
// writing "https://" in its target.
func TestHostileHosts(t *testing.T) {
	rig := newHostileRig(t, Config{})
	for _, tt := range []struct {
		name, request string
		code          int
		uri, host     string // what static receives, if anything
	}{
		{"absolute form names the reserved host", "GET http://admin.example.com/ HTTP/1.1\r\nHost: example.com\r\n", 403, "", ""},
		{"absolute form wins over Host", "GET http://example.com/static/x HTTP/1.1\r\nHost: admin.example.com\r\n", 200, "/static/x", "example.com"},
		{"userinfo in absolute form", "GET http://example.com@admin.example.com/ HTTP/1.1\r\nHost: example.com\r\n", 403, "", ""},
		{"https scheme over plain HTTP", "GET https://example.com/secure/x HTTP/1.1\r\nHost: example.com\r\n", 308, "", ""},
		{"host case, port and trailing dot", "GET /static/y HTTP/1.1\r\nHost: EXAMPLE.com.:8080\r\n", 200, "/static/y", "EXAMPLE.com.:8080"},
		{"reserved host in other case", "GET /static HTTP/1.1\r\nHost: ADMIN.Example.COM\r\n", 403, "", ""},
		{"two Host headers", "GET /static HTTP/1.1\r\nHost: example.com\r\nHost: admin.example.com\r\n", 400, "", ""},
		{"Host with a path", "GET /static HTTP/1.1\r\nHost: example.com/admin\r\n", 400, "", ""},
		{"Host with a space", "GET /static HTTP/1.1\r\nHost: example.com admin.example.com\r\n", 400, "", ""},
		{"no Host in HTTP/1.1", "GET /static HTTP/1.1\r\n", 400, "", ""},
		{"authority form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n", 405, "", ""},
		{"asterisk form for GET", "GET * HTTP/1.1\r\nHost: example.com\r\n", 400, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rig.send(t, tt.request+"Connection: close\r\n\r\n")
			got := rig.takeAll()
			rig.checkAgreement(t, tt.name, got)
			if res.StatusCode != tt.code {
				t.Errorf("status %d, want %d (%q)", res.StatusCode, tt.code, body)
			}
			if n := len(got[rig.web]); n > 0 {
				t.Errorf("web was reached %d times: %v", n, got[rig.web])
			}
			st := got[rig.static]
			switch {
			case tt.uri == "" && len(st) > 0:
				t.Errorf("static was reached: %v", st)
			case tt.uri != "" && (len(st) != 1 || st[0].URI != tt.uri || st[0].Host != tt.host):
				t.Errorf("static received %v, want one request for %q with Host %q", st, tt.uri, tt.host)
			}
		})
	}
}

// hasAll reports whether every one of want is in got.
func hasAll(got []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
