package ingress

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const gatewayDocs = `apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels: {team: a}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: mux
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: web, port: 80, weight: 3}]
    timeouts: {request: 10s}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc}
spec:
  rules:
  - matches: [{method: {service: echo.Echo, method: Ping}}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: old, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: new, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service, name: web}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls}
spec:
  targetRefs: [{group: "", kind: Service, name: web}]
  validation: {hostname: web.example.com, wellKnownCACertificates: System}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
`

// TestDecodeGatewayKinds checks that Gateway API objects load beside
// Ingresses from one file, into their own fields, and are no longer
// skipped.
func TestDecodeGatewayKinds(t *testing.T) {
	set, err := DecodeBytes("all.yaml", []byte(gatewayDocs))
	require.NoError(t, err)
	assert.Empty(t, set.Warnings)
	require.Len(t, set.Namespaces, 1)
	assert.Equal(t, "a", set.Namespaces[0].Labels["team"])
	require.Len(t, set.GatewayClasses, 1)
	assert.Equal(t, "github.com/ingressmux/ingressmux/gateway", string(set.GatewayClasses[0].Spec.ControllerName))
	require.Len(t, set.Gateways, 1)
	assert.Equal(t, "infra", set.Gateways[0].Namespace)
	assert.Equal(t, 12, set.Gateways[0].Source.Line)
	require.Len(t, set.HTTPRoutes, 1)
	hr := set.HTTPRoutes[0]
	assert.Equal(t, "default", hr.Namespace, "namespace defaulted as for every namespaced kind")
	assert.Equal(t, int32(3), *hr.Spec.Rules[0].BackendRefs[0].Weight)
	assert.Equal(t, "10s", string(*hr.Spec.Rules[0].Timeouts.Request))
	assert.Equal(t, "httproute default/web", hr.Ref())
	require.Len(t, set.GRPCRoutes, 1)
	assert.Equal(t, "Ping", *set.GRPCRoutes[0].Spec.Rules[0].Matches[0].Method.Method)
	require.Len(t, set.ReferenceGrants, 2)
	assert.Equal(t, "gateway.networking.k8s.io/v1", set.ReferenceGrants[0].APIVersion, "v1beta1 converted")
	assert.Equal(t, "Service", string(set.ReferenceGrants[0].Spec.To[0].Kind))
	require.Len(t, set.BackendTLSPolicies, 1)
	assert.Equal(t, "web.example.com", string(set.BackendTLSPolicies[0].Spec.Validation.Hostname))
	require.Len(t, set.Ingresses, 1)
	assert.Equal(t, 9, set.Len())

	var both Set
	both.Add(set)
	assert.Equal(t, set.Len(), both.Len())
}

// TestDecodeGatewayErrors checks that Gateway API objects get the same
// error quality as Ingresses: file, line, object and field path.
func TestDecodeGatewayErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"misspelt field", `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: apps}
spec:
  rules:
  - backendRefs:
    - name: web
      prot: 80
`, `bad.yaml:8 (document 1): httproute apps/web: spec.rules[0].backendRefs[0].prot: unknown field; did you mean "port"?`},
		{"wrong type", `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: mux
  listeners:
  - name: http
    port: eighty
    protocol: HTTP
`, `bad.yaml:8 (document 1): gateway default/gw: spec.listeners[0].port: Invalid value: "eighty"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBytes("bad.yaml", []byte(c.doc))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), c.want), "got %v", err)
		})
	}
}
