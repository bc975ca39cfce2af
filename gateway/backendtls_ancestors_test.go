package gateway

import (
	"slices"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// TestBackendTLSPolicyAncestorsFollowParentKinds checks that a
// BackendTLSPolicy's ancestors are the Gateways its Service's routes are
// attached to, and only those: a parentRef to another kind that happens to
// share a served Gateway's name does not make that Gateway an ancestor.
func TestBackendTLSPolicyAncestorsFollowParentKinds(t *testing.T) {
	for _, tt := range []struct {
		name      string
		secondRef string
		want      []string
	}{
		{"both parents are Gateways", `{name: gw-b}`, []string{"gw-a", "gw-b"}},
		{"the second parent is another kind", `{group: example.com, kind: Other, name: gw-b}`, []string{"gw-a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ingress.DecodeBytes("ancestors.yaml", []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ingressmux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw-a, namespace: default}
spec:
  gatewayClassName: ingressmux
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw-b, namespace: default}
spec:
  gatewayClassName: ingressmux
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {ports: [{port: 443}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls, namespace: default}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  validation: {hostname: svc.example.com, wellKnownCACertificates: System}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: default}
spec:
  parentRefs: [{name: gw-a}, `+tt.secondRef+`]
  hostnames: [app.example.com]
  rules: [{backendRefs: [{name: svc, port: 443}]}]
`))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Compile(set, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range out.Status.BackendTLSPolicies {
				for _, a := range p.Status.Ancestors {
					got = append(got, string(a.AncestorRef.Name))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ancestors = %v, want %v", got, tt.want)
			}
		})
	}
}
