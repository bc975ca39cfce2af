package tracing_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tracing"
)

// backend records the trace headers of the requests it gets.
type backend struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.headers = append(b.headers, r.Header.Clone())
		b.mu.Unlock()
		_, _ = w.Write([]byte("hello"))
	}))
	t.Cleanup(b.Close)
	return b
}

// newProxy returns a Handler with one Ingress route to endpoints of
// "default/web:80", traced by tr (nil: tracing off).
func newProxy(t *testing.T, tr *tracing.Tracer, endpoints ...string) http.Handler {
	t.Helper()
	rt := &proxy.Route{Upstream: &proxy.Upstream{Name: "default/web:80", Endpoints: endpoints},
		Name: "ingress default/shop", Object: proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "shop"},
		Retry: proxy.Retry{OnError: true}}
	table, err := route.New([]route.Rule{{Host: "shop.example.com", Path: "/api", Type: route.Prefix,
		Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}, Value: rt}})
	require.NoError(t, err)
	h, err := proxy.New(proxy.Config{Table: table, WrapTransport: tr.WrapTransport, MaxFails: -1})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return tr.Handler(h)
}

const (
	traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tracestate  = "vendor=opaque"
)

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]string {
	m := map[attribute.Key]string{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value.String()
	}
	return m
}

// TestSpans checks the server span and the client spans of a request that
// was retried: parentage from the client's traceparent, names,
// attributes, and the trace context the backend receives.
func TestSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := tracing.New(tracing.Options{TracerProvider: tp})
	web := newBackend(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	h := newProxy(t, tr, dead, web.Listener.Addr().String())

	r := httptest.NewRequest("GET", "http://shop.example.com/api/users/7", nil)
	r.Header.Set("traceparent", traceparent)
	r.Header.Set("tracestate", tracestate)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, 200, w.Code)

	spans := rec.Ended()
	require.Len(t, spans, 3, "two attempts and the request")
	var server sdktrace.ReadOnlySpan
	var clients []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			server = s
		} else {
			clients = append(clients, s)
		}
	}
	require.NotNil(t, server)
	assert.Equal(t, "GET /api", server.Name())
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", server.SpanContext().TraceID().String(), "joins the client's trace")
	assert.Equal(t, "00f067aa0ba902b7", server.Parent().SpanID().String())
	assert.Equal(t, "vendor=opaque", server.SpanContext().TraceState().String())
	sa := attrs(server)
	for k, v := range map[attribute.Key]string{
		"http.request.method": "GET", "url.path": "/api/users/7", "http.route": "/api", "http.response.status_code": "200",
		"server.address": "shop.example.com", "ingressmux.action": "proxy", "ingressmux.route": "ingress default/shop",
		"ingressmux.namespace": "default", "ingressmux.ingress": "shop", "ingressmux.backend": "default/web:80",
		"ingressmux.upstream": "default/web:80", "ingressmux.canary": "false",
	} {
		assert.Equal(t, v, sa[k], k)
	}
	assert.Equal(t, codes.Unset, server.Status().Code)

	require.Len(t, clients, 2)
	for i, c := range clients {
		assert.Equal(t, trace.SpanKindClient, c.SpanKind())
		assert.Equal(t, "GET", c.Name())
		assert.Equal(t, server.SpanContext().SpanID(), c.Parent().SpanID(), "attempt %d: child of the request", i)
		ca := attrs(c)
		assert.Equal(t, "default/web:80", ca["ingressmux.upstream"])
		assert.Equal(t, "ingress default/shop", ca["ingressmux.route"])
	}
	assert.Equal(t, dead, attrs(clients[0])["ingressmux.endpoint"])
	assert.Equal(t, codes.Error, clients[0].Status().Code, "the refused attempt")
	assert.NotEmpty(t, clients[0].Events(), "its error is recorded")
	second := attrs(clients[1])
	assert.Equal(t, web.Listener.Addr().String(), second["ingressmux.endpoint"])
	assert.Equal(t, "1", second["http.request.resend_count"])
	assert.Equal(t, "200", second["http.response.status_code"])
	assert.True(t, strings.HasPrefix(second["url.full"], "http://"+web.Listener.Addr().String()+"/api/users/7"), second["url.full"])

	require.Len(t, web.headers, 1)
	got := web.headers[0].Get("traceparent")
	assert.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-"+clients[1].SpanContext().SpanID().String()+"-01", got,
		"the backend's parent is the attempt that reached it")
	assert.Equal(t, tracestate, web.headers[0].Get("tracestate"))
}

// TestServerSpanWithoutRoute checks a request no rule matched: a root
// span named after the method, with the 404.
func TestServerSpanWithoutRoute(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tr := tracing.New(tracing.Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	h := newProxy(t, tr, newBackend(t).Listener.Addr().String())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://other.example.com/x", nil))
	spans := rec.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, "GET", spans[0].Name())
	assert.False(t, spans[0].Parent().IsValid(), "a new trace")
	assert.Equal(t, "404", attrs(spans[0])["http.response.status_code"])
	assert.Equal(t, "not-found", attrs(spans[0])["ingressmux.action"])
}

// TestTracingOff checks that without a TracerProvider nothing is wrapped
// and a client's traceparent and tracestate reach the backend unchanged.
func TestTracingOff(t *testing.T) {
	tr := tracing.New(tracing.Options{})
	require.Nil(t, tr)
	inner := http.NewServeMux()
	assert.Same(t, inner, tr.Handler(inner), "Handler returns its argument")
	assert.Nil(t, tr.WrapTransport(proxy.Upstream{Name: "x"}, http.DefaultTransport))

	web := newBackend(t)
	h := newProxy(t, tr, web.Listener.Addr().String())
	r := httptest.NewRequest("GET", "http://shop.example.com/api/", nil)
	r.Header.Set("traceparent", traceparent)
	r.Header.Set("tracestate", tracestate)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, 200, w.Code)
	require.Len(t, web.headers, 1)
	assert.Equal(t, []string{traceparent}, web.headers[0].Values("traceparent"))
	assert.Equal(t, []string{tracestate}, web.headers[0].Values("tracestate"))
}

// TestUnsampledPassesTheContextOn checks a request whose trace is not
// sampled: no span is recorded, and the backend gets the client's trace
// with the not-sampled flag, so that it does not sample it either.
func TestUnsampledPassesTheContextOn(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	web := newBackend(t)
	h := newProxy(t, tracing.New(tracing.Options{TracerProvider: tp}), web.Listener.Addr().String())
	r := httptest.NewRequest("GET", "http://shop.example.com/api/", nil)
	r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Empty(t, rec.Ended())
	require.Len(t, web.headers, 1)
	assert.Regexp(t, "^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$", web.headers[0].Get("traceparent"))
}
