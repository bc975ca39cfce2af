package ingressmux_test

import (
	"context"
	"io"
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

// trafficYAML is an API behind basic auth, CORS, an allowlist, a rate limit
// and security headers, next to an oauth2-proxy protected app.
const trafficYAML = `
apiVersion: v1
kind: Secret
metadata: {name: api-users}
stringData:
  auth: |
    ann:$apr1$xyzsalt$46mF7obnb9sH9blgrPZAj0
---
apiVersion: v1
kind: ConfigMap
metadata: {name: security-headers}
data: {X-Frame-Options: DENY}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/auth-type: basic
    nginx.ingress.kubernetes.io/auth-secret: api-users
    nginx.ingress.kubernetes.io/auth-realm: API
    nginx.ingress.kubernetes.io/enable-cors: "true"
    nginx.ingress.kubernetes.io/cors-allow-origin: https://*.example.com
    nginx.ingress.kubernetes.io/limit-rpm: "RPM"
    nginx.ingress.kubernetes.io/limit-burst-multiplier: "1"
    nginx.ingress.kubernetes.io/whitelist-source-range: 192.0.2.0/24
    nginx.ingress.kubernetes.io/custom-headers: security-headers
spec:
  rules:
    - host: api.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
          - {path: /v2, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  annotations:
    nginx.ingress.kubernetes.io/auth-url: AUTH/oauth2/auth
    nginx.ingress.kubernetes.io/auth-signin: https://$host/oauth2/start
    nginx.ingress.kubernetes.io/auth-response-headers: X-Auth-Request-User
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`

func TestTrafficThroughLoad(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Write([]byte("api " + r.Header.Get("X-Auth-Request-User") + r.Header.Get("Authorization")))
	}))
	defer be.Close()
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("_oauth2_proxy"); err == nil && c.Value == "alice" {
			w.Header().Set("X-Auth-Request-User", "alice")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer auth.Close()

	files := fstest.MapFS{}
	write := func(rpm string) {
		y := strings.NewReplacer("RPM", rpm, "AUTH", auth.URL).Replace(trafficYAML)
		files["traffic.yaml"] = &fstest.MapFile{Data: []byte(y)}
	}
	write("1")
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{
		FS: files, Paths: []string{"."}, Logger: quiet(), LimitRejectStatus: http.StatusTooManyRequests,
		Options: ingress.Options{Backends: map[string]string{"default/api:80": be.URL}},
	})
	require.NoError(t, err)

	send := func(host, path, remote string, headers ...string) *http.Response {
		method := "GET"
		if len(headers) > 0 && headers[len(headers)-2] == "Access-Control-Request-Method" {
			method = "OPTIONS" // a preflight
		}
		r := httptest.NewRequest(method, "http://"+host+path, nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return serveAndExplain(t, mux, r).Result()
	}
	const ann = "Basic YW5uOnMzY3JldA==" // ann:s3cret
	for i, tt := range []struct {
		host, path, remote string
		headers            []string
		status             int
		check              func(res *http.Response, body string)
	}{
		{"api.example.com", "/", "198.51.100.1:1", nil, 403, nil},
		{"api.example.com", "/", "192.0.2.1:1", nil, 401, func(res *http.Response, _ string) {
			assert.Equal(t, `Basic realm="API"`, res.Header.Get("WWW-Authenticate"))
		}},
		{"api.example.com", "/v2", "192.0.2.1:1", []string{"Authorization", ann, "Origin", "https://ui.example.com"}, 200, func(res *http.Response, body string) {
			assert.Equal(t, "api ", body, "the backend gets no Authorization")
			assert.Equal(t, "https://ui.example.com", res.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, []string{"DENY"}, res.Header.Values("X-Frame-Options"), "custom-headers replace the backend's")
		}},
		// limit-rpm 1 with multiplier 1: 2 at once, shared by all paths of
		// the Ingress, counted before the allowlist and auth.
		{"api.example.com", "/", "192.0.2.1:1", []string{"Authorization", ann}, 429, nil},
		{"api.example.com", "/", "192.0.2.1:1", []string{"Origin", "https://ui.example.com", "Access-Control-Request-Method", "PUT"}, 204, nil},
		{"app.example.com", "/x?y=1", "192.0.2.1:1", nil, 302, func(res *http.Response, _ string) {
			assert.Equal(t, "https://app.example.com/oauth2/start?rd=http%3A%2F%2Fapp.example.com%2Fx%3Fy%3D1", res.Header.Get("Location"))
		}},
		{"app.example.com", "/", "192.0.2.1:1", []string{"Cookie", "_oauth2_proxy=alice", "X-Auth-Request-User", "mallory"}, 200, func(_ *http.Response, body string) {
			assert.Equal(t, "api alice", body)
		}},
	} {
		res := send(tt.host, tt.path, tt.remote, tt.headers...)
		body, _ := io.ReadAll(res.Body)
		require.Equal(t, tt.status, res.StatusCode, "%d: %s", i, body)
		if tt.check != nil {
			tt.check(res, string(body))
		}
	}
	// A reload that leaves the policy alone keeps the counters; one that
	// changes it starts afresh.
	require.NoError(t, mux.Reload(context.Background()))
	assert.Equal(t, 429, send("api.example.com", "/", "192.0.2.1:1", "Authorization", ann).StatusCode, "after a reload without changes")
	// Resolve compiles every Ingress again: new routes, an equal policy.
	require.NoError(t, mux.Resolve(context.Background()))
	assert.Equal(t, 429, send("api.example.com", "/", "192.0.2.1:1", "Authorization", ann).StatusCode, "after a full rebuild with the same policy")
	write("2")
	require.NoError(t, mux.Reload(context.Background()))
	assert.Equal(t, 200, send("api.example.com", "/", "192.0.2.1:1", "Authorization", ann).StatusCode, "after a reload that changed the limit")
}
