package tracing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tracing"
)

// Example traces a proxy with the program's TracerProvider (here one that
// keeps spans in memory; a server would export them over OTLP). The
// backend receives the trace context of the attempt that reached it.
func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("backend got a traceparent:", r.Header.Get("traceparent") != "")
	}))
	defer backend.Close()

	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())
	tr := tracing.New(tracing.Options{TracerProvider: tp})

	web := &proxy.Route{
		Upstream: &proxy.Upstream{Name: "default/web:80", Endpoints: []string{backend.Listener.Addr().String()}},
		Name:     "ingress default/shop",
	}
	table, err := route.New([]route.Rule{{Host: "shop.example.com", Path: "/api", Type: route.Prefix, Value: web}})
	if err != nil {
		panic(err)
	}
	h, err := proxy.New(proxy.Config{Table: table, WrapTransport: tr.WrapTransport})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	tr.Handler(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://shop.example.com/api/users", nil))

	for _, s := range exporter.GetSpans() {
		fmt.Println(s.SpanKind, s.Name)
	}
	// Output:
	// backend got a traceparent: true
	// client GET
	// server GET /api
}
