package ingressmux_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// canaryIngress is a canary Ingress for app.example.com "/" sending to
// service svc.
func canaryIngress(name, svc string, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: %s\n  annotations:\n    nginx.ingress.kubernetes.io/canary: \"true\"\n", name)
	for k, v := range annotations {
		fmt.Fprintf(&b, "    nginx.ingress.kubernetes.io/%s: %q\n", k, v)
	}
	fmt.Fprintf(&b, "spec:\n  rules:\n    - host: app.example.com\n      http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}\n", svc)
	return b.String()
}

// loadCanaries loads the primary app Ingress (service web) and the given
// canaries, each service answering with its name in X-Backend.
func loadCanaries(t *testing.T, canaries ...string) *ingressmux.Mux {
	t.Helper()
	backends := map[string]string{}
	for _, svc := range []string{"web", "v2", "v3"} {
		backends["default/"+svc+":80"] = echo(t, svc).URL
	}
	fsys := fstest.MapFS{"app.yaml": {Data: []byte(appIngress(nil, "/", "Prefix", false) + strings.Join(canaries, ""))}}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"."}, FS: fsys, Logger: quiet(), Options: ingress.Options{Backends: backends}})
	require.NoError(t, err)
	return mux
}

func backendOf(t *testing.T, mux http.Handler, req *http.Request) string {
	t.Helper()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	return rec.Header().Get("X-Backend")
}

func TestCanaryByHeaderAndCookie(t *testing.T) {
	mux := loadCanaries(t,
		canaryIngress("by-header", "v2", a("canary-by-header", "X-Canary", "canary-weight", "100")),
		canaryIngress("by-value", "v3", a("canary-by-header", "X-Version", "canary-by-header-value", "v3", "canary-by-cookie", "beta")),
	)
	for _, tt := range []struct {
		name    string
		headers map[string]string
		cookie  string
		want    string
	}{
		{"always", map[string]string{"X-Canary": "always"}, "", "v2"},
		{"never rules out that canary, not the others", map[string]string{"X-Canary": "never", "X-Version": "v3"}, "", "v3"},
		{"never and no other canary chosen", map[string]string{"X-Canary": "never"}, "", "web"},
		{"another value falls through to the weight (100%)", map[string]string{"X-Canary": "maybe"}, "", "v2"},
		{"header value must match exactly", map[string]string{"X-Canary": "never", "X-Version": "V3"}, "", "web"},
		{"cookie always", map[string]string{"X-Canary": "never"}, "beta=always", "v3"},
		{"header before cookie", map[string]string{"X-Canary": "always"}, "beta=always", "v2"},
		{"cookie never", map[string]string{"X-Canary": "never"}, "beta=never", "web"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			assert.Equal(t, tt.want, explainedBackendOf(t, mux, req))
		})
	}
}

func TestCanaryHeaderPattern(t *testing.T) {
	mux := loadCanaries(t, canaryIngress("pattern", "v2", a("canary-by-header", "X-Region", "canary-by-header-pattern", "^(eu|uk)-")))
	for value, want := range map[string]string{"eu-west": "v2", "uk-south": "v2", "us-east": "web", "": "web"} {
		req := httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil)
		if value != "" {
			req.Header.Set("X-Region", value)
		}
		assert.Equal(t, want, explainedBackendOf(t, mux, req), value)
	}
}

// TestCanaryWeightSplit sends 10,000 requests through the handler and
// checks each backend's share within 2 percentage points of its weight,
// with two canaries on one route (ingress-nginx allows one per Service).
func TestCanaryWeightSplit(t *testing.T) {
	mux := loadCanaries(t,
		canaryIngress("ten", "v2", a("canary-weight", "10")),
		canaryIngress("quarter", "v3", a("canary-weight", "250", "canary-weight-total", "1000")),
	)
	const n = 10_000
	counts := map[string]int{}
	for range n {
		counts[backendOf(t, mux, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil))]++
	}
	for backend, want := range map[string]float64{"v2": 0.10, "v3": 0.25, "web": 0.65} {
		got := float64(counts[backend]) / n
		assert.LessOrEqual(t, math.Abs(got-want), 0.02, "%s got %.3f of requests, want %.2f", backend, got, want)
	}
}

// TestCanaryKeepsItsOwnBalancing checks that a canary Ingress's affinity
// annotation applies to its backend, as ingress-nginx keeps load-balance,
// upstream-hash-by and affinity on canaries, while its other annotations do
// not.
func TestCanaryKeepsItsOwnBalancing(t *testing.T) {
	mux := loadCanaries(t, canaryIngress("sticky", "v2", a("canary-by-header", "X-Canary", "affinity", "cookie", "session-cookie-name", "canary-sticky")))
	req := httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil)
	req.Header.Set("X-Canary", "always")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	require.Equal(t, "v2", rec.Header().Get("X-Backend"))
	assert.Contains(t, rec.Header().Get("Set-Cookie"), "canary-sticky=")

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil))
	require.Equal(t, "web", rec.Header().Get("X-Backend"))
	assert.Empty(t, rec.Header().Get("Set-Cookie"), "the primary has no affinity")
}
