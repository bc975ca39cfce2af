package ingressmuxtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/ingressmuxtest"
	"github.com/ingressmux/ingressmux/proxy"
)

const manifests = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-cookie: beta
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: api-beta, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  annotations:
    nginx.ingress.kubernetes.io/allowlist-source-range: 10.0.0.0/8
spec:
  rules:
    - host: admin.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}
`

func load(t *testing.T) *ingressmux.Mux {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(manifests), 0o644))
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{dir}, Options: ingress.Options{Backends: map[string]string{
		"default/api:80":      "http://10.0.0.7:8080",
		"default/api-beta:80": "http://10.0.0.8:8080",
		"default/admin:80":    "http://10.0.0.9:8080",
	}}})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	return mux
}

// TestAssertionsPass checks the helpers on a table where each holds.
func TestAssertionsPass(t *testing.T) {
	mux := load(t)
	ingressmuxtest.Routes(t, mux, "https://shop.example.com/api/cart", "default/api:80")
	ingressmuxtest.Routes(t, mux, "https://shop.example.com/api/cart", "default/api-beta:80", ingressmuxtest.Cookie("beta", "always"))
	ingressmuxtest.Sends(t, mux, "https://shop.example.com/api/cart?x=1", "http://10.0.0.7:8080/cart?x=1", "shop.example.com")
	ingressmuxtest.Redirects(t, mux, "http://shop.example.com/api/cart", 308, "https://shop.example.com/api/cart")
	ingressmuxtest.Refuses(t, mux, "http://admin.example.com/", proxy.ActionDeny, 403, ingressmuxtest.Client("192.0.2.9"))
	ingressmuxtest.Routes(t, mux, "http://admin.example.com/", "default/admin:80", ingressmuxtest.Client("10.1.1.1"), ingressmuxtest.Method("POST"))
	ingressmuxtest.NotFound(t, mux, "https://elsewhere.example.com/")
}

// recorder is a TestingT that keeps failures.
type recorder struct{ failures []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// TestAssertionsFail checks that each helper fails, with the decision in
// its message, when what it asserts does not hold.
func TestAssertionsFail(t *testing.T) {
	mux := load(t)
	for name, assertion := range map[string]func(*recorder) bool{
		"Routes": func(r *recorder) bool {
			return ingressmuxtest.Routes(r, mux, "https://shop.example.com/api/cart", "default/api-beta:80")
		},
		"Sends": func(r *recorder) bool {
			return ingressmuxtest.Sends(r, mux, "https://shop.example.com/api/cart", "http://10.0.0.7:8080/api/cart", "shop.example.com")
		},
		"Redirects": func(r *recorder) bool {
			return ingressmuxtest.Redirects(r, mux, "https://shop.example.com/api/cart", 308, "https://shop.example.com/api/cart")
		},
		"Refuses": func(r *recorder) bool {
			return ingressmuxtest.Refuses(r, mux, "http://admin.example.com/", proxy.ActionDeny, 403, ingressmuxtest.Client("10.1.1.1"))
		},
		"NotFound": func(r *recorder) bool {
			return ingressmuxtest.NotFound(r, mux, "https://shop.example.com/api")
		},
		"bad URL": func(r *recorder) bool {
			return ingressmuxtest.Routes(r, mux, "http://", "default/api:80")
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{}
			assert.False(t, assertion(r))
			require.NotEmpty(t, r.failures)
			if name != "bad URL" {
				assert.Contains(t, r.failures[0], "action ", "the message shows the decision")
			}
		})
	}
}
