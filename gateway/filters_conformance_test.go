package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
)

// filterCases are the ported conformance tests of the filters and fields
// that change where and how a request goes: redirects, URL rewrites and
// timeouts; mirrors and per-backend filters are tested below, since they
// are about many requests.
var filterCases = []conformanceCase{
	{name: "HTTPRoute303Redirect", manifest: "httproute-303-redirect",
		exchanges: []exchange{
			{req: "POST /see-other", status: 303, resHeaders: []string{"Location: http://gateway.example/see-other"}},
		},
	},
	{name: "HTTPRoute307Redirect", manifest: "httproute-307-redirect",
		exchanges: []exchange{
			{req: "POST /temporary", status: 307, resHeaders: []string{"Location: http://gateway.example/temporary"}},
		},
	},
	{name: "HTTPRoute308Redirect", manifest: "httproute-308-redirect",
		exchanges: []exchange{
			{req: "POST /permanent", status: 308, resHeaders: []string{"Location: http://gateway.example/permanent"}},
		},
	},
	{name: "HTTPRouteRedirectHostAndStatus", manifest: "httproute-redirect-host-and-status",
		exchanges: []exchange{
			{req: "GET /hostname-redirect", status: 302, resHeaders: []string{"Location: http://example.org/hostname-redirect"}},
			{req: "GET /host-and-status", status: 301, resHeaders: []string{"Location: http://example.org/host-and-status"}},
		},
	},
	{name: "HTTPRouteRedirectPath", manifest: "httproute-redirect-path",
		exchanges: []exchange{
			{req: "GET /original-prefix/lemon", status: 302, resHeaders: []string{"Location: http://gateway.example/replacement-prefix/lemon"}},
			{req: "GET /full/path/original", status: 302, resHeaders: []string{"Location: http://gateway.example/full-path-replacement"}},
			{req: "GET /path-and-host", status: 302, resHeaders: []string{"Location: http://example.org/replacement-prefix"}},
			{req: "GET /path-and-status", status: 301, resHeaders: []string{"Location: http://gateway.example/replacement-prefix"}},
			{req: "GET /full-path-and-host", status: 302, resHeaders: []string{"Location: http://example.org/replacement-full"}},
			{req: "GET /full-path-and-status", status: 301, resHeaders: []string{"Location: http://gateway.example/replacement-full"}},
		},
	},
	{name: "HTTPRouteRedirectPort", manifest: "httproute-redirect-port",
		exchanges: []exchange{
			{req: "GET /port", status: 302, resHeaders: []string{"Location: http://gateway.example:8083/port"}},
			{req: "GET /port-and-host", status: 302, resHeaders: []string{"Location: http://example.org:8083/port-and-host"}},
			{req: "GET /port-and-status", status: 301, resHeaders: []string{"Location: http://gateway.example:8083/port-and-status"}},
			{req: "GET /port-and-host-and-status", status: 302, resHeaders: []string{"Location: http://example.org:8083/port-and-host-and-status"}},
		},
	},
	{name: "HTTPRouteRedirectScheme", manifest: "httproute-redirect-scheme",
		exchanges: []exchange{
			{req: "GET /scheme", status: 302, resHeaders: []string{"Location: https://gateway.example/scheme"}},
			{req: "GET /scheme-and-host", status: 302, resHeaders: []string{"Location: https://example.org/scheme-and-host"}},
			{req: "GET /scheme-and-status", status: 301, resHeaders: []string{"Location: https://gateway.example/scheme-and-status"}},
			{req: "GET /scheme-and-host-and-status", status: 302, resHeaders: []string{"Location: https://example.org/scheme-and-host-and-status"}},
		},
	},
	// Both HTTP listeners are served on the program's one plain-HTTP
	// listener: the port a client addressed is the one in its Host header.
	{name: "HTTPRouteRedirectPortAndScheme", manifest: "httproute-redirect-port-and-scheme",
		exchanges: []exchange{
			{req: "GET gateway.example/scheme-nil-and-port-nil", status: 302, resHeaders: []string{"Location: http://example.org/scheme-nil-and-port-nil"}},
			{req: "GET gateway.example:80/scheme-nil-and-port-nil", status: 302, resHeaders: []string{"Location: http://example.org/scheme-nil-and-port-nil"}},
			{req: "GET gateway.example/scheme-nil-and-port-80", status: 302, resHeaders: []string{"Location: http://example.org/scheme-nil-and-port-80"}},
			{req: "GET gateway.example/scheme-nil-and-port-8080", status: 302, resHeaders: []string{"Location: http://example.org:8080/scheme-nil-and-port-8080"}},
			{req: "GET gateway.example/scheme-https-and-port-nil", status: 302, resHeaders: []string{"Location: https://example.org/scheme-https-and-port-nil"}},
			{req: "GET gateway.example/scheme-https-and-port-443", status: 302, resHeaders: []string{"Location: https://example.org/scheme-https-and-port-443"}},
			{req: "GET gateway.example/scheme-https-and-port-8443", status: 302, resHeaders: []string{"Location: https://example.org:8443/scheme-https-and-port-8443"}},
			{req: "GET gateway.example:8080/scheme-nil-and-port-nil", status: 302, resHeaders: []string{"Location: http://example.org:8080/scheme-nil-and-port-nil"}},
			{req: "GET gateway.example:8080/scheme-nil-and-port-80", status: 302, resHeaders: []string{"Location: http://example.org/scheme-nil-and-port-80"}},
			{req: "GET gateway.example:8080/scheme-https-and-port-nil", status: 302, resHeaders: []string{"Location: https://example.org/scheme-https-and-port-nil"}},
		},
	},
	{name: "HTTPRouteRewriteHost", manifest: "httproute-rewrite-host",
		exchanges: []exchange{
			{req: "GET rewrite.example/one", backend: "infra-backend-v1", seenPath: "/one", seenHost: "one.example.org"},
			{req: "GET rewrite.example/two", backend: "infra-backend-v2", seenPath: "/two", seenHost: "example.org"},
			{req: "GET rewrite.example/rewrite-host-and-modify-headers", headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"},
				backend: "infra-backend-v2", seenPath: "/rewrite-host-and-modify-headers", seenHost: "test.example.org",
				seen:       []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"},
				seenAbsent: []string{"X-Header-Remove"}},
		},
	},
	{name: "HTTPRouteRewritePath", manifest: "httproute-rewrite-path",
		exchanges: []exchange{
			{req: "GET /prefix/one/two", backend: "infra-backend-v1", seenPath: "/one/two"},
			{req: "GET /strip-prefix/three", backend: "infra-backend-v1", seenPath: "/three"},
			{req: "GET /strip-prefix", backend: "infra-backend-v1", seenPath: "/"},
			{req: "GET /full/one/two", backend: "infra-backend-v1", seenPath: "/one"},
			{req: "GET /full/rewrite-path-and-modify-headers/test", headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"},
				backend: "infra-backend-v1", seenPath: "/test",
				seen:       []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"},
				seenAbsent: []string{"X-Header-Remove"}},
			{req: "GET /prefix/rewrite-path-and-modify-headers/one", headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"},
				backend: "infra-backend-v1", seenPath: "/prefix/one",
				seen:       []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"},
				seenAbsent: []string{"X-Header-Remove"}},
		},
	},
	// The echo backends wait for the delay a request's query asks for.
	{name: "HTTPRouteRequestTimeout", manifest: "httproute-timeout-request",
		exchanges: []exchange{
			{req: "GET /request-timeout", backend: "infra-backend-v1"},
			{req: "GET /request-timeout?delay=1s", status: 504},
			{req: "GET /disable-request-timeout?delay=1s", backend: "infra-backend-v1"},
		},
	},
	{name: "HTTPRouteBackendRequestTimeout", manifest: "httproute-timeout-backend-request",
		exchanges: []exchange{
			{req: "GET /backend-timeout", backend: "infra-backend-v1"},
			{req: "GET /backend-timeout?delay=1s", status: 504},
			{req: "GET /disable-backend-timeout?delay=1s", backend: "infra-backend-v1"},
		},
	},
}

