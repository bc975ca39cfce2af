package tracing

import (
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation is the name under which the spans are made.
const instrumentation = "github.com/ingressmux/ingressmux/tracing"

// Options configure a Tracer.
type Options struct {
	// TracerProvider makes the spans: the program's own, with its
	// exporter, sampler and resource. Nil turns tracing off: New returns
	// nil.
	TracerProvider trace.TracerProvider
	// Propagator reads the trace context of incoming requests and writes
	// it into requests to backends. Nil means W3C Trace Context
	// (traceparent and tracestate) with W3C Baggage.
	Propagator propagation.TextMapPropagator
}

// Tracer makes a server span per request and a client span per attempt to
// an upstream. A nil *Tracer is tracing turned off: its Handler returns
// the handler it is given and its WrapTransport wraps nothing, so that
// requests cost exactly what they cost without it.
type Tracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// New returns a Tracer, or nil when opts.TracerProvider is nil.
func New(opts Options) *Tracer {
	if opts.TracerProvider == nil {
		return nil
	}
	prop := opts.Propagator
	if prop == nil {
		prop = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	return &Tracer{tracer: opts.TracerProvider.Tracer(instrumentation), prop: prop}
}

// carrier reads and writes the headers of a request for a propagator.
func carrier(h http.Header) propagation.HeaderCarrier { return propagation.HeaderCarrier(h) }
