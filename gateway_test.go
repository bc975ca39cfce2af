package ingressmux_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
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
	"github.com/ingressmux/ingressmux/tlsconfig"
)

const gatewayObjects = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: mux
  listeners:
  - {name: http, port: 8080, protocol: HTTP, hostname: "*.example.com"}
  - name: https
    port: 8443
    protocol: HTTPS
    hostname: api.example.com
    tls: {certificateRefs: [{name: api-cert}]}
---
apiVersion: v1
kind: Service
metadata: {name: green}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: edge}]
  hostnames: [api.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}, headers: [{name: X-Canary, value: "yes"}]}]
    backendRefs: [{name: green, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing}
spec:
  parentRefs: [{name: edge}]
  hostnames: [broken.example.com]
  rules: [{backendRefs: [{name: nowhere, port: 80}]}]
`

// certSecret returns a kubernetes.io/tls Secret for host and the
// certificate's leaf.
func certSecret(t *testing.T, name, host string) (string, *x509.Certificate) {
	t.Helper()
	cert, err := tlsconfig.SelfSigned(host)
	require.NoError(t, err)
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	require.NoError(t, err)
	enc := func(typ string, b []byte) string {
		return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: %s}
type: kubernetes.io/tls
data: {tls.crt: %s, tls.key: %s}
`, name, enc("CERTIFICATE", cert.Certificate[0]), enc("PRIVATE KEY", key)), leaf
}

// TestGatewayBesideIngress checks that Ingresses and Gateway API objects
// load side by side from one directory into one handler: both route, the
// Gateway's certificate is served, its warnings and status are reported,
// and Reload and Resolve keep both.
func TestGatewayBesideIngress(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	dir := t.TempDir()
	secret, leaf := certSecret(t, "api-cert", "api.example.com")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ingress.yaml"), []byte(ingressYAML("api.example.com", "/", "blue")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(gatewayObjects+"---\n"+secret), 0o644))
	cfg := ingressmux.Config{Paths: []string{dir}, Logger: quiet(), Options: ingress.Options{Backends: map[string]string{
		"default/blue:80": blue.URL, "default/green:80": green.URL,
	}}}
	mux, err := ingressmux.Load(context.Background(), cfg)
	require.NoError(t, err)
	defer mux.Close()

	check := func() {
		t.Helper()
		_, body := get(t, mux, "https://api.example.com/v2/users")
		assert.True(t, strings.HasPrefix(body, "blue "), "the Ingress serves what no HTTPRoute matches: %s", body)
		r := httptestRequest("https://api.example.com/v2/users", "X-Canary", "yes")
		code, body := serve(mux, r)
		assert.Equal(t, 200, code)
		assert.True(t, strings.HasPrefix(body, "green "), "the HTTPRoute's header match wins: %s", body)
		code, _ = get(t, mux, "http://broken.example.com/")
		assert.Equal(t, 500, code, "a backendRef to a missing Service answers 500")
	}
	check()

	// The HTTPS listener's certificate is served by SNI.
	hello := &tls.ClientHelloInfo{ServerName: "api.example.com"}
	got, err := mux.TLSConfig().GetCertificate(hello)
	require.NoError(t, err)
	assert.Equal(t, leaf.Raw, got.Certificate[0])

	var warned bool
	for _, w := range mux.Warnings() {
		warned = warned || strings.Contains(w.String(), "httproute default/missing") && strings.Contains(w.String(), "service default/nowhere is not loaded")
	}
	assert.True(t, warned, "warnings: %v", mux.Warnings())
	gw := mux.Gateway()
	require.NotNil(t, gw)
	require.Len(t, gw.Status.HTTPRoutes, 2)
	assert.Equal(t, "missing", gw.Status.HTTPRoutes[1].Name)
	assert.Equal(t, "BackendNotFound", gw.Status.HTTPRoutes[1].Status.Parents[0].Conditions[1].Reason)

	e, err := mux.Explain("https://api.example.com/v2/x")
	require.NoError(t, err)
	require.NotNil(t, e.Rule)
	assert.Equal(t, "ingress default/blue", e.Rule.Origin)

	require.NoError(t, mux.Reload(context.Background()))
	check()
	require.NoError(t, mux.Resolve(context.Background()))
	check()

	// An invalid HTTPRoute fails the reload with its file, line and field,
	// and the table being served stays.
	bad := strings.Replace(gatewayObjects, "port: 80}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: missing}", "port: 80000}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: missing}", 1)
	require.NotEqual(t, bad, gatewayObjects)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(bad+"---\n"+secret), 0o644))
	err = mux.Reload(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gateway.yaml:32 (document 4): httproute default/api: spec.rules[0].backendRefs[0].port")
	check()

	// Without the Gateway API objects, only the Ingress serves.
	require.NoError(t, os.Remove(filepath.Join(dir, "gateway.yaml")))
	require.NoError(t, mux.Reload(context.Background()))
	assert.Nil(t, mux.Gateway())
	code, body := serve(mux, httptestRequest("https://api.example.com/v2/users", "X-Canary", "yes"))
	assert.Equal(t, 200, code)
	assert.True(t, strings.HasPrefix(body, "blue "), body)
}

