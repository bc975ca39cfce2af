package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ingressmux/ingressmux/metrics"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Example serves a proxy whose requests are counted under ingress-nginx's
// metric names, and scrapes the registry the program serves at /metrics.
func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	defer backend.Close()

	collector, err := metrics.New(metrics.Options{ControllerClass: "nginx", NoHostLabel: true})
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector)

	web := &proxy.Route{
		Upstream: &proxy.Upstream{Name: "default/web:80", Endpoints: []string{backend.Listener.Addr().String()}},
		Object:   proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "shop"},
	}
	table, err := route.New([]route.Rule{{Host: "shop.example.com", Path: "/api", Type: route.Prefix,
		Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}, Value: web}})
	if err != nil {
		panic(err)
	}
	h, err := proxy.New(proxy.Config{Table: table, Observe: collector.Observe})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	for _, uri := range []string{"/api/users/1", "/api/users/2", "/api/orders?id=7"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://shop.example.com"+uri, nil))
	}

	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "nginx_ingress_controller_requests{") {
			fmt.Println(line)
		}
	}
	// Output:
	// nginx_ingress_controller_requests{canary="",controller_class="nginx",controller_namespace="",controller_pod="",ingress="shop",method="GET",namespace="default",path="/api",service="web",status="200"} 3
}
