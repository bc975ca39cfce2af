package ingressmux

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
)

// Benchmarks of what a change costs at 1,000, 10,000 and (with
// INGRESSMUX_BENCH_100K=1, as it takes minutes) 100,000 Ingresses of
// three paths each, one host per three Ingresses, and one Service with an
// EndpointSlice per 100 Ingresses. Endpoint addresses are in
// 198.18.0.0/15 and never dialled.

func benchSizes(b *testing.B) []int {
	if list := os.Getenv("INGRESSMUX_BENCH_SIZES"); list != "" {
		// Other sizes, such as 20000,50000 for finding what grows faster
		// than the number of Ingresses.
		var sizes []int
		for _, f := range strings.Split(list, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("INGRESSMUX_BENCH_SIZES: %q is not a positive number", f)
			}
			sizes = append(sizes, n)
		}
		return sizes
	}
	sizes := []int{1_000, 10_000}
	if os.Getenv("INGRESSMUX_BENCH_100K") != "" {
		sizes = append(sizes, 100_000)
	}
	return sizes
}

// benchIngress renders Ingress i; version changes its third path.
func benchIngress(i, version int) string {
	return fmt.Sprintf(`---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-%d
  namespace: team-%d
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: "8m"
spec:
  ingressClassName: nginx
  rules:
    - host: app-%d.example.com
      http:
        paths:
          - path: /api/v%d
            pathType: Prefix
            backend: {service: {name: api-%d, port: {number: 8080}}}
          - path: /static/%d
            pathType: Exact
            backend: {service: {name: web-%d, port: {name: http}}}
          - path: /pages/%d/v%d
            pathType: ImplementationSpecific
            backend: {service: {name: web-%d, port: {number: 80}}}
`, i, i%50, i/3, i, i/100, i, i, i, version, i)
}

// benchService renders the Service api-k of namespace team-ns and its
// EndpointSlice; version moves the endpoints.
func benchService(k, ns, version int) string {
	return fmt.Sprintf(`---
apiVersion: v1
kind: Service
metadata: {name: api-%d, namespace: team-%d}
spec:
  ports: [{name: http, port: 8080, targetPort: 8080}]
%s`, k, ns, benchSlice(k, ns, version))
}

func benchSlice(k, ns, version int) string {
	return fmt.Sprintf(`---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-%d-1, namespace: team-%d, labels: {kubernetes.io/service-name: api-%d}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.18.%d.%d]}, {addresses: [198.18.%d.%d]}]
`, k, ns, k, version%200, k%250+1, version%200, k%250+2)
}

// writeBenchFiles writes n Ingresses into files of 100 Ingresses each
// (with the Services their first Ingress's namespace uses) and returns the
// directory.
func writeBenchFiles(b *testing.B, n int) string {
	dir := b.TempDir()
	for f := 0; f*100 < n; f++ {
		var s strings.Builder
		for i := f * 100; i < min(n, (f+1)*100); i++ {
			s.WriteString(benchIngress(i, 0))
			if i%100 < 50 { // api-(i/100) in each namespace team-0..49
				s.WriteString(benchService(i/100, i%50, 0))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.yaml", f)), []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

func benchLoad(b *testing.B, dir string) *Mux {
	m, err := Load(context.Background(), Config{Paths: []string{dir}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkLoad is the initial load from YAML files; it reports the heap a
// loaded Mux keeps as "heap-MB".
func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := writeBenchFiles(b, n)
			b.ReportAllocs()
			for b.Loop() {
				benchLoad(b, dir)
			}
			b.StopTimer()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m := benchLoad(b, dir)
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(m)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		})
	}
}

// decodeBench decodes one object for a change.
func decodeBench(b *testing.B, doc string) any {
	set, err := ingress.DecodeBytes("change.yaml", []byte(doc))
	if err != nil {
		b.Fatal(err)
	}
	if len(set.Ingresses) == 1 {
		return set.Ingresses[0]
	}
	return set.EndpointSlices[0]
}

// BenchmarkApplyIngress is one Ingress changed through Mux.Apply: from the
// call to the new table being served.
func BenchmarkApplyIngress(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := writeBenchFiles(b, n)
			start := time.Now()
			m := benchLoad(b, dir)
			loaded := time.Since(start)
			defer func() { b.ReportMetric(loaded.Seconds(), "load-s") }()
			i := n / 2
			versions := []any{decodeBench(b, benchIngress(i, 1)), decodeBench(b, benchIngress(i, 2))}
			ctx := context.Background()
			// The first change after a load lays the proxy's table out in
			// shards (see route.Splice): a one-time cost, reported apart.
			start = time.Now()
			if err := m.Apply(ctx, ingress.Update(decodeBench(b, benchIngress(i, 3)))); err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			defer func() { b.ReportMetric(float64(first.Milliseconds()), "first-change-ms") }()
			runtime.GC() // the load's garbage is not the change's
			b.ReportAllocs()
			for k := 0; b.Loop(); k++ {
				if err := m.Apply(ctx, ingress.Update(versions[k%2])); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApplyEndpointSlice is one EndpointSlice changed through
// Mux.Apply; it fails if the route table was rebuilt.
func BenchmarkApplyEndpointSlice(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchLoad(b, writeBenchFiles(b, n))
			k := n / 200
			versions := []any{decodeBench(b, benchSlice(k, 0, 1)), decodeBench(b, benchSlice(k, 0, 2))}
			table := m.live.table
			ctx := context.Background()
			runtime.GC()
			b.ReportAllocs()
			for j := 0; b.Loop(); j++ {
				if err := m.Apply(ctx, ingress.Update(versions[j%2])); err != nil {
					b.Fatal(err)
				}
			}
			if m.live.table != table {
				b.Fatal("an EndpointSlice change rebuilt the route table")
			}
		})
	}
}

// BenchmarkReloadOneFile is one file of 100 Ingresses rewritten with one
// Ingress changed, then Reload.
func BenchmarkReloadOneFile(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := writeBenchFiles(b, n)
			m := benchLoad(b, dir)
			f := n / 200
			file := filepath.Join(dir, fmt.Sprintf("f%05d.yaml", f))
			orig, err := os.ReadFile(file)
			if err != nil {
				b.Fatal(err)
			}
			i := f * 100
			contents := [][]byte{
				[]byte(strings.Replace(string(orig), benchIngress(i, 0), benchIngress(i, 1), 1)),
				[]byte(strings.Replace(string(orig), benchIngress(i, 0), benchIngress(i, 2), 1)),
			}
			runtime.GC()
			b.ReportAllocs()
			for k := 0; b.Loop(); k++ {
				if err := os.WriteFile(file, contents[k%2], 0o644); err != nil {
					b.Fatal(err)
				}
				if err := m.Reload(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
