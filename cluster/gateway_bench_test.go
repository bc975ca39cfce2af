package cluster_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/cluster"
)

// BenchmarkGatewayPropagation measures, with N HTTPRoutes on one Gateway
// in the cluster, the time from an HTTPRoute update written to the (fake)
// apiserver to the first lookup that routes its new hostname: watch,
// debounce (10 ms here), snapshot, validation of every Gateway API object
// (cached by content), compile, swap. ns/op is per update.
func BenchmarkGatewayPropagation(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("httproutes=%d", n), func(b *testing.B) {
			objects := []runtime.Object{newGatewayClass("mux", ours), newGateway("default", "gw", "mux")}
			for i := range n {
				objects = append(objects, newHTTPRoute("default", fmt.Sprintf("route-%d", i), "gw", fmt.Sprintf("host-%d.example.com", i), "web"))
			}
			g := startGateway(b, cluster.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, allGatewayResources, backend(), objects...)
			route := g.httpRoute("default", "route-0")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				host := fmt.Sprintf("moved-%d.example.com", i)
				route.Spec.Hostnames = []gatewayv1.Hostname{gatewayv1.Hostname(host)}
				route.Generation++
				if _, err := g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, route, metav1.UpdateOptions{}); err != nil {
					b.Fatal(err)
				}
				for deadline := time.Now().Add(time.Minute); g.routes(host+"/") == ""; {
					if time.Now().After(deadline) {
						b.Fatalf("update %d never routed", i)
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
}
