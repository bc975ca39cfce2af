package tracing

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/ingressmux/ingressmux/proxy"
)

// WrapTransport is a proxy.Config.WrapTransport (and
// ingressmux.Hooks.WrapTransport): every attempt to send a request to an
// endpoint of u gets a client span, child of the request's server span,
// with the upstream, the endpoint and the attempt's number as attributes,
// and its trace context is written into the request's headers
// (traceparent, tracestate), replacing the client's. The span ends when
// the response body is closed, or at the response headers for a protocol
// switch. With a nil Tracer it wraps nothing.
func (t *Tracer) WrapTransport(u proxy.Upstream, next http.RoundTripper) http.RoundTripper {
	if t == nil {
		return nil
	}
	return &transport{t: t, next: next, upstream: AttrUpstream.String(u.Name)}
}

type transport struct {
	t        *Tracer
	next     http.RoundTripper
	upstream attribute.KeyValue
}

// RoundTrip sends req in a client span.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if sc := trace.SpanContextFromContext(req.Context()); sc.IsValid() && !sc.IsSampled() {
		// The request's trace is not sampled: a client span would record
		// nothing, so the backend's parent is the server span, passed on
		// with its not-sampled flag.
		tr.t.prop.Inject(req.Context(), carrier(req.Header))
		return tr.next.RoundTrip(req)
	}
	ctx, span := tr.t.tracer.Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient))
	// The request is the proxy's own, made for this attempt: its headers
	// may be written.
	tr.t.prop.Inject(ctx, carrier(req.Header))
	res, err := tr.next.RoundTrip(req)
	if err != nil {
		if span.IsRecording() {
			span.SetAttributes(tr.attributes(req)...)
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.End()
		return nil, err
	}
	if !span.IsRecording() {
		span.End()
		return res, nil
	}
	// All at once, the status with the rest: each SetAttributes call
	// grows the span's list.
	span.SetAttributes(append(tr.attributes(req), semconv.HTTPResponseStatusCodeKey.Int(res.StatusCode))...)
	if res.StatusCode >= 400 {
		// Client spans count 4xx as errors too: the backend refused.
		span.SetStatus(codes.Error, http.StatusText(res.StatusCode))
	}
	if res.StatusCode == http.StatusSwitchingProtocols || res.Body == nil || res.Body == http.NoBody {
		// An upgraded connection's body is the connection itself, which
		// must keep its type; its span ends here.
		span.End()
		return res, nil
	}
	res.Body = &spanBody{ReadCloser: res.Body, span: span}
	return res, nil
}

// attributes are the attributes of an attempt to send req.
func (tr *transport) attributes(req *http.Request) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 9)
	attrs = append(attrs,
		tr.upstream,
		AttrEndpoint.String(req.URL.Host),
		semconv.HTTPRequestMethodKey.String(req.Method),
		semconv.URLFullKey.String(req.URL.String()),
	)
	if host, port, err := net.SplitHostPort(req.URL.Host); err == nil {
		attrs = append(attrs, semconv.ServerAddressKey.String(host))
		if n, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, semconv.ServerPortKey.Int(n))
		}
	}
	if info := proxy.RequestInfo(req.Context()); info != nil {
		if n := len(info.Attempts); n > 1 {
			attrs = append(attrs, semconv.HTTPRequestResendCountKey.Int(n-1))
		}
		if rt := info.Route; rt != nil {
			attrs = append(attrs, AttrRoute.String(rt.Name))
		}
	}
	return attrs
}

// CloseIdleConnections passes the call on to the wrapped transport.
func (tr *transport) CloseIdleConnections() {
	if c, ok := tr.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// spanBody ends its span once the body has been read to its end or
// closed.
type spanBody struct {
	io.ReadCloser
	span trace.Span
	once sync.Once
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.span.RecordError(err)
	}
	if err != nil {
		b.end()
	}
	return n, err
}

func (b *spanBody) Close() error {
	err := b.ReadCloser.Close()
	b.end()
	return err
}

func (b *spanBody) end() { b.once.Do(func() { b.span.End() }) }
