package cluster_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ingressmux/ingressmux/cluster"
)

// BenchmarkPropagation measures, with N Ingresses in the cluster, the time
// from an Ingress update written to the (fake) apiserver to the first
// lookup that routes its new host: watch, debounce (10 ms here, 100 ms by
// default), snapshot, validate, compile, swap. ns/op is per update.
func BenchmarkPropagation(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("ingresses=%d", n), func(b *testing.B) {
			objects := []runtime.Object{newService("default", "web")}
			for i := range n {
				objects = append(objects, newIngress("default", fmt.Sprintf("web-%d", i), fmt.Sprintf("host-%d.example.com", i), "", "1"))
			}
			h := start(b, cluster.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, objects...)
			ing := h.getIngress("default", "web-0")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				host := fmt.Sprintf("moved-%d.example.com", i)
				ing.Spec.Rules[0].Host = host
				h.updateIngress(ing)
				for deadline := time.Now().Add(time.Minute); h.routes(host+"/") == ""; {
					if time.Now().After(deadline) {
						b.Fatalf("update %d never routed", i)
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
}
