package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		files []string
		url   string
		want  map[string]any
	}{
		{[]string{"../seed"}, "https://projectdomain.com/api/me", map[string]any{
			"matched": true, "ingress": "default/project-backend-api", "host": "projectdomain.com",
			"path": "/api", "pathType": "Prefix", "backend": "default/project-backend-external:443"}},
		{[]string{"../seed"}, "projectdomain.com:8443/apiary?x=1", map[string]any{
			"matched": true, "ingress": "default/project-frontend", "path": "/", "backend": "default/project-frontend-service:80",
			"requestHost": "projectdomain.com", "requestPath": "/apiary"}},
		{[]string{"../seed"}, "http://elsewhere.example/", map[string]any{
			"matched": false, "ingress": "", "host": "", "path": "", "pathType": "", "backend": "", "hostEntry": "none"}},
		{[]string{"../seed"}, "http://projectdomain.com/a/../../etc", map[string]any{
			"matched": false, "error": `route: malformed request path "/a/../../etc": ".." climbs above the root`}},
		{[]string{"../../ingress/testdata/compile/regex-scoped.yaml"}, "http://api.example.com/V1/users/7", map[string]any{
			"matched": true, "ingress": "default/regex", "path": "/v1/users/[0-9]+", "pathType": "ImplementationSpecific", "backend": "default/users:80"}},
		{[]string{"testdata/policies"}, "http://app.example.com/caf%C3%A9/men%C3%BC/x", map[string]any{
			"matched": true, "ingress": "default/menu", "path": "/café/menü", "pathType": "Prefix"}},
		{[]string{"testdata/policies"}, "http://api.example.com/FOO/bar", map[string]any{
			"matched": true, "ingress": "default/api", "path": "/foo(/|$)(.*)", "pathType": "ImplementationSpecific"}},
		{[]string{"../../ingress/testdata/compile/default-backends.yaml"}, "http://app.example.com/nothing", map[string]any{
			"matched": true, "ingress": "default/app", "host": "app.example.com", "path": "", "pathType": "", "backend": "default/app-fallback:80"}},
	} {
		t.Run(tt.url, func(t *testing.T) {
			args := []string{"-explain", tt.url}
			for _, f := range tt.files {
				args = append(args, "-f", f)
			}
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
			var got map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), "output is one JSON object: %s", stdout.String())
			for k, v := range tt.want {
				assert.Equal(t, v, got[k], "key %q in %s", k, stdout.String())
			}
			assert.Contains(t, got, "candidates")
		})
	}
}

func TestExplainBadURL(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-f", "../seed", "-explain", "http://"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "no host")
}

// explainYAML has a rewriting route with a canary and a route behind an
// allowlist.
const explainYAML = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/upstream-vhost: api.internal
    nginx.ingress.kubernetes.io/proxy-read-timeout: "7"
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - {path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api-canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - {path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: api-v2, port: {number: 80}}}}
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

// TestExplainDecision checks -explain's whole decision and the request
// flags.
func TestExplainDecision(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(explainYAML), 0o644))
	common := []string{"-f", dir,
		"-backend", "default/api:80=http://127.0.0.1:8081",
		"-backend", "default/api-v2:80=http://127.0.0.1:8082",
		"-backend", "default/admin:80=https://127.0.0.1:8443"}
	for _, tt := range []struct {
		name string
		args []string
		want map[string]any
	}{
		{"rewritten", []string{"-explain", "http://app.example.com/api/users?page=2"}, map[string]any{
			"action": "proxy",
			"upstream": map[string]any{"url": "http://127.0.0.1:8081/users?page=2", "host": "api.internal", "sni": "",
				"name": "default/api:80", "canary": false, "readTimeout": "7s"}}},
		{"canary by header", []string{"-explain", "http://app.example.com/api/x", "-explain-header", "X-Canary: always", "-explain-method", "POST"}, map[string]any{
			"action":   "proxy",
			"upstream": map[string]any{"url": "http://127.0.0.1:8082/x", "name": "default/api-v2:80", "canary": true}}},
		{"denied", []string{"-explain", "https://admin.example.com/", "-explain-client", "192.0.2.9"}, map[string]any{
			"action": "deny", "status": float64(403)}},
		{"allowed", []string{"-explain", "https://admin.example.com/", "-explain-client", "10.1.2.3"}, map[string]any{
			"action": "proxy", "upstream": map[string]any{"url": "https://127.0.0.1:8443/", "sni": ""}}},
		{"not found", []string{"-explain", "http://nowhere.example.com/"}, map[string]any{
			"action": "not-found", "status": float64(404)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(append(slices.Clone(common), tt.args...), &stdout, &stderr), stderr.String())
			var got map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
			for k, v := range tt.want {
				if sub, ok := v.(map[string]any); ok {
					gotSub, _ := got[k].(map[string]any)
					for sk, sv := range sub {
						assert.Equal(t, sv, gotSub[sk], "%s.%s in %s", k, sk, stdout.String())
					}
					continue
				}
				assert.Equal(t, v, got[k], "key %q in %s", k, stdout.String())
			}
		})
	}
}

// TestBadBackendOverrideNamesTheFlag checks that an unusable -backend is
// reported as that flag's error, not as a proxy error on a route.
func TestBadBackendOverrideNamesTheFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-f", "../seed", "-check", "-backend", "default/web:80=127.0.0.1:http"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `invalid value "default/web:80=127.0.0.1:http" for flag -backend`)
	assert.Contains(t, stderr.String(), `port "http": want a number from 1 to 65535`)
}