func TestFilterConformance(t *testing.T) {
	for _, cc := range filterCases {
		t.Run(cc.name, func(t *testing.T) {
			set := loadManifests(t, cc.manifest)
			rec := recordingBackends(t, set)
			h, out := serveSet(t, set, Options{Backends: rec.overrides})
			for _, e := range cc.exchanges {
				e.run(t, h)
			}
			for _, c := range cc.conditions {
				c.check(t, out.Status)
			}
			for _, rs := range out.Status.HTTPRoutes {
				for _, p := range rs.Status.Parents {
					for _, c := range p.Conditions {
						if c.Status != "True" {
							t.Errorf("HTTPRoute %s/%s: %s is %s (%s): %s", rs.Namespace, rs.Name, c.Type, c.Status, c.Reason, c.Message)
						}
					}
				}
			}
		})
	}
}

// recorder is a set of echo backends, one per loaded Service, that
// record what they get and wait as long as a request's "delay" query
// parameter asks, as the conformance suite's echo server does.
type recorder struct {
	overrides map[string]string // for Options.Backends

	mu   sync.Mutex
	seen map[string][]echoed // by Service name
}

func recordingBackends(t testing.TB, set *ingress.Set) *recorder {
	rec := &recorder{overrides: map[string]string{}, seen: map[string][]echoed{}}
	for _, s := range set.Services {
		name, ns := s.Name, s.Namespace
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d, err := time.ParseDuration(r.URL.Query().Get("delay")); err == nil {
				select {
				case <-time.After(d):
				case <-r.Context().Done():
					return
				}
			}
			e := echoed{Backend: name, Namespace: ns, Method: r.Method, Host: r.Host, Path: r.URL.RequestURI(), Headers: r.Header}
			rec.mu.Lock()
			rec.seen[name] = append(rec.seen[name], e)
			rec.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(e)
		}))
		t.Cleanup(srv.Close)
		rec.overrides[ns+"/"+name+":8080"] = srv.Listener.Addr().String()
	}
	return rec
}

