package metrics_test

import (
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/metrics"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// observed is the Info of a proxied request with one attempt, as the
// Handler gives it to Observe.
func observed() *proxy.Info {
	rt := &proxy.Route{Object: proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "shop"}}
	return &proxy.Info{
		Method: "GET", Action: proxy.ActionProxy, Status: 200, UpstreamStatus: 200, Canary: -1,
		Rule:     &route.Rule{Host: "shop.example.com", Path: "/", Type: route.Prefix, Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}},
		Route:    rt,
		Attempts: []proxy.Attempt{{Endpoint: "10.0.0.1:80", FirstByte: time.Millisecond, Status: 200}},
		BytesOut: 1234, Total: 2 * time.Millisecond, UpstreamTime: time.Millisecond,
	}
}

// TestObserveAllocatesNothing checks that recording a request whose
// series exist allocates nothing, so that metrics add no garbage per
// request.
func TestObserveAllocatesNothing(t *testing.T) {
	c, err := metrics.New(metrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := observed()
	c.Observe(info)
	if n := testing.AllocsPerRun(1000, func() { c.Observe(info) }); n != 0 {
		t.Errorf("Observe allocates %v times per request, want 0", n)
	}
}

// BenchmarkObserve measures recording one proxied request, serially and
// from every CPU at once.
func BenchmarkObserve(b *testing.B) {
	c, err := metrics.New(metrics.Options{})
	if err != nil {
		b.Fatal(err)
	}
	info := observed()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Observe(info)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Observe(info)
			}
		})
	})
}
