package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// BenchmarkCompile compiles n HTTPRoutes of two rules each (a header
// match and a weighted pair of backends) on one Gateway, validation
// included, as a compile of objects that did not change since the last
// one does: the first compile, which validates every object for the first
// time (see BenchmarkValidateHTTPRoute for that cost), is left out.
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{100, 1000} {
		var docs strings.Builder
		docs.WriteString(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: mux
  listeners: [{name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}]
`)
		for i := range n {
			fmt.Fprintf(&docs, `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r%d}
spec:
  parentRefs: [{name: edge}]
  hostnames: [h%d.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: X-Env, value: dev}]}]
    backendRefs: [{name: a, port: 80, weight: 9}, {name: b, port: 80, weight: 1}]
  - backendRefs: [{name: a, port: 80}]
`, i, i)
		}
		set, err := ingress.DecodeBytes("bench.yaml", []byte(docs.String()))
		if err != nil {
			b.Fatal(err)
		}
		opts := Options{Backends: map[string]string{"default/a:80": "127.0.0.1:1", "default/b:80": "127.0.0.1:2"}}
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			if _, err := Compile(set, opts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				out, err := Compile(set, opts)
				if err != nil || out.Table.Len() != 2*n {
					b.Fatalf("%v, %d rules", err, out.Table.Len())
				}
			}
		})
	}
}