func httptestRequest(url string, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func serve(h http.Handler, r *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.String()
}

// TestReadmeGatewayExample runs the README's Gateway API example beside an
// Ingress for the same host, as the README describes it.
func TestReadmeGatewayExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "## Gateway API, beside Ingress")
	require.True(t, ok)
	_, block, ok := strings.Cut(section, "```yaml\n")
	require.True(t, ok)
	block, _, _ = strings.Cut(block, "```")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(block), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ingress.yaml"), []byte(ingressYAML("shop.example.com", "/", "web")), 0o644))
	backends := map[string]string{}
	for _, name := range []string{"web", "api-v2", "api-v3"} {
		backends["default/"+name+":80"] = backend(t, name).URL
	}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Logger: quiet(), Options: ingress.Options{Backends: backends}})
	require.NoError(t, err)
	defer mux.Close()
	seen := map[string]int{}
	for range 200 {
		_, body := serve(mux, httptestRequest("http://shop.example.com/api/cart", "X-Beta", "yes"))
		name, _, _ := strings.Cut(body, " ")
		seen[name]++
	}
	assert.Equal(t, 200, seen["api-v2"]+seen["api-v3"], "%v", seen)
	assert.Greater(t, seen["api-v2"], seen["api-v3"], "%v", seen)
	assert.Positive(t, seen["api-v3"], "%v", seen)
	_, body := get(t, mux, "http://shop.example.com/api/cart")
	assert.True(t, strings.HasPrefix(body, "web "), "without the header the Ingress serves: %s", body)
}

// TestIngressWinsOverHTTPRoute checks that where an Ingress and an
// HTTPRoute route the same host, path and type, the Ingress keeps serving
// and the HTTPRoute's rule is reported.
func TestIngressWinsOverHTTPRoute(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ingress.yaml"), []byte(ingressYAML("shop.example.com", "/", "blue")), 0o644))
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
metadata: {name: shop}
spec:
  parentRefs: [{name: edge}]
  hostnames: [shop.example.com]
  rules: [{backendRefs: [{name: green, port: 80}]}]
`), 0o644))
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Logger: quiet(),
		Options: ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL, "default/green:80": green.URL}}})
	require.NoError(t, err)
	defer mux.Close()
	_, body := get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "blue "), body)
	var warned bool
	for _, w := range mux.Warnings() {
		warned = warned || strings.Contains(w.String(), `httproute default/shop: host "shop.example.com" path "/" (Prefix) is also routed by ingress default/blue, which wins`)
	}
	assert.True(t, warned, "%v", mux.Warnings())
}

// TestGatewayObjectsSurviveApply checks that a change applied to a Mux of
// LoadObjects that serves Gateway API routes keeps them: the build is
// whole, with the change.
func TestGatewayObjectsSurviveApply(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	set, err := ingress.DecodeBytes("objects.yaml", []byte(gatewayObjects+"---\n"+ingressYAML("api.example.com", "/", "blue")))
	require.NoError(t, err)
	mux, err := ingressmux.LoadObjects(context.Background(), ingressmux.Config{Logger: quiet(), Options: ingress.Options{Backends: map[string]string{
		"default/blue:80": blue.URL, "default/green:80": green.URL,
	}}}, set)
	require.NoError(t, err)
	defer mux.Close()
	canary := func() string {
		_, body := serve(mux, httptestRequest("http://api.example.com/v2/x", "X-Canary", "yes"))
		return body
	}
	require.True(t, strings.HasPrefix(canary(), "green "), canary())

	more, err := ingress.DecodeBytes("more.yaml", []byte(ingressYAML("new.example.com", "/", "green")))
	require.NoError(t, err)
	require.NoError(t, mux.Apply(context.Background(), ingress.Add(more.Ingresses[0])))
	_, body := get(t, mux, "http://new.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), "the applied Ingress serves: %s", body)
	_, body = get(t, mux, "http://api.example.com/v2/x")
	assert.True(t, strings.HasPrefix(body, "blue "), "the first Ingress still serves: %s", body)
	assert.True(t, strings.HasPrefix(canary(), "green "), "the HTTPRoute still serves after Apply: %s", canary())
	assert.NotNil(t, mux.Gateway())
}
