package proxy

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// benchIngressTable returns a table shaped as the ingress package compiles
// n Ingresses of the module's load benchmark: three rules each, on a host
// shared by three Ingresses; the Ingress's routes share its one body
// limit, and each route has the Ingress's own *Upstream. The first reaches
// a Service with two endpoints that two Ingresses use (equal upstreams,
// one runtime), the others two ports of a Service that does not exist.
func benchIngressTable(tb testing.TB, n int) *route.Table {
	tb.Helper()
	rules := make([]route.Rule, 0, 3*n)
	for i := range n {
		ns, host := fmt.Sprintf("team-%d", i%50), fmt.Sprintf("app-%d.example.com", i/3)
		object := ObjectRef{Kind: "Ingress", Namespace: ns, Name: fmt.Sprintf("app-%d", i)}
		k := i / 100
		api := &Upstream{Name: fmt.Sprintf("%s/api-%d:8080", ns, k), Endpoints: []string{fmt.Sprintf("198.18.0.%d:8080", k%250+1), fmt.Sprintf("198.18.0.%d:8080", k%250+2)}, Resolution: "endpointslice"}
		rule := func(path string, typ route.PathType, u *Upstream) route.Rule {
			origin := fmt.Sprintf("Ingress %s/app-%d", ns, i)
			rt := &Route{Upstream: u, MaxBodyBytes: 8 << 20, Name: origin, Object: object}
			return route.Rule{Host: host, Path: path, Type: typ, Origin: origin, Value: rt}
		}
		web := func(port string) *Upstream {
			return &Upstream{Name: fmt.Sprintf("%s/web-%d:%s", ns, i, port), Status: 503, Resolution: "unresolved"}
		}
		rules = append(rules,
			rule(fmt.Sprintf("/api/v%d", i), route.Prefix, api),
			rule(fmt.Sprintf("/static/%d", i), route.Exact, web("http")),
			rule(fmt.Sprintf("/pages/%d/v0", i), route.Prefix, web("80")))
	}
	return newTable(tb, rules...)
}

// BenchmarkNew is building the Handler of a table of 30,000 and 300,000
// routes (10,000 and 100,000 Ingresses), as a load does after compiling;
// it reports the heap the Handler keeps beyond its table as "heap-MB".
func BenchmarkNew(b *testing.B) {
	for _, ingresses := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("routes=%d", 3*ingresses), func(b *testing.B) {
			table := benchIngressTable(b, ingresses)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := New(Config{Table: table}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			h, err := New(Config{Table: table})
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(h)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		})
	}
}

// BenchmarkNewSmall is building the Handler of the tables an embedding
// program has, tens to thousands of routes, around the size from which
// the build spreads over the cores.
func BenchmarkNewSmall(b *testing.B) {
	for _, ingresses := range []int{10, 300, 600, 700, 1_500} {
		b.Run(fmt.Sprintf("routes=%d", 3*ingresses), func(b *testing.B) {
			table := benchIngressTable(b, ingresses)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(Config{Table: table}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
