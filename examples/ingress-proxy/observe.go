package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/metrics"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/statuspage"
	"github.com/ingressmux/ingressmux/tracing"
)

// observeOptions are the flags of metrics, tracing and the status page.
type observeOptions struct {
	metrics, perHost, perPath, statusClasses bool
	timeBuckets, sizeBuckets                 floatList
	bucketFactor                             float64
	otlpEndpoint                             string
	traceSampleRatio                         float64
	statusPage                               bool
}

func (o *observeOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.metrics, "metrics", true, "serve Prometheus metrics at /metrics on -admin-listen (ingress-nginx's names and labels)")
	fs.BoolVar(&o.perHost, "metrics-per-host", true, "label request metrics with the rule's host")
	fs.BoolVar(&o.perPath, "metrics-per-path", true, "label request metrics with the rule's path")
	fs.BoolVar(&o.statusClasses, "report-status-classes", false, "label request metrics with status classes (2xx) instead of codes")
	fs.Var(&o.timeBuckets, "time-buckets", "comma-separated bucket `BOUNDS` in seconds of the duration histograms (default Prometheus's)")
	fs.Var(&o.sizeBuckets, "length-buckets", "comma-separated bucket `BOUNDS` in bytes of the size histograms (default 10,20,...,100)")
	fs.Float64Var(&o.bucketFactor, "bucket-factor", 0, "`FACTOR` > 1 makes the histograms native histograms too")
	fs.StringVar(&o.otlpEndpoint, "otlp-endpoint", "", "export OpenTelemetry traces over OTLP/HTTP to `URL`, such as http://127.0.0.1:4318 (default off)")
	fs.Float64Var(&o.traceSampleRatio, "trace-sample-ratio", 1, "share of new traces sampled, 0 to 1; requests that carry a sampled traceparent are always traced")
	fs.BoolVar(&o.statusPage, "status-page", true, "serve the routes page at / on -admin-listen")
}

// floatList is a comma-separated list of numbers.
type floatList []float64

func (f *floatList) String() string { return fmt.Sprint([]float64(*f)) }

func (f *floatList) Set(v string) error {
	*f = nil
	for _, s := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("want numbers separated by commas: %w", err)
		}
		*f = append(*f, x)
	}
	return nil
}

// observer is what the serving mode reports to: metrics, traces, the
// status page.
type observer struct {
	registry *prometheus.Registry // nil without metrics
	metrics  *metrics.Collector
	tracer   *tracing.Tracer // nil without tracing
	provider *sdktrace.TracerProvider
	page     bool
	logger   *slog.Logger

	mux    atomic.Pointer[ingressmux.Mux]
	mu     sync.Mutex
	reload statuspage.Reload // the last one
}

// newObserver builds what o asks for and sets cfg's hooks to feed it.
// Metrics and the page exist only with an admin listener to serve them.
func newObserver(ctx context.Context, o observeOptions, admin bool, cfg *ingressmux.Config, logger *slog.Logger) (*observer, error) {
	ob := &observer{page: admin && o.statusPage, logger: logger}
	if admin && o.metrics {
		c, err := metrics.New(metrics.Options{
			ControllerNamespace: os.Getenv("POD_NAMESPACE"),
			ControllerClass:     orDefault(cfg.Options.IngressClass, "ingressmux"),
			ControllerPod:       orDefault(os.Getenv("POD_NAME"), hostname()),
			NoHostLabel:         !o.perHost,
			NoPathLabel:         !o.perPath,
			StatusClasses:       o.statusClasses,
			TimeBuckets:         o.timeBuckets,
			SizeBuckets:         o.sizeBuckets,

			NativeHistogramBucketFactor: o.bucketFactor,
			Upstreams:                   ob.upstreams,
		})
		if err != nil {
			return nil, err
		}
		ob.metrics = c
		ob.registry = prometheus.NewRegistry()
		ob.registry.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		cfg.Hooks.Observe = c.Observe
	}
	if o.otlpEndpoint != "" {
		if err := ob.startTracing(ctx, o); err != nil {
			return nil, err
		}
		cfg.Hooks.WrapTransport = ob.tracer.WrapTransport
	}
	cfg.Hooks.Reloaded = ob.reloaded
	return ob, nil
}

