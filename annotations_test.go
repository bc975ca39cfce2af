package ingressmux_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// seen is what the echo backend reports about the request it got.
type seen struct {
	Method, Host, URI, Body, SNI string
	Header                       http.Header
	ContentLength                int64
	Chunked, Close               bool
}

// echoHandler answers with what it saw as JSON, except on a few paths
// that make it misbehave: /status/NNN answers NNN, /redirect sends a
// Location, /cookie sets a cookie.
func echoHandler(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", name)
		switch {
		case strings.HasPrefix(r.URL.Path, "/status/"):
			var code int
			fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/status/"), &code)
			w.WriteHeader(code)
			fmt.Fprintf(w, "%s says %d", name, code)
			return
		case r.URL.Path == "/redirect":
			w.Header().Set("Location", "http://backend.internal/next?x=1")
			w.Header().Set("Refresh", "0; url=http://backend.internal/refresh")
			w.WriteHeader(http.StatusFound)
			return
		case r.URL.Path == "/cookie":
			w.Header().Add("Set-Cookie", "s=1; Domain=.Backend.Internal; Path=/app/inner; HttpOnly")
		}
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Host: r.Host, URI: r.URL.RequestURI(), Body: string(body), Header: r.Header,
			ContentLength: r.ContentLength, Chunked: len(r.TransferEncoding) > 0, Close: r.Close}
		if r.TLS != nil {
			s.SNI = r.TLS.ServerName
		}
		json.NewEncoder(w).Encode(s)
	}
}

func echo(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(echoHandler(name))
	t.Cleanup(srv.Close)
	return srv
}

// deadAddr returns a loopback address that refuses connections.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// appIngress is an Ingress for app.example.com with the given annotations
// and path, sending to service web.
func appIngress(annotations map[string]string, path, pathType string, tlsHost bool) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n")
	for k, v := range annotations {
		fmt.Fprintf(&b, "    nginx.ingress.kubernetes.io/%s: %q\n", k, v)
	}
	b.WriteString("spec:\n")
	if tlsHost {
		b.WriteString("  tls: [{hosts: [app.example.com], secretName: app-tls}]\n")
	}
	fmt.Fprintf(&b, "  rules:\n    - host: app.example.com\n      http:\n        paths:\n          - {path: %q, pathType: %s, backend: {service: {name: web, port: {number: 80}}}}\n", path, pathType)
	return b.String()
}

type annotationCase struct {
	name        string
	annotations map[string]string
	path        string // the rule's path; "/" by default
	regex       bool   // the path is ImplementationSpecific
	tls         bool   // the Ingress has a tls section for its host
	extra       string // more manifests
	endpoints   func(t *testing.T, web *httptest.Server) []string

	method, url, body string
	chunked           bool
	clientTLS         bool

	wantCode     int
	wantLocation string
	wantHeader   map[string]string // response headers
	check        func(t *testing.T, s seen, body string)
}

func (tt annotationCase) run(t *testing.T) {
	web := echo(t, "web")
	errorsPage := echo(t, "errors")
	path, pathType := tt.path, "Prefix"
	if path == "" {
		path = "/"
	}
	if tt.regex {
		pathType = "ImplementationSpecific"
	}
	fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(tt.annotations, path, pathType, tt.tls) + tt.extra)}}
	opts := ingress.Options{Backends: map[string]string{"default/errors:8080": errorsPage.URL}}
	if tt.endpoints != nil {
		eps := tt.endpoints(t, web)
		opts.Resolver = func(b route.Backend) ([]string, error) {
			if b.Service == "web" {
				return eps, nil
			}
			return nil, nil
		}
	} else {
		opts.Backends["default/web:80"] = web.URL
	}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, Options: opts, Logger: quiet()})
	require.NoError(t, err)

	method := tt.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if tt.body != "" {
		body = strings.NewReader(tt.body)
	}
	req := httptest.NewRequest(method, tt.url, body)
	if tt.chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(strings.NewReader(tt.body))
	}
	if tt.clientTLS {
		req.TLS = &tls.ConnectionState{ServerName: "app.example.com"}
	}
	rec := serveAndExplain(t, mux, req)
	require.Equal(t, tt.wantCode, rec.Code, "body: %s", rec.Body.String())
	assert.Equal(t, tt.wantLocation, rec.Header().Get("Location"))
	for k, v := range tt.wantHeader {
		assert.Equal(t, v, rec.Header().Get(k), k)
	}
	if tt.check != nil {
		var s seen
		_ = json.Unmarshal(rec.Body.Bytes(), &s)
		tt.check(t, s, rec.Body.String())
	}
}

