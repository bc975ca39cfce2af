package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/ingressmux/ingressmux/metrics"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tracing"
)

// memTransport answers every request with the same 1 KiB response without
// a network, so that the benchmark measures the proxy's own work.
type memTransport struct{ resp []byte }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return http.ReadResponse(bufio.NewReader(bytes.NewReader(m.resp)), req)
}

// BenchmarkObservabilityOverhead measures what metrics and tracing add per
// request to a proxy.Handler, against the same Handler without them: all
// send through an in-memory transport (set with WrapTransport, which each
// variant has, so that only the observability differs). "tracing-off" is
// a nil Tracer wired in as a program does when tracing is not asked for;
// "tracing" samples and records every request into a span processor that
// exports nowhere; "tracing-unsampled" has a sampler that samples none.
func BenchmarkObservabilityOverhead(b *testing.B) {
	mem := memTransport{resp: []byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\n\r\n" + strings.Repeat("a", 1024))}
	newTP := func(s sdktrace.Sampler) *sdktrace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s), sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	}
	col, err := metrics.New(metrics.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		observe func(*proxy.Info)
		tracer  *tracing.Tracer
	}{
		{"off", nil, nil},
		{"metrics", col.Observe, nil},
		{"tracing-off", nil, tracing.New(tracing.Options{})},
		{"tracing", nil, tracing.New(tracing.Options{TracerProvider: newTP(sdktrace.AlwaysSample())})},
		{"tracing-unsampled", nil, tracing.New(tracing.Options{TracerProvider: newTP(sdktrace.NeverSample())})},
		{"metrics+tracing", col.Observe, tracing.New(tracing.Options{TracerProvider: newTP(sdktrace.AlwaysSample())})},
	} {
		b.Run(v.name, func(b *testing.B) {
			wrap := func(u proxy.Upstream, _ http.RoundTripper) http.RoundTripper {
				if rt := v.tracer.WrapTransport(u, mem); rt != nil {
					return rt
				}
				return mem
			}
			rt := &proxy.Route{Upstream: &proxy.Upstream{Name: "default/web:80", Endpoints: []string{"10.0.0.1:80"}},
				Name: "ingress default/web", Object: proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"}}
			table, err := route.New([]route.Rule{{Host: "bench.example", Path: "/", Type: route.Prefix,
				Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}, Value: rt}})
			if err != nil {
				b.Fatal(err)
			}
			h, err := proxy.New(proxy.Config{Table: table, Observe: v.observe, WrapTransport: wrap})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			handler := v.tracer.Handler(h)
			local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
			base := context.WithValue(context.Background(), http.LocalAddrContextKey, local)
			w := &discard{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.WithCancel(base)
				r := &http.Request{
					Method: http.MethodGet, URL: &url.URL{Path: "/bench/path", RawQuery: "q=1"},
					Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header: http.Header{"User-Agent": {"bench"}, "Accept": {"*/*"}},
					Host:   "bench.example", RemoteAddr: "127.0.0.1:40000", RequestURI: "/bench/path?q=1", Body: http.NoBody,
				}
				handler.ServeHTTP(w, r.WithContext(ctx))
				cancel()
				if w.status != http.StatusOK || w.n != 1024 {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
				w.status, w.n = 0, 0
				clear(w.header)
			}
		})
	}
}

// discard is a ResponseWriter that keeps only the status and the body
// size.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discard) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	d.n += len(p)
	return len(p), nil
}

var _ io.Writer = (*discard)(nil)
