package ingress

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestProxyRoutes checks what Compile emits: every rule's Value is the
// *proxy.Route the annotations describe, with where it came from; the
// routes of one Ingress share one Traffic and, per backend, one Upstream.
func TestProxyRoutes(t *testing.T) {
	_, compiled, err := compileManifests(t, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/upstream-vhost: internal.example.com
    nginx.ingress.kubernetes.io/proxy-body-size: 8m
    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: "3"
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
    nginx.ingress.kubernetes.io/proxy-next-upstream: "off"
    nginx.ingress.kubernetes.io/proxy-cookie-path: "/app/ /"
    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
    nginx.ingress.kubernetes.io/proxy-ssl-server-name: "off"
    nginx.ingress.kubernetes.io/limit-rps: "5"
    nginx.ingress.kubernetes.io/load-balance: ewma
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}
      - {path: /b, pathType: Exact, backend: {service: {name: web, port: {number: 443}}}}
`, Options{Backends: map[string]string{"default/web:443": "127.0.0.1:8443"}})
	require.NoError(t, err)
	rules := compiled.Table.Rules()
	require.Len(t, rules, 2)
	a, b := rules[0].Value.(*proxy.Route), rules[1].Value.(*proxy.Route)
	if a.Origin.Path != "/a" {
		a, b = b, a
	}
	assert.Equal(t, proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"}, a.Object)
	assert.Equal(t, proxy.Origin{Field: "spec.rules[0].http.paths[0]", Source: "m.yaml:1 (document 1)", Path: "/a", PathType: "Prefix"}, a.Origin)
	assert.Equal(t, "Exact", b.Origin.PathType)
	assert.Equal(t, "ingress default/web", a.Name)
	assert.Equal(t, "internal.example.com", a.Host)
	assert.Equal(t, int64(8<<20), a.MaxBodyBytes)
	assert.Equal(t, 120*time.Second, a.ReadTimeout)
	assert.False(t, a.SSLRedirect)
	assert.Equal(t, proxy.Retry{}, a.Retry, "proxy-next-upstream off: never retried")
	assert.True(t, a.BufferRequest)
	assert.Equal(t, proxy.Replace{From: "/app/", To: "/"}, a.CookiePath)
	assert.Equal(t, &proxy.Upstream{Name: "default/web:443", Protocol: proxy.HTTPS, Endpoints: []string{"127.0.0.1:8443"},
		ConnectTimeout: 3 * time.Second, Resolution: "override", Balancing: proxy.Balancing{Balance: proxy.EWMA},
		TLS: tlsconfig.Client{ServerName: "internal.example.com", DisableSNI: true}}, a.Upstream)
	require.NotNil(t, a.Traffic)
	assert.Equal(t, &proxy.RateLimit{RPS: 5, BurstMultiplier: 5}, a.Traffic.RateLimit)
	assert.Same(t, a.Traffic, b.Traffic, "one limit zone per Ingress")
	assert.Same(t, a.Upstream, b.Upstream, "one upstream per backend of an Ingress")
}