func a(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

const errorsServiceYAML = `---
apiVersion: v1
kind: Service
metadata: {name: errors}
spec: {ports: [{port: 8080}]}
`

// TestAnnotationsThroughTheHandler runs each part-1 annotation through
// Load and the real handler, against loopback backends: the backend sees
// the rewritten path, Host and body; the client sees codes, Location and
// headers.
func TestAnnotationsThroughTheHandler(t *testing.T) {
	for _, tt := range []annotationCase{
		{name: "rewrite-target with capture groups", annotations: a("use-regex", "true", "rewrite-target", "/$2"),
			path: "/api(/|$)(.*)", regex: true, url: "http://app.example.com/api/users?page=2", wantCode: 200,
			check: func(t *testing.T, s seen, _ string) { assert.Equal(t, "/users?page=2", s.URI) }},
		{name: "x-forwarded-prefix", annotations: a("rewrite-target", "/$2", "x-forwarded-prefix", "/api"),
			path: "/api(/|$)(.*)", regex: true, url: "http://app.example.com/api/x", wantCode: 200,
			check: func(t *testing.T, s seen, _ string) { assert.Equal(t, "/api", s.Header.Get("X-Forwarded-Prefix")) }},
		{name: "upstream-vhost", annotations: a("upstream-vhost", "project-domain.com"), url: "http://app.example.com/me", wantCode: 200,
			check: func(t *testing.T, s seen, _ string) {
				assert.Equal(t, "project-domain.com", s.Host)
				assert.Equal(t, "app.example.com", s.Header.Get("X-Forwarded-Host"), "the client's host is still forwarded")
			}},
		{name: "app-root", annotations: a("app-root", "/dashboard"), url: "http://app.example.com/", wantCode: 302,
			wantLocation: "http://app.example.com/dashboard"},
		{name: "app-root only for /", annotations: a("app-root", "/dashboard"), url: "http://app.example.com/x", wantCode: 200},
		{name: "permanent-redirect", annotations: a("permanent-redirect", "https://new.example.com/"), url: "http://app.example.com/old?q=1",
			wantCode: 301, wantLocation: "https://new.example.com/"},
		{name: "permanent-redirect-code", annotations: a("permanent-redirect", "https://new.example.com/", "permanent-redirect-code", "308"),
			url: "http://app.example.com/old", wantCode: 308, wantLocation: "https://new.example.com/"},
		{name: "temporal-redirect", annotations: a("temporal-redirect", "https://status.example.com/"), url: "http://app.example.com/",
			wantCode: 302, wantLocation: "https://status.example.com/"},
		{name: "ssl-redirect on a TLS host strips the trailing slash", tls: true, url: "http://app.example.com/docs/?v=1",
			wantCode: 308, wantLocation: "https://app.example.com/docs?v=1"},
		{name: "preserve-trailing-slash", tls: true, annotations: a("preserve-trailing-slash", "true"), url: "http://app.example.com/docs/",
			wantCode: 308, wantLocation: "https://app.example.com/docs/"},
		{name: "ssl-redirect false", tls: true, annotations: a("ssl-redirect", "false"), url: "http://app.example.com/docs/", wantCode: 200},
		{name: "force-ssl-redirect without TLS", annotations: a("force-ssl-redirect", "true"), url: "http://app.example.com/a",
			wantCode: 308, wantLocation: "https://app.example.com/a"},
		{name: "from-to-www-redirect", annotations: a("from-to-www-redirect", "true"), url: "http://www.app.example.com:8080/x/y?z=1",
			wantCode: 308, wantLocation: "http://app.example.com:8080/x/y?z=1"},
		{name: "server-alias", annotations: a("server-alias", "alias.example.com"), url: "http://alias.example.com/p", wantCode: 200,
			check: func(t *testing.T, s seen, _ string) { assert.Equal(t, "alias.example.com", s.Host) }},
		{name: "proxy-body-size over", annotations: a("proxy-body-size", "10"), method: "POST", url: "http://app.example.com/",
			body: "0123456789A", wantCode: 413},
		{name: "proxy-body-size over, chunked", annotations: a("proxy-body-size", "10"), method: "POST", url: "http://app.example.com/",
			body: "0123456789A", chunked: true, wantCode: 413},
		{name: "proxy-body-size within", annotations: a("proxy-body-size", "1k"), method: "POST", url: "http://app.example.com/",
			body: "0123456789A", wantCode: 200, check: func(t *testing.T, s seen, _ string) { assert.Equal(t, "0123456789A", s.Body) }},
		{name: "request buffering (default) sends a Content-Length", method: "POST", url: "http://app.example.com/",
			body: "chunk of data", chunked: true, wantCode: 200, check: func(t *testing.T, s seen, _ string) {
				assert.False(t, s.Chunked)
				assert.Equal(t, int64(13), s.ContentLength)
				assert.Equal(t, "chunk of data", s.Body)
			}},
		{name: "proxy-request-buffering off streams", annotations: a("proxy-request-buffering", "off"), method: "POST", url: "http://app.example.com/",
			body: "chunk of data", chunked: true, wantCode: 200, check: func(t *testing.T, s seen, _ string) {
				assert.True(t, s.Chunked)
				assert.Equal(t, "chunk of data", s.Body)
			}},
		{name: "custom-http-errors with default-backend", extra: errorsServiceYAML,
			annotations: a("default-backend", "errors", "custom-http-errors", "404,503"), url: "http://app.example.com/status/404?q=1",
			wantCode: 200, wantHeader: map[string]string{"X-Backend": "errors"}, check: func(t *testing.T, s seen, _ string) {
				assert.Equal(t, "/", s.URI)
				assert.Equal(t, "404", s.Header.Get("X-Code"))
				assert.Equal(t, "/status/404?q=1", s.Header.Get("X-Original-Uri"))
				assert.Equal(t, "default", s.Header.Get("X-Namespace"))
				assert.Equal(t, "app", s.Header.Get("X-Ingress-Name"))
				assert.Equal(t, "web", s.Header.Get("X-Service-Name"))
				assert.Equal(t, "80", s.Header.Get("X-Service-Port"))
				assert.NotEmpty(t, s.Header.Get("X-Request-Id"))
			}},
		{name: "custom-http-errors leaves other codes alone", extra: errorsServiceYAML,
			annotations: a("default-backend", "errors", "custom-http-errors", "404"), url: "http://app.example.com/status/500",
			wantCode: 500, wantHeader: map[string]string{"X-Backend": "web"}},
		{name: "default-backend serves while there is no endpoint", extra: errorsServiceYAML,
			annotations: a("default-backend", "errors"), endpoints: func(*testing.T, *httptest.Server) []string { return []string{} },
			url: "http://app.example.com/shop", wantCode: 200, wantHeader: map[string]string{"X-Backend": "errors"},
			check: func(t *testing.T, s seen, _ string) {
				assert.Equal(t, "/shop", s.URI)
				assert.Equal(t, "503", s.Header.Get("X-Code"))
			}},
		{name: "no endpoint and no default-backend", endpoints: func(*testing.T, *httptest.Server) []string { return []string{} },
			url: "http://app.example.com/shop", wantCode: 503},
		{name: "proxy-next-upstream retries a GET on the next endpoint (default: error timeout)",
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 200},
		{name: "a POST is not retried", method: "POST", body: "x",
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 502},
		{name: "non_idempotent retries a POST with its buffered body", method: "POST", body: "payload",
			annotations: a("proxy-next-upstream", "error timeout non_idempotent"),
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 200, check: func(t *testing.T, s seen, _ string) { assert.Equal(t, "payload", s.Body) }},
		{name: "a body larger than memory is spooled to disk and replayed", method: "POST", body: strings.Repeat("0123456789abcdef", 8<<10),
			annotations: a("proxy-next-upstream", "error non_idempotent", "proxy-body-size", "1m"), chunked: true,
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 200, check: func(t *testing.T, s seen, _ string) {
				assert.Equal(t, int64(128<<10), s.ContentLength)
				assert.Equal(t, strings.Repeat("0123456789abcdef", 8<<10), s.Body)
			}},
		{name: "proxy-next-upstream off", annotations: a("proxy-next-upstream", "off"),
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 502},
		{name: "proxy-next-upstream-tries 1", annotations: a("proxy-next-upstream-tries", "1"),
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				return []string{deadAddr(t), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 502},
		{name: "proxy-next-upstream on http_503", annotations: a("proxy-next-upstream", "error http_503"),
			endpoints: func(t *testing.T, web *httptest.Server) []string {
				busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
				t.Cleanup(busy.Close)
				return []string{busy.Listener.Addr().String(), web.Listener.Addr().String()}
			},
			url: "http://app.example.com/", wantCode: 200},
		{name: "proxy-redirect-from and -to", annotations: a("proxy-redirect-from", "http://backend.internal/", "proxy-redirect-to", "$scheme://$host/"),
			url: "http://app.example.com:8080/redirect", wantCode: 302, wantLocation: "http://app.example.com/next?x=1",
			wantHeader: map[string]string{"Refresh": "0; url=http://app.example.com/refresh"}},
		{name: "proxy-cookie-domain and -path", annotations: a("proxy-cookie-domain", "backend.internal app.example.com", "proxy-cookie-path", "/app/ /"),
			url: "http://app.example.com/cookie", wantCode: 200,
			wantHeader: map[string]string{"Set-Cookie": "s=1; Domain=app.example.com; Path=/inner; HttpOnly"}},
		{name: "connection-proxy-header close", annotations: a("connection-proxy-header", "close"), url: "http://app.example.com/", wantCode: 200,
			check: func(t *testing.T, s seen, _ string) { assert.True(t, s.Close) }},
		{name: "AUTO_HTTP speaks HTTP to a plain client", annotations: a("backend-protocol", "AUTO_HTTP"), url: "http://app.example.com/", wantCode: 200},
		{name: "AUTO_HTTP speaks HTTPS to a TLS client", annotations: a("backend-protocol", "AUTO_HTTP", "ssl-redirect", "false"),
			url: "https://app.example.com/", clientTLS: true, wantCode: 502}, // the plain backend cannot answer TLS
	} {
		t.Run(tt.name, tt.run)
	}
}

// TestBadAnnotationOnReloadKeepsServing checks that an invalid annotation
// value in a reload is an error naming the field, and that the previous
// table keeps serving; with SkipInvalidIngresses only that Ingress goes.
func TestBadAnnotationOnReloadKeepsServing(t *testing.T) {
	web := echo(t, "web")
	good := appIngress(a("upstream-vhost", "good.example.com"), "/", "Prefix", false)
	bad := appIngress(a("upstream-vhost", "$host"), "/", "Prefix", false)
	fsys := fstest.MapFS{"app.yaml": {Data: []byte(good)}}
	cfg := ingressmux.Config{Paths: []string{"."}, FS: fsys, Logger: quiet(),
		Options: ingress.Options{Backends: map[string]string{"default/web:80": web.URL}}}
	mux, err := ingressmux.Load(context.Background(), cfg)
	require.NoError(t, err)

	fsys["app.yaml"] = &fstest.MapFile{Data: []byte(bad)}
	err = mux.Reload(context.Background())
	require.ErrorContains(t, err, "ingress default/app: metadata.annotations[nginx.ingress.kubernetes.io/upstream-vhost]: Invalid value: \"$host\"")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil))
	var s seen
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
	assert.Equal(t, "good.example.com", s.Host, "the previous table keeps serving")

	cfg.SkipInvalidIngresses = true
	fsys["app.yaml"] = &fstest.MapFile{Data: []byte(bad)}
	mux, err = ingressmux.Load(context.Background(), cfg)
	require.NoError(t, err)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil))
	assert.Equal(t, 404, rec.Code, "the skipped Ingress routes nothing")
	assert.NotEmpty(t, mux.Warnings())
}