// got returns what the Service's backend got for path.
func (r *recorder) got(service, path string) []echoed {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []echoed
	for _, e := range r.seen[service] {
		if p, _, _ := strings.Cut(e.Path, "?"); p == path {
			out = append(out, e)
		}
	}
	return out
}

// settle waits until the counts of what the backends got stop changing:
// mirrored copies arrive after the answers to the requests they copy. The
// wait is bounded; the counts are checked by the caller.
func (r *recorder) settle() {
	count := func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		n := 0
		for _, s := range r.seen {
			n += len(s)
		}
		return n
	}
	last, stable := -1, 0
	for i := 0; i < 500 && stable < 10; i++ {
		if n := count(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMirrorConformance ports HTTPRouteRequestMirror,
// HTTPRouteRequestMultipleMirrors and HTTPRouteRequestPercentageMirror:
// the primary backend answers, every mirror gets a copy of the request as
// the primary got it (headers edited), and a mirror with a percentage gets
// about that share.
func TestMirrorConformance(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, path string
		headers              []string
		mirrors              []string
		share                float64 // of the requests each mirror gets
		requests             int
		seen                 []string
	}{
		{name: "HTTPRouteRequestMirror", manifest: "httproute-request-mirror", path: "/mirror", mirrors: []string{"infra-backend-v2"}, share: 1, requests: 3},
		{name: "HTTPRouteRequestMirror/modify-headers", manifest: "httproute-request-mirror", path: "/mirror-and-modify-headers",
			headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"}, mirrors: []string{"infra-backend-v2"}, share: 1, requests: 3,
			seen: []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"}},
		{name: "HTTPRouteRequestMultipleMirrors", manifest: "httproute-request-multiple-mirrors", path: "/multi-mirror", mirrors: []string{"infra-backend-v2", "infra-backend-v3"}, share: 1, requests: 3},
		{name: "HTTPRouteRequestMultipleMirrors/modify-headers", manifest: "httproute-request-multiple-mirrors", path: "/multi-mirror-and-modify-request-headers",
			headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"}, mirrors: []string{"infra-backend-v2", "infra-backend-v3"}, share: 1, requests: 3,
			seen: []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"}},
		{name: "HTTPRouteRequestPercentageMirror/percent", manifest: "httproute-request-percentage-mirror", path: "/percent-mirror", mirrors: []string{"infra-backend-v2"}, share: 0.2, requests: 400},
		{name: "HTTPRouteRequestPercentageMirror/fraction", manifest: "httproute-request-percentage-mirror", path: "/percent-mirror-fraction", mirrors: []string{"infra-backend-v2"}, share: 0.5, requests: 400},
		{name: "HTTPRouteRequestPercentageMirror/modify-headers", manifest: "httproute-request-percentage-mirror", path: "/percent-mirror-and-modify-headers",
			headers: []string{"X-Header-Remove: remove-val", "X-Header-Add-Append: append-val-1"}, mirrors: []string{"infra-backend-v2"}, share: 0.35, requests: 400,
			seen: []string{"X-Header-Add: header-val-1", "X-Header-Add-Append: append-val-1,header-val-2", "X-Header-Set: set-overwrites-values"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := loadManifests(t, tc.manifest)
			rec := recordingBackends(t, set)
			h, _ := serveSet(t, set, Options{Backends: rec.overrides})
			e := exchange{req: "GET " + tc.path, headers: tc.headers, backend: "infra-backend-v1", seenPath: tc.path, seen: tc.seen, seenAbsent: []string{"X-Header-Remove"}}
			if tc.seen == nil {
				e.seenAbsent = nil
			}
			for range tc.requests {
				e.run(t, h)
			}
			rec.settle()
			primary := rec.got("infra-backend-v1", tc.path)
			if len(primary) != tc.requests {
				t.Fatalf("primary got %d requests, want %d", len(primary), tc.requests)
			}
			for _, m := range tc.mirrors {
				copies := rec.got(m, tc.path)
				// 4.5 standard deviations of a binomial share: the
				// conformance test allows 3 and retries; one run here
				// must not fail by chance (odds of 1 in 100,000).
				n := float64(tc.requests)
				band := 4.5 * math.Sqrt(tc.share*(1-tc.share)/n)
				if f := float64(len(copies)) / n; math.Abs(f-tc.share) > band+1e-9 {
					t.Errorf("%s got %d copies of %d requests (%.3f), want a share of %.2f ± %.3f", m, len(copies), tc.requests, f, tc.share, band)
				}
				for _, c := range copies {
					if c.Host != primary[0].Host || c.Method != "GET" {
						t.Errorf("%s got %s for host %q, want GET for %q", m, c.Method, c.Host, primary[0].Host)
					}
					for _, kv := range tc.seen {
						k, v, _ := strings.Cut(kv, ": ")
						if g := strings.Join(c.Headers.Values(k), ","); g != v {
							t.Errorf("%s got %s = %q, want %q", m, k, g, v)
						}
					}
					if tc.seen != nil && len(c.Headers.Values("X-Header-Remove")) > 0 {
						t.Errorf("%s got X-Header-Remove", m)
					}
				}
			}
		})
	}
}

// TestBackendHeaderModifierConformance ports
// HTTPRouteRequestHeaderModifierBackendWeights: each backendRef's own
// RequestHeaderModifier reaches that backend, and only it.
func TestBackendHeaderModifierConformance(t *testing.T) {
	set := loadManifests(t, "httproute-request-header-modifier-backend-weights")
	rec := recordingBackends(t, set)
	h, out := serveSet(t, set, Options{Backends: rec.overrides})
	for range 100 {
		exchange{req: "GET /"}.run(t, h)
	}
	for _, service := range []string{"infra-backend-v1", "infra-backend-v2"} {
		got := rec.got(service, "/")
		if len(got) == 0 {
			t.Errorf("%s got no request of 100 at weight 10 of 20", service)
		}
		for _, e := range got {
			if v := e.Headers.Values("Backend"); len(v) != 1 || v[0] != service {
				t.Fatalf("%s got Backend %q, want %q", service, v, service)
			}
		}
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/request-header-modifier-backend-weights", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
}

// TestGRPCRouteMirror checks a GRPCRoute's RequestMirror: each call, body
// included, is copied over HTTP/2 without TLS to the mirror's Service,
// while the route's backend answers it.
func TestGRPCRouteMirror(t *testing.T) {
	type call struct{ backend, path, proto, body string }
	calls := make(chan call, 16)
	h2c := func(name string) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			calls <- call{name, r.URL.Path, r.Proto, string(body)}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"backend": %q, "path": %q}`, name, r.URL.Path)
		}))
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc-mirror, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{method: {service: echo.Echo}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: infra-backend-v2, port: 8080}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
`)
	backends := map[string]string{}
	for _, n := range []string{"infra-backend-v1", "infra-backend-v2"} {
		backends["gateway-conformance-infra/"+n+":8080"] = h2c(n)
	}
	h, out := serveSet(t, set, Options{Backends: backends})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "http://gateway.example/echo.Echo/Ping", strings.NewReader("grpc-message")))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"infra-backend-v1"`) {
		t.Fatalf("got %d %s, want infra-backend-v1's answer", w.Code, w.Body)
	}
	got := map[string]call{}
	for len(got) < 2 {
		select {
		case c := <-calls:
			got[c.backend] = c
		case <-time.After(10 * time.Second):
			t.Fatalf("calls received: %+v, want the call and its copy", got)
		}
	}
	for _, name := range []string{"infra-backend-v1", "infra-backend-v2"} {
		if c := got[name]; c.path != "/echo.Echo/Ping" || c.proto != "HTTP/2.0" || c.body != "grpc-message" {
			t.Errorf("%s got %+v, want /echo.Echo/Ping over HTTP/2.0 with the body", name, c)
		}
	}
	wantCondition{"GRPCRoute", "gateway-conformance-infra/rpc-mirror", "same-namespace", "ResolvedRefs", true, "ResolvedRefs"}.check(t, out.Status)
}

// TestRedirectPortAndSchemeHTTPS ports the HTTPS listener's half of
// HTTPRouteRedirectPortAndScheme: requests that came over TLS keep https
// and its default port unless the filter says otherwise. The listener
// and its certificate are the suite's base objects for it.
func TestRedirectPortAndSchemeHTTPS(t *testing.T) {
	set := loadManifests(t, "httproute-redirect-port-and-scheme")
	extra, err := ingress.DecodeBytes("https-listener.yaml", []byte(strings.ReplaceAll(tlsSecret(t, "gateway-conformance-infra", "tls-validity-checks-certificate", "*.example.org")+`---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: same-namespace-with-https-listener, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    allowedRoutes: {namespaces: {from: Same}}
    tls:
      certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]
