package ingressmux_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// mixedMux loads an Ingress for host and "/" to the Service blue, and
// beside it a GatewayClass of this controller, a Gateway "edge" with one
// HTTP listener and the HTTPRoute spec route (parentRefs edge), whose
// backends may be blue and green.
func mixedMux(t *testing.T, ingressHost, route string) *ingressmux.Mux {
	t.Helper()
	blue, green := backend(t, "blue"), backend(t, "green")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ingress.yaml"), []byte(ingressYAML(ingressHost, "/", "blue")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "route.yaml"), []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: mux
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route}
spec:
  parentRefs: [{name: edge}]
`+route), 0o644))
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Logger: quiet(),
		Options: ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	return mux
}

// TestHTTPRouteConditionsBesideIngress checks an HTTPRoute that adds a
// header match on a host and path an Ingress serves: the requests with
// the header go to the route, the others to the Ingress, and no warning
// claims that the route is not served.
func TestHTTPRouteConditionsBesideIngress(t *testing.T) {
	mux := mixedMux(t, "shop.example.com", `  hostnames: [shop.example.com]
  rules:
  - matches: [{headers: [{name: X-Canary, value: "yes"}]}]
    backendRefs: [{name: green, port: 80}]
`)
	_, body := get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "blue "), body)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://shop.example.com/", nil)
	req.Header.Set("X-Canary", "yes")
	mux.ServeHTTP(rec, req)
	assert.True(t, strings.HasPrefix(rec.Body.String(), "green "), rec.Body.String())
	for _, w := range mux.Warnings() {
		assert.NotContains(t, w.String(), "this rule is not served")
	}
}

// TestWildcardsBesideIngress checks that of an Ingress wildcard
// "*.b.example.com" and a Gateway API wildcard "*.example.com" (which
// covers any number of labels), the more specific answers a host both
// cover, as both specifications order hostnames, and the Gateway API one
// the hosts only it covers.
func TestWildcardsBesideIngress(t *testing.T) {
	mux := mixedMux(t, `"*.b.example.com"`, `  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: green, port: 80}]}]
`)
	for host, want := range map[string]string{
		"x.b.example.com":   "blue ",
		"x.c.example.com":   "green ",
		"x.y.b.example.com": "green ",
		"b.example.com":     "green ",
	} {
		_, body := get(t, mux, "http://"+host+"/")
		assert.True(t, strings.HasPrefix(body, want), "%s: %s, want %s", host, body, want)
	}
}
