package proxy

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

func TestRouting(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	ra := &Route{Upstream: upstreamOf("a", a), Name: "a"}
	rb := &Route{Upstream: upstreamOf("b", b), Name: "b"}
	table := newTable(t,
		prefix("foo.com", "/", ra),
		prefix("foo.com", "/api", rb),
		prefix("bar.com", "/", rb),
	)
	h, _ := newHandler(t, Config{Table: table})
	raw, _ := newHandler(t, Config{Table: table, KeepRawPath: true})

	for _, tt := range []struct {
		name    string
		h       *Handler
		host    string
		uri     string
		code    int
		backend string
		gotURI  string
	}{
		{"host foo.com", h, "foo.com", "/x", 200, "a", "/x"},
		{"path /api", h, "foo.com", "/api/v1", 200, "b", "/api/v1"},
		{"not /apix", h, "foo.com", "/apix", 200, "a", "/apix"},
		{"host bar.com", h, "BAR.com:8080", "/", 200, "b", "/"},
		{"no route", h, "baz.com", "/", 404, "", ""},
		{"climbs above root", h, "foo.com", "/a/../../x", 400, "", ""},
		{"NUL byte", h, "foo.com", "/a/%00", 400, "", ""},
		{"query unchanged", h, "foo.com", "/x?b=2&a=1;c=%zz&&", 200, "a", "/x?b=2&a=1;c=%zz&&"},
		{"normalised path", h, "foo.com", "/x//y/./z/../%7Euser/a%2Fb", 200, "a", "/x/y/~user/a%2Fb"},
		{"normalised path matched", h, "foo.com", "/x/../api/%761", 200, "b", "/api/v1"},
		{"encoded unicode", h, "foo.com", "/caf%c3%a9?q", 200, "a", "/caf%C3%A9?q"},
		{"raw path kept", raw, "foo.com", "/x//y/./z/../%7Euser?q=1", 200, "a", "/x//y/./z/../%7Euser?q=1"},
		{"raw path still matched clean", raw, "foo.com", "/x/../api", 200, "b", "/x/../api"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.uri, nil)
			r.Host = tt.host
			w := serve(tt.h, r)
			if w.Code != tt.code {
				t.Fatalf("GET %s%s: status %d, want %d; body %q", tt.host, tt.uri, w.Code, tt.code, w.Body)
			}
			if tt.code != 200 {
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("error Content-Type = %q, want text/plain", ct)
				}
				return
			}
			s := decode(t, w.Body.Bytes())
			if s.Backend != tt.backend || s.URI != tt.gotURI {
				t.Errorf("GET %s%s went to %s as %q, want %s as %q", tt.host, tt.uri, s.Backend, s.URI, tt.backend, tt.gotURI)
			}
		})
	}
}

func TestMalformedRequestLine(t *testing.T) {
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", newBackend(t, "a"))}))})
	srv := httptest.NewServer(h)
	defer srv.Close()
	// "%zz" cannot be put in an http.Request; send it raw. net/http's
	// server rejects it before the handler, with 400 too.
	c, err := net.Dial("tcp", addr(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /a%zz HTTP/1.1\r\nHost: foo.com\r\n\r\n"))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 400 {
		t.Errorf("GET /a%%zz: status %d, want 400", res.StatusCode)
	}
}

func TestHostHeader(t *testing.T) {
	be := newBackend(t, "a")
	for _, tt := range []struct {
		name      string
		routeHost string
		want      string
	}{
		{"client host kept", "", "Foo.com:8080"},
		{"upstream-vhost", "internal.svc", "internal.svc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be), Host: tt.routeHost}))})
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = "Foo.com:8080"
			w := serve(h, r)
			if s := decode(t, w.Body.Bytes()); s.Host != tt.want {
				t.Errorf("backend got Host %q, want %q", s.Host, tt.want)
			}
		})
	}
}

func TestOptionsStar(t *testing.T) {
	h, _ := newHandler(t, Config{Table: newTable(t)})
	r := httptest.NewRequest("OPTIONS", "*", nil)
	w := serve(h, r)
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("OPTIONS *: %d %q, want 200 and no body", w.Code, w.Body)
	}
}

func TestNotFoundHandler(t *testing.T) {
	nf := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "custom", http.StatusTeapot) })
	h, _ := newHandler(t, Config{Table: newTable(t), NotFound: nf})
	if w := serve(h, httptest.NewRequest("GET", "/", nil)); w.Code != 418 {
		t.Errorf("status %d, want 418 from Config.NotFound", w.Code)
	}
}

func TestNewErrors(t *testing.T) {
	good := &Upstream{Name: "good", Endpoints: []string{"127.0.0.1:80"}}
	badEP := &Upstream{Name: "bad", Endpoints: []string{"127.0.0.1", ":80", "h:0", "h:x", "ok:1"}}
	badTLS := &Upstream{Name: "tls", Protocol: HTTPS, Endpoints: []string{"h:443"}, TLS: tlsconfig.Client{DisableSNI: true}}
	table := newTable(t,
		route.Rule{Host: "a.com", Path: "/", Type: route.Prefix, Value: "nope", Origin: "ingress x/a"},
		route.Rule{Host: "b.com", Path: "/", Type: route.Prefix, Value: &Route{}, Origin: "ingress x/b"},
		route.Rule{Host: "c.com", Path: "/", Type: route.Prefix, Value: &Route{Upstream: badEP}, Origin: "ingress x/c"},
		route.Rule{Host: "c.com", Path: "/again", Type: route.Prefix, Value: &Route{Upstream: badEP}, Origin: "ingress x/c2"},
		route.Rule{Host: "d.com", Path: "/", Type: route.Prefix, Value: &Route{Upstream: badTLS, Name: "route d"}},
		route.Rule{Host: "e.com", Path: "/", Type: route.Prefix, Value: &Route{Upstream: good, ReadTimeout: -1}, Origin: "ingress x/e"},
		route.Rule{Host: "f.com", Path: "/", Type: route.Prefix, Value: (*Route)(nil), Origin: "ingress x/f"},
		route.Rule{Host: "ok.com", Path: "/", Type: route.Prefix, Value: &Route{Upstream: good}, Origin: "ingress x/ok"},
	)
	_, err := New(Config{Table: table})
	if err == nil {
		t.Fatal("New: no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`proxy: ingress x/a: host "a.com" path "/": Value is string, want a non-nil *proxy.Route`,
		`proxy: ingress x/b: host "b.com" path "/": Upstream is nil`,
		`upstream "bad": Endpoints[0]: invalid value "127.0.0.1": want host:port`,
		`Endpoints[1]: invalid value ":80": missing host`,
		`Endpoints[2]: invalid value "h:0": port "0"`,
		`Endpoints[3]: invalid value "h:x": port "x"`,
		`proxy: route d: host "d.com" path "/": upstream "tls": TLS: tlsconfig: DisableSNI needs a ServerName`,
		`proxy: ingress x/e: host "e.com" path "/": ReadTimeout: invalid value -1ns`,
		`proxy: ingress x/f: host "f.com" path "/": Value is *proxy.Route`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("New error lacks %q; got:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "ok.com") || strings.Contains(msg, "Endpoints[4]") || strings.Count(msg, "Endpoints[0]") != 1 {
		t.Errorf("New error reports valid parts or repeats an upstream:\n%s", msg)
	}
	if _, err := New(Config{}); err == nil || !strings.HasPrefix(err.Error(), "proxy: ") {
		t.Errorf("New(Config{}) = %v, want a proxy: error", err)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Errorf("New error is not joined: %T", err)
	}
}
