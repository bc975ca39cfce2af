package ingress

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIngressNginxRegexModeBreaksLiteralPath checks a path that is fine as
// a Kubernetes Prefix but becomes a regex RE2 cannot compile once
// ingress-nginx's regex mode takes its host (ingress-nginx itself would
// fail its nginx -t): the spec mode loads with a warning on that path, the
// ingress-nginx mode refuses the path with an error on it.
func TestIngressNginxRegexModeBreaksLiteralPath(t *testing.T) {
	set, err := DecodeBytes("x.yaml", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: "/api/v[0-9]+", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: "/docs(", pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`))
	require.NoError(t, err)
	require.NoError(t, set.Validate())

	compiled, err := Compile(set, Options{})
	require.NoError(t, err)
	var warned []string
	for _, w := range compiled.Warnings {
		if strings.Contains(w.Message, "ingress-nginx would match it as a regex") {
			warned = append(warned, w.String())
		}
	}
	require.Len(t, warned, 1, "warnings: %v", compiled.Warnings)
	assert.Contains(t, warned[0], `ingress default/plain: spec.rules[0].http.paths[0].path: host "app.example.com" path "/docs(/"`)

	compiled, err = Compile(set, Options{Matching: MatchIngressNginx})
	require.Error(t, err)
	assert.Nil(t, compiled.Table, "no table when a path cannot be compiled")
	assert.Contains(t, err.Error(), `ingress default/plain: spec.rules[0].http.paths[0].path: Invalid value: "/docs(/": invalid regex`)
}

// TestMatchModeFlag checks the flag.Value side of MatchMode.
func TestMatchModeFlag(t *testing.T) {
	var m MatchMode
	require.NoError(t, m.Set("ingress-nginx"))
	assert.Equal(t, MatchIngressNginx, m)
	assert.Equal(t, "ingress-nginx", m.String())
	require.NoError(t, m.Set("spec"))
	assert.Equal(t, MatchSpec, m)
	assert.EqualError(t, m.Set("nginx"), `unknown matching mode "nginx": want spec or ingress-nginx`)
}
