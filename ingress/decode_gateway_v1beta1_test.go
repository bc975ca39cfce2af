package ingress

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeGatewayV1beta1 checks that the v1beta1 versions the Gateway
// API CRDs still serve (GatewayClass, Gateway, HTTPRoute, as
// ReferenceGrant) load as v1, as the apiserver converts them, instead of
// being skipped: manifests from older guides keep working.
func TestDecodeGatewayV1beta1(t *testing.T) {
	set, err := DecodeBytes("beta.yaml", []byte(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: mux
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`))
	require.NoError(t, err)
	assert.Empty(t, set.Warnings)
	require.Len(t, set.GatewayClasses, 1)
	require.Len(t, set.Gateways, 1)
	require.Len(t, set.HTTPRoutes, 1)
	assert.Equal(t, "gateway.networking.k8s.io/v1", set.GatewayClasses[0].APIVersion)
	assert.Equal(t, "gateway.networking.k8s.io/v1", set.Gateways[0].APIVersion)
	assert.Equal(t, "gateway.networking.k8s.io/v1", set.HTTPRoutes[0].APIVersion)
	assert.Equal(t, "default", set.HTTPRoutes[0].Namespace)
	assert.Equal(t, 13, set.HTTPRoutes[0].Source.Line)
	assert.Equal(t, "gw", string(set.HTTPRoutes[0].Spec.ParentRefs[0].Name))
	assert.Equal(t, "mux", string(set.Gateways[0].Spec.GatewayClassName))
}
