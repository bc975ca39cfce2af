package ingressmux

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkReloadFull is a full rebuild of what is served: every Ingress
// compiled again and every route prepared again by the proxy (Resolve,
// which skips reading the files), at 1,000 and 10,000 Ingresses.
func BenchmarkReloadFull(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchLoad(b, writeBenchFiles(b, n))
			ctx := context.Background()
			runtime.GC()
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Resolve(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
