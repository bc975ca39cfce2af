package tracing

import (
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/ingressmux/ingressmux/proxy"
)

// Attribute keys of ingressmux's own, beside OpenTelemetry's semantic
// conventions for HTTP.
const (
	// AttrAction is what the proxy did: proxy, redirect, deny... (proxy.Action).
	AttrAction = attribute.Key("ingressmux.action")
	// AttrRoute names the route, such as "ingress default/web".
	AttrRoute = attribute.Key("ingressmux.route")
	// AttrNamespace and AttrIngress name the object that declared the route.
	AttrNamespace = attribute.Key("ingressmux.namespace")
	AttrIngress   = attribute.Key("ingressmux.ingress")
	// AttrBackend is the rule's backend, "namespace/service:port".
	AttrBackend = attribute.Key("ingressmux.backend")
	// AttrUpstream names the upstream a request was sent to, such as
	// "default/web:80" (a canary's or a default backend's included).
	AttrUpstream = attribute.Key("ingressmux.upstream")
	// AttrEndpoint is the "host:port" of the endpoint an attempt went to.
	AttrEndpoint = attribute.Key("ingressmux.endpoint")
	// AttrCanary is set on requests a canary served.
	AttrCanary = attribute.Key("ingressmux.canary")
)

// Handler returns next wrapped to trace every request: the trace context
// of the request's headers (traceparent, tracestate) is the parent of a
// server span that covers the request, named after its method and the
// matched Ingress path ("GET /api"), with the route, Ingress, backend and
// upstream as attributes once next has served it. next is usually the
// proxy.Handler or the ingressmux.Mux; with a nil Tracer, Handler returns
// next itself.
func (t *Tracer) Handler(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.prop.Extract(r.Context(), carrier(r.Header))
		ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		if !span.IsRecording() {
			// Not sampled: nothing to describe, only the context to pass
			// on (see WrapTransport).
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		r, info := proxy.WithInfo(r.WithContext(ctx))
		next.ServeHTTP(w, r)
		// All at once: each SetAttributes call grows the span's list.
		span.SetAttributes(describe(span, r, info, requestAttributes(r))...)
	})
}

// requestAttributes are the attributes of r known before it is served.
func requestAttributes(r *http.Request) []attribute.KeyValue {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	attrs := make([]attribute.KeyValue, 0, 20) // room for describe's too
	attrs = append(attrs,
		semconv.HTTPRequestMethodKey.String(r.Method),
		semconv.URLPathKey.String(r.URL.Path),
		semconv.URLSchemeKey.String(scheme),
		semconv.ServerAddressKey.String(hostOnly(r.Host)),
		semconv.NetworkProtocolVersionKey.String(strconv.Itoa(r.ProtoMajor)+"."+strconv.Itoa(r.ProtoMinor)),
	)
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		attrs = append(attrs, semconv.ClientAddressKey.String(host))
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginalKey.String(ua))
	}
	return attrs
}

// describe names span after the route info matched and appends what the
// proxy did to attrs.
func describe(span trace.Span, r *http.Request, info *proxy.Info, attrs []attribute.KeyValue) []attribute.KeyValue {
	if info.Rule != nil && info.Rule.Path != "" {
		span.SetName(r.Method + " " + info.Rule.Path)
		attrs = append(attrs, semconv.HTTPRouteKey.String(info.Rule.Path), AttrBackend.String(info.Rule.Backend.String()))
	}
	attrs = append(attrs, AttrAction.String(string(info.Action)))
	if info.Status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCodeKey.Int(info.Status))
	}
	if rt := info.Route; rt != nil {
		attrs = append(attrs, AttrRoute.String(rt.Name), AttrNamespace.String(rt.Object.Namespace), AttrIngress.String(rt.Object.Name))
	}
	if u := info.Upstream; u != nil {
		attrs = append(attrs, AttrUpstream.String(u.Name), AttrCanary.Bool(info.Canary >= 0))
	}
	// Server spans are errors for 5xx only: 4xx are the client's.
	if info.Status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(info.Status))
	}
	if info.Err != nil {
		span.RecordError(info.Err)
	}
	return attrs
}

// hostOnly strips the port from a Host header.
func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}
