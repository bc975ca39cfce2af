package ingressmux

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
)

// Benchmarks of changes with both front ends: the Ingresses of the
// benchmarks above, and a Gateway with 100 HTTPRoutes beside them, each
// on a host of its own, routing to a Service that the Ingresses use too.

// benchRoutes is the number of HTTPRoutes beside the Ingresses.
const benchRoutes = 100

// benchHTTPRoute renders HTTPRoute j; version changes its second path.
func benchHTTPRoute(j, version int) string { return benchHTTPRouteOn(j, version, false) }

// benchHTTPRouteOn is benchHTTPRoute, with a wildcard hostname besides
// its own when wildcard is set.
func benchHTTPRouteOn(j, version int, wildcard bool) string {
	hosts := fmt.Sprintf("route-%d.example.net", j)
	if wildcard {
		hosts += fmt.Sprintf(", \"*.w%d.example.net\"", j)
	}
	return fmt.Sprintf(`---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-%d, namespace: team-%d}
spec:
  parentRefs: [{name: edge, namespace: gateways}]
  hostnames: [%s]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api-0, port: 8080}]
  - matches: [{path: {type: Exact, value: /v%d}, headers: [{name: X-Canary, value: "yes"}]}]
    backendRefs: [{name: api-0, port: 8080}]
`, j, j%50, hosts, version)
}

// benchGateway renders the GatewayClass, the Gateway and the HTTPRoutes,
// route j at version versions[j] (0 when absent), with wildcard
// hostnames when wildcard is set.
func benchGateway(versions map[int]int, wildcard bool) string {
	var s strings.Builder
	s.WriteString(muxGatewayClass + `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: gateways}
spec:
  gatewayClassName: mux
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
`)
	for j := range benchRoutes {
		s.WriteString(benchHTTPRouteOn(j, versions[j], wildcard))
	}
	return s.String()
}

// writeGatewayBenchFiles writes the Ingress files of n Ingresses and the
// Gateway API objects beside them, and returns the directory.
func writeGatewayBenchFiles(b *testing.B, n int, wildcard bool) string {
	dir := writeBenchFiles(b, n)
	if err := os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(benchGateway(nil, wildcard)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// loadGatewayBench loads the files and checks that the HTTPRoutes serve.
func loadGatewayBench(b *testing.B, dir string) *Mux {
	m := benchLoad(b, dir)
	if gw := m.Gateway(); gw == nil || gw.Table == nil || len(gw.Table.Rules()) < 2*benchRoutes {
		b.Fatalf("the HTTPRoutes are not served: %v", gw)
	}
	return m
}

// BenchmarkApplyIngressWithGateway is BenchmarkApplyIngress with 100
// HTTPRoutes served beside the Ingresses; "wildcards" gives each a
// wildcard hostname too, which Gateway API wildcards make a deep wildcard
// of the table (see route.Options).
func BenchmarkApplyIngressWithGateway(b *testing.B) {
	for _, n := range benchSizes(b) {
		for _, wildcard := range []bool{false, true} {
			name := fmt.Sprint(n)
			if wildcard {
				name += "-wildcards"
			}
			b.Run(name, func(b *testing.B) { benchApplyIngressWithGateway(b, n, wildcard) })
		}
	}
}

func benchApplyIngressWithGateway(b *testing.B, n int, wildcard bool) {
	m := loadGatewayBench(b, writeGatewayBenchFiles(b, n, wildcard))
	i := n / 2
	versions := []any{decodeBench(b, benchIngress(i, 1)), decodeBench(b, benchIngress(i, 2))}
	benchApply(b, m, func(k int) any { return versions[k%2] }, decodeBench(b, benchIngress(i, 3)))
}

// BenchmarkApplyHTTPRouteWithGateway is one HTTPRoute changed through
// Mux.Apply, with the Ingresses of BenchmarkApplyIngress beside it.
func BenchmarkApplyHTTPRouteWithGateway(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := loadGatewayBench(b, writeGatewayBenchFiles(b, n, false))
			route := func(version int) any {
				set, err := ingress.DecodeBytes("change.yaml", []byte(benchHTTPRoute(benchRoutes/2, version)))
				if err != nil || len(set.HTTPRoutes) != 1 {
					b.Fatal(err)
				}
				return set.HTTPRoutes[0]
			}
			versions := []any{route(1), route(2)}
			benchApply(b, m, func(k int) any { return versions[k%2] }, route(3))
		})
	}
}

// benchApply measures Apply of version(k), after a first change (first)
// that lays the proxy's table out in shards (see route.Splice), a one-time
// cost reported apart as first-change-ms.
func benchApply(b *testing.B, m *Mux, version func(int) any, first any) {
	ctx := context.Background()
	start := time.Now()
	if err := m.Apply(ctx, ingress.Update(first)); err != nil {
		b.Fatal(err)
	}
	firstChange := time.Since(start)
	defer func() { b.ReportMetric(float64(firstChange.Milliseconds()), "first-change-ms") }()
	runtime.GC() // the load's garbage is not the change's
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		if err := m.Apply(ctx, ingress.Update(version(k))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReloadHTTPRouteFile is the file of the Gateway API objects
// rewritten with one HTTPRoute changed, then Reload, with the Ingresses of
// BenchmarkReloadOneFile beside it.
func BenchmarkReloadHTTPRouteFile(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := writeGatewayBenchFiles(b, n, false)
			m := loadGatewayBench(b, dir)
			file := filepath.Join(dir, "gateway.yaml")
			docs := []string{benchGateway(map[int]int{benchRoutes / 2: 1}, false), benchGateway(map[int]int{benchRoutes / 2: 2}, false)}
			ctx := context.Background()
			runtime.GC()
			b.ReportAllocs()
			for k := 0; b.Loop(); k++ {
				if err := os.WriteFile(file, []byte(docs[k%2]), 0o644); err != nil {
					b.Fatal(err)
				}
				if err := m.Reload(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
