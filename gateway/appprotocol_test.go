package gateway

import (
	"testing"

	"github.com/ingressmux/ingressmux/proxy"
)

// TestBackendAppProtocol checks how a Service port's appProtocol chooses
// the protocol spoken to it: the Kubernetes standard names and the plain
// ones a user writes, and a protocol the route cannot speak (an unknown
// one, or HTTP/1.1 for gRPC), which makes the backend invalid with
// ResolvedRefs False/UnsupportedProtocol and 500, as the specification
// says.
func TestBackendAppProtocol(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: v1
kind: Service
metadata: {name: protocols, namespace: gateway-conformance-infra}
spec:
  ports:
  - {name: h2c, port: 1, appProtocol: kubernetes.io/h2c}
  - {name: ws, port: 2, appProtocol: kubernetes.io/ws}
  - {name: wss, port: 3, appProtocol: kubernetes.io/wss}
  - {name: https, port: 4, appProtocol: https}
  - {name: http, port: 5, appProtocol: http}
  - {name: mysql, port: 6, appProtocol: mysql}
  - {name: grpc, port: 7, appProtocol: grpc}
  - {name: none, port: 8}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: protocols, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [web.example.com]
  rules:
  - {matches: [{path: {value: /1}}], backendRefs: [{name: protocols, port: 1}]}
  - {matches: [{path: {value: /2}}], backendRefs: [{name: protocols, port: 2}]}
  - {matches: [{path: {value: /3}}], backendRefs: [{name: protocols, port: 3}]}
  - {matches: [{path: {value: /4}}], backendRefs: [{name: protocols, port: 4}]}
  - {matches: [{path: {value: /5}}], backendRefs: [{name: protocols, port: 5}]}
  - {matches: [{path: {value: /6}}], backendRefs: [{name: protocols, port: 6}]}
  - {matches: [{path: {value: /7}}], backendRefs: [{name: protocols, port: 7}]}
  - {matches: [{path: {value: /8}}], backendRefs: [{name: protocols, port: 8}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: protocols, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [grpc.example.com]
  rules:
  - {matches: [{method: {service: a.A}}], backendRefs: [{name: protocols, port: 2}]}
  - {matches: [{method: {service: b.B}}], backendRefs: [{name: protocols, port: 8}]}
`)
	backends := map[string]string{}
	for p := 1; p <= 8; p++ {
		backends["gateway-conformance-infra/protocols:"+string(rune('0'+p))] = "127.0.0.1:9"
	}
	out, err := Compile(set, Options{Backends: backends})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host, path string
		protocol   proxy.Protocol
		status     int // of a stand-in upstream; 0 for a real one
	}{
		{"web.example.com", "/1", proxy.GRPC, 0},
		{"web.example.com", "/2", proxy.HTTP, 0},
		{"web.example.com", "/3", proxy.HTTPS, 0},
		{"web.example.com", "/4", proxy.HTTPS, 0},
		{"web.example.com", "/5", proxy.HTTP, 0},
		{"web.example.com", "/6", 0, 500},
		{"web.example.com", "/7", proxy.GRPC, 0},
		{"web.example.com", "/8", proxy.HTTP, 0},
		{"grpc.example.com", "/a.A/M", 0, 500},
		{"grpc.example.com", "/b.B/M", proxy.GRPC, 0},
	} {
		r := out.Table.Match(tt.host, tt.path)
		if r == nil {
			t.Errorf("%s%s: no rule", tt.host, tt.path)
			continue
		}
		up := r.Value.(*proxy.Route).Upstream
		if up.Status != tt.status || tt.status == 0 && up.Protocol != tt.protocol {
			t.Errorf("%s%s: upstream %s protocol %v status %d, want protocol %v status %d", tt.host, tt.path, up.Name, up.Protocol, up.Status, tt.protocol, tt.status)
		}
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/protocols", "same-namespace", "ResolvedRefs", false, "UnsupportedProtocol"}.check(t, out.Status)
	wantCondition{"GRPCRoute", "gateway-conformance-infra/protocols", "same-namespace", "ResolvedRefs", false, "UnsupportedProtocol"}.check(t, out.Status)
}
