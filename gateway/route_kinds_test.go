package gateway

import "testing"

// TestHTTPRouteAndGRPCRouteShareHostname checks the rule of the GRPCRoute
// hostnames documentation: of an HTTPRoute and a GRPCRoute attached to one
// listener whose hostnames intersect, exactly one is accepted there, the
// oldest (then the first by namespace/name); the other is not Accepted,
// is not counted in attachedRoutes and serves nothing there. A GRPCRoute
// with other hostnames is not affected.
func TestHTTPRouteAndGRPCRouteShareHostname(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: gateway-conformance-infra, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc, namespace: gateway-conformance-infra, creationTimestamp: "2026-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: other, namespace: gateway-conformance-infra, creationTimestamp: "2026-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [grpc.example.net]
  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "POST a.example.com/echo.Echo/Ping", backend: "infra-backend-v1"}.run(t, h)
	if r := out.Table.Match("grpc.example.net", "/echo.Echo/Ping"); r == nil || r.Origin != "grpcroute gateway-conformance-infra/other" {
		t.Errorf("grpc.example.net is served by %v, want grpcroute gateway-conformance-infra/other", r)
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/web", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
	wantCondition{"GRPCRoute", "gateway-conformance-infra/rpc", "same-namespace", "Accepted", false, "NotAllowedByListeners"}.check(t, out.Status)
	wantCondition{"GRPCRoute", "gateway-conformance-infra/other", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
	for _, l := range out.Listeners {
		if l.Gateway == "gateway-conformance-infra/same-namespace" && l.AttachedRoutes != 2 {
			t.Errorf("%s: want 2 attached routes", l)
		}
	}
}
