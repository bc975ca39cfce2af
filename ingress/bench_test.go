package ingress

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// manyIngresses renders n Ingresses of three paths each, on n/3 hosts, as
// one YAML stream.
func manyIngresses(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
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
          - path: /pages/%d
            pathType: ImplementationSpecific
            backend: {service: {name: web-%d, port: {number: 80}}}
`, i, i%50, i/3, i, i, i, i, i, i)
	}
	return []byte(b.String())
}

// BenchmarkLoad10k measures each stage for 10,000 Ingresses (30,000 paths):
// decoding the YAML, validating, and compiling the merged table. It reports
// the heap the compiled table keeps alive as "table-heap-MB".
func BenchmarkLoad10k(b *testing.B) {
	data := manyIngresses(10_000)
	set, err := DecodeBytes("bench.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeBytes("bench.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := set.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile", func(b *testing.B) {
		// Measure what a program's Compile does, without the record of
		// compiled routes that the package's tests keep.
		defer func(record bool) { recordCompiled = record }(recordCompiled)
		recordCompiled = false
		b.ReportAllocs()
		var compiled *Compiled
		for b.Loop() {
			compiled, err = Compile(set, Options{})
			if err != nil {
				b.Fatal(err)
			}
		}
		if n := len(compiled.Table.Rules()); n != 30_000 {
			b.Fatalf("table has %d rules, want 30000", n)
		}
		var before, after runtime.MemStats
		compiled = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		compiled, _ = Compile(set, Options{})
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "table-heap-MB")
		runtime.KeepAlive(compiled)
	})
}