`, "{GATEWAY_CLASS_NAME}", className)))
	if err != nil {
		t.Fatal(err)
	}
	set.Add(extra)
	rec := recordingBackends(t, set)
	h, out := serveSet(t, set, Options{Backends: rec.overrides})
	for _, e := range []exchange{
		{req: "GET example.org/scheme-nil-and-port-nil", tls: true, status: 302, resHeaders: []string{"Location: https://example.org/scheme-nil-and-port-nil"}},
		{req: "GET example.org/scheme-nil-and-port-443", tls: true, status: 302, resHeaders: []string{"Location: https://example.org/scheme-nil-and-port-443"}},
		{req: "GET example.org/scheme-nil-and-port-8443", tls: true, status: 302, resHeaders: []string{"Location: https://example.org:8443/scheme-nil-and-port-8443"}},
		{req: "GET example.org/scheme-http-and-port-nil", tls: true, status: 302, resHeaders: []string{"Location: http://example.org/scheme-http-and-port-nil"}},
		{req: "GET example.org/scheme-http-and-port-80", tls: true, status: 302, resHeaders: []string{"Location: http://example.org/scheme-http-and-port-80"}},
		{req: "GET example.org/scheme-http-and-port-8080", tls: true, status: 302, resHeaders: []string{"Location: http://example.org:8080/scheme-http-and-port-8080"}},
	} {
		e.run(t, h)
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/http-route-for-listener-on-port-443", "same-namespace-with-https-listener", "Accepted", true, "Accepted"}.check(t, out.Status)
}