// startTracing sets up the OTLP/HTTP exporter and the TracerProvider.
func (ob *observer) startTracing(ctx context.Context, o observeOptions) error {
	u, err := url.Parse(o.otlpEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-otlp-endpoint: invalid value %q: want an http:// or https:// URL such as http://127.0.0.1:4318", o.otlpEndpoint)
	}
	if o.traceSampleRatio < 0 || o.traceSampleRatio > 1 {
		return fmt.Errorf("-trace-sample-ratio: invalid value %v: want a number from 0 to 1", o.traceSampleRatio)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(o.otlpEndpoint)}
	if u.Path == "" || u.Path == "/" {
		opts = append(opts, otlptracehttp.WithURLPath("/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return fmt.Errorf("-otlp-endpoint: %w", err)
	}
	res := resource.NewSchemaless(semconv.ServiceName("ingress-proxy"), semconv.ServiceInstanceID(hostname()))
	ob.provider = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.traceSampleRatio))))
	ob.tracer = tracing.New(tracing.Options{TracerProvider: ob.provider})
	return nil
}

// attach is called once the Mux is loaded.
func (ob *observer) attach(mux *ingressmux.Mux) {
	ob.mux.Store(mux)
	ob.certificates(mux)
}

// reloaded is the Mux's Hooks.Reloaded.
func (ob *observer) reloaded(r ingressmux.ReloadResult) {
	ob.mu.Lock()
	ob.reload = statuspage.Reload{Op: r.Op, At: r.Start, Took: r.Duration, Err: r.Err}
	ob.mu.Unlock()
	if ob.metrics != nil {
		ob.metrics.Reloaded(r.Op, r.Duration, r.Err, r.Routes)
	}
	if mux := ob.mux.Load(); mux != nil && r.Err == nil {
		ob.certificates(mux)
		ob.retain(mux)
	}
}

// retain drops the request series of Ingresses the new table no longer
// has.
func (ob *observer) retain(mux *ingressmux.Mux) {
	if ob.metrics == nil {
		return
	}
	served := map[[2]string]bool{}
	for _, rule := range mux.Compiled().Table.Rules() {
		if r, ok := rule.Value.(*proxy.Route); ok {
			served[[2]string{r.Object.Namespace, r.Object.Name}] = true
		}
	}
	ob.metrics.Retain(func(ns, name string) bool { return served[[2]string{ns, name}] })
}

// certificates exports the expiry of the certificate served for each TLS
// host.
func (ob *observer) certificates(mux *ingressmux.Mux) {
	if ob.metrics == nil {
		return
	}
	cfg := mux.TLSConfig()
	if cfg.GetCertificate == nil {
		return
	}
	expiry := map[string]time.Time{}
	for _, t := range mux.Compiled().TLS {
		if t.Host == "" {
			continue
		}
		name := t.Host
		if strings.HasPrefix(name, "*.") {
			name = "wildcard" + name[1:] // a name the wildcard covers
		}
		cert, err := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
		if err != nil || cert == nil || len(cert.Certificate) == 0 {
			continue
		}
		leaf := cert.Leaf
		if leaf == nil {
			if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
				continue
			}
		}
		expiry[t.Host] = leaf.NotAfter
	}
	ob.metrics.SetCertificates(expiry)
}

// upstreams is the metrics' Options.Upstreams.
func (ob *observer) upstreams() []proxy.UpstreamStatus {
	if mux := ob.mux.Load(); mux != nil {
		return mux.Upstreams()
	}
	return nil
}

// wrap traces h when tracing is on.
func (ob *observer) wrap(h http.Handler) http.Handler { return ob.tracer.Handler(h) }

// leading returns the function that tells the metrics whether this
// replica holds the election Lease name (cluster mode); nil without
// metrics.
func (ob *observer) leading(name string) func(bool) {
	if ob.metrics == nil {
		return nil
	}
	return func(leading bool) { ob.metrics.SetLeader(name, leading) }
}

// mount adds /metrics and the status page to the admin mux.
func (ob *observer) mount(mux *http.ServeMux) {
	if ob.registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(ob.registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(ob.logger.Handler(), slog.LevelWarn)}))
	}
	if ob.page {
		mux.Handle("GET /{$}", statuspage.Handler(ob.snapshot))
	}
}

// snapshot is what the status page shows now.
func (ob *observer) snapshot() statuspage.Snapshot {
	var s statuspage.Snapshot
	ob.mu.Lock()
	s.LastReload = ob.reload
	ob.mu.Unlock()
	mux := ob.mux.Load()
	if mux == nil {
		return s
	}
	s.Rules = mux.Compiled().Table.Rules()
	s.Upstreams = mux.Upstreams()
	for _, w := range mux.Warnings() {
		s.Warnings = append(s.Warnings, w.String())
	}
	return s
}

// close flushes the traces not yet exported.
func (ob *observer) close(ctx context.Context) {
	if ob.provider == nil {
		return
	}
	if err := ob.provider.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		ob.logger.Warn("exporting the last traces", "err", err)
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
