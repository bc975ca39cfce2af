package ingress

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

// compileManifests compiles YAML documents and returns the routes by
// "host path".
func compileManifests(t *testing.T, yaml string, opts Options) (map[string]*compiledRoute, *Compiled, error) {
	t.Helper()
	set, err := DecodeBytes("m.yaml", []byte(yaml))
	require.NoError(t, err)
	require.NoError(t, set.Validate())
	compiled, err := Compile(set, opts)
	if err != nil {
		return nil, compiled, err
	}
	routes := map[string]*compiledRoute{}
	for _, r := range compiled.Table.Rules() {
		routes[r.Host+" "+r.Path] = compiledOf(compiled, r)
	}
	return routes, compiled, nil
}

func TestProxySSLSecret(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	certPEM, keyPEM := testpki.PEM(ca.Issue(t, "ingressmux client"))
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	secret := func(data string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata: {name: backend-tls}\ndata: {" + data + "}\n---\n"
	}
	ingress := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
    nginx.ingress.kubernetes.io/proxy-ssl-secret: default/backend-tls
spec:
  rules:
    - host: api.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}
`
	t.Run("CA and client certificate", func(t *testing.T) {
		routes, _, err := compileManifests(t, secret("ca.crt: "+b64(ca.CertPEM())+", tls.crt: "+b64(certPEM)+", tls.key: "+b64(keyPEM))+ingress, Options{})
		require.NoError(t, err)
		u := routes["api.example.com /"].Policy.Upstream
		require.NotNil(t, u.RootCAs)
		assert.True(t, u.RootCAs.Equal(ca.Pool()))
		require.NotNil(t, u.ClientCertificate)
		assert.Equal(t, "default/backend-tls", u.TLSSecret)
	})
	t.Run("CA only", func(t *testing.T) {
		routes, _, err := compileManifests(t, secret("ca.crt: "+b64(ca.CertPEM()))+ingress, Options{})
		require.NoError(t, err)
		u := routes["api.example.com /"].Policy.Upstream
		assert.NotNil(t, u.RootCAs)
		assert.Nil(t, u.ClientCertificate)
	})
	for _, tt := range []struct{ name, data, want string }{
		{"empty", "other: " + b64([]byte("x")), "neither ca.crt"},
		{"bad CA", "ca.crt: " + b64([]byte("not pem")), "ca.crt holds no PEM certificate"},
		{"key without certificate", "tls.key: " + b64(keyPEM), "secret default/backend-tls"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := compileManifests(t, secret(tt.data)+ingress, Options{})
			require.ErrorContains(t, err, "metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-secret]")
			require.ErrorContains(t, err, tt.want)
		})
	}
}

const errorsService = `apiVersion: v1
kind: Service
metadata: {name: errors}
spec:
  ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
---
`

func TestDefaultBackendAndCustomErrors(t *testing.T) {
	ingress := func(annotations string) string {
		return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {` + annotations + `}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
	}
	opts := Options{Backends: map[string]string{"default/web:80": "127.0.0.1:1", "default/errors:8080": "127.0.0.1:2"}}
	routes, _, err := compileManifests(t, errorsService+ingress(`nginx.ingress.kubernetes.io/default-backend: errors, nginx.ingress.kubernetes.io/custom-http-errors: "503, 404,404"`), opts)
	require.NoError(t, err)
	u := routes["web.example.com /"].Policy.Upstream
	require.NotNil(t, u.DefaultBackend)
	assert.Equal(t, "default/errors:8080", u.DefaultBackend.Backend.String(), "the Service's first port, as in ingress-nginx")
	assert.Equal(t, []string{"127.0.0.1:2"}, u.DefaultBackend.Target.Addresses)
	assert.Equal(t, []int{404, 503}, u.CustomHTTPErrors)

	routes, compiled, err := compileManifests(t, ingress(`nginx.ingress.kubernetes.io/custom-http-errors: "404"`), opts)
	require.NoError(t, err)
	assert.Empty(t, routes["web.example.com /"].Policy.Upstream.CustomHTTPErrors)
	assert.True(t, hasWarning(compiled, "custom-http-errors", "no default backend"))
}

func TestServiceUpstream(t *testing.T) {
	manifests := `apiVersion: v1
kind: Service
metadata: {name: api}
spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec: {clusterIP: None, ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: headless-1, labels: {kubernetes.io/service-name: headless}}
addressType: IPv4
ports: [{name: http, port: 80}]
endpoints: [{addresses: [10.0.0.7], conditions: {ready: true}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {nginx.ingress.kubernetes.io/service-upstream: "true"}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
          - {path: /headless, pathType: Prefix, backend: {service: {name: headless, port: {number: 80}}}}
          - {path: /unloaded, pathType: Prefix, backend: {service: {name: other, port: {number: 81}}}}
`
	routes, _, err := compileManifests(t, manifests, Options{})
	require.NoError(t, err)
	for path, want := range map[string]string{
		"/api":      "service-upstream [10.96.0.10:80]",
		"/headless": "endpointslice [10.0.0.7:80]",
		"/unloaded": "cluster-dns [other.default.svc.cluster.local:81]",
	} {
		tg := routes["web.example.com "+path].Target
		assert.Equal(t, want, fmt.Sprint(tg.Via, " ", tg.Addresses), path)
	}
}

func hasWarning(c *Compiled, field, text string) bool {
	for _, w := range c.Warnings {
		if strings.Contains(w.Field, field) && strings.Contains(w.Message, text) {
			return true
		}
	}
	return false
}
