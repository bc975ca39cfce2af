// Package tracing traces an ingressmux proxy with OpenTelemetry: the W3C
// trace context (traceparent, tracestate) of each request is read, a
// server span covers the request, a client span covers each attempt to
// send it to an endpoint, and the client span's context is written into
// the request the backend receives, so that the backend's spans join the
// client's trace through the proxy.
//
// A program makes a Tracer from its own trace.TracerProvider (with the
// exporter, sampler and resource it wants: OTLP, a collector, an
// in-memory recorder in tests), wraps its handler with Handler and sets
// WrapTransport as the proxy's WrapTransport hook:
//
//	t := tracing.New(tracing.Options{TracerProvider: tp})
//	cfg.Hooks.WrapTransport = t.WrapTransport
//	mux, err := ingressmux.Load(ctx, cfg)
//	http.ListenAndServe(addr, t.Handler(mux))
//
// # Spans
//
// The server span is named after the method and the matched Ingress path
// ("GET /api", or just "GET" when no rule matched). It carries
// OpenTelemetry's HTTP attributes (http.request.method, url.path,
// url.scheme, server.address, client.address, user_agent.original,
// http.route, http.response.status_code) and ingressmux's: the action
// (ingressmux.action), the route (ingressmux.route), the Ingress
// (ingressmux.namespace, ingressmux.ingress), the rule's backend
// (ingressmux.backend), the upstream it went to (ingressmux.upstream) and
// whether a canary served it (ingressmux.canary). It is an error for 5xx
// answers.
//
// Each client span is named after the method and carries the upstream,
// the endpoint (ingressmux.endpoint, server.address, server.port), the
// URL sent (url.full), the retry count (http.request.resend_count) and the
// status; it is an error when the attempt failed or the backend answered
// 4xx or 5xx. It ends when the response body has been copied.
//
// # Off
//
// Tracing is off unless a program turns it on: New with a nil
// TracerProvider returns a nil Tracer, whose Handler is the handler it is
// given and whose WrapTransport wraps nothing. Requests then cost what
// they cost without this package, and a traceparent header a client sends
// reaches the backend unchanged, as every other header does.
package tracing
