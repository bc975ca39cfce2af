package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ingressmux/ingressmux/proxy"
)

// requestMetrics are ingress-nginx's request metrics, with its names and
// label names, and ingressmux's per-Ingress request counters.
type requestMetrics struct {
	statusClasses, noHost, noPath bool

	requests                                           *prometheus.CounterVec
	requestTime, responseTime, connectTime, headerTime *prometheus.HistogramVec
	requestSize, responseSize                          *prometheus.HistogramVec
	retries, rateLimited, denied                       *prometheus.CounterVec

	mu     sync.RWMutex
	series map[seriesKey]*series
}

// seriesKey is the label values of one request series. Every string in
// it comes from the configuration (the matched rule and route) or from a
// fixed set (method, status), never from the request: so the number of
// keys is bounded by the configuration, and building one allocates
// nothing.
type seriesKey struct {
	status, method                                  string
	path, namespace, ingress, service, canary, host string
}

// series are the metrics of one seriesKey, looked up once. Those that
// not every request has are made on first use, so that a 404 or a
// refusal adds no empty upstream histograms.
type series struct {
	lv, ing                                []string // label values of the request and per-Ingress metrics
	requests                               prometheus.Counter
	requestTime, requestSize, responseSize prometheus.Observer
	upstream                               atomic.Pointer[upstreamSeries]
	retries, rateLimited, denied, auth     atomic.Pointer[prometheus.Counter]
}

// upstreamSeries are the timings of requests sent to an upstream.
type upstreamSeries struct {
	responseTime, connectTime, headerTime prometheus.Observer
}

func newRequestMetrics(opts Options, constLabels prometheus.Labels) *requestMetrics {
	labels := []string{"status", "method", "path", "namespace", "ingress", "service", "canary"}
	if opts.NoPathLabel {
		labels = []string{"status", "method", "namespace", "ingress", "service", "canary"}
	}
	if !opts.NoHostLabel {
		labels = append(labels, "host")
	}
	histogram := func(name, help string, buckets []float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(histogramOpts(opts, prometheus.HistogramOpts{
			Namespace: nginxNamespace, Name: name, Help: help, ConstLabels: constLabels, Buckets: buckets,
		}), labels)
	}
	perIngress := []string{"namespace", "ingress", "service"}
	return &requestMetrics{
		statusClasses: opts.StatusClasses, noHost: opts.NoHostLabel, noPath: opts.NoPathLabel,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: nginxNamespace, Name: "requests", ConstLabels: constLabels,
			Help: "The total number of client requests",
		}, labels),
		requestTime: histogram("request_duration_seconds",
			"The request processing time in seconds, from the request's headers to the end of the response", opts.TimeBuckets),
		responseTime: histogram("response_duration_seconds",
			"The time spent on receiving the response from the upstream server, from the first attempt to the end of the body", opts.TimeBuckets),
		connectTime: histogram("connect_duration_seconds",
			"The time spent on establishing a connection with the upstream server", opts.TimeBuckets),
		headerTime: histogram("header_duration_seconds",
			"The time spent on receiving first header from the upstream server", opts.TimeBuckets),
		requestSize: histogram("request_size",
			"The request body length in bytes", opts.SizeBuckets),
		responseSize: histogram("response_size",
			"The response body length in bytes", opts.SizeBuckets),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ownNamespace, Name: "upstream_retries_total",
			Help: "Requests sent again to another endpoint (proxy-next-upstream), by Ingress and service.",
		}, perIngress),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ownNamespace, Name: "rate_limited_requests_total",
			Help: "Requests refused by a rate or connection limit (limit-rps, limit-rpm, limit-connections), by Ingress and service.",
		}, perIngress),
		denied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ownNamespace, Name: "denied_requests_total",
			Help: "Requests refused by a source range (reason source-range) or by authentication (reason auth), by Ingress and service.",
		}, append(perIngress, "reason")),
		series: make(map[seriesKey]*series),
	}
}

func (m *requestMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.requestTime, m.responseTime, m.connectTime, m.headerTime,
		m.requestSize, m.responseSize, m.retries, m.rateLimited, m.denied}
}

// key returns the labels of info.
func (m *requestMetrics) key(info *proxy.Info) seriesKey {
	k := seriesKey{status: statusLabel(info.Status, m.statusClasses), method: methodLabel(info.Method)}
	if r := info.Rule; r != nil {
		k.service = r.Backend.Service
		if !m.noPath {
			k.path = r.Path
		}
		if !m.noHost {
			k.host = r.Host
		}
	}
	if rt := info.Route; rt != nil {
		k.namespace, k.ingress = rt.Object.Namespace, rt.Object.Name
		if info.Canary >= 0 && info.Canary < len(rt.Canaries) && rt.Canaries[info.Canary].Upstream != nil {
			k.canary = rt.Canaries[info.Canary].Upstream.Name
		}
	}
	return k
}

// get returns the series of k, making it the first time.
func (m *requestMetrics) get(k seriesKey) *series {
	m.mu.RLock()
	s := m.series[k]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s = m.series[k]; s != nil {
		return s
	}
	lv := []string{k.status, k.method, k.path, k.namespace, k.ingress, k.service, k.canary}
	if m.noPath {
		lv = []string{k.status, k.method, k.namespace, k.ingress, k.service, k.canary}
	}
	if !m.noHost {
		lv = append(lv, k.host)
	}
	s = &series{
		lv:           lv,
		ing:          []string{k.namespace, k.ingress, k.service},
		requests:     m.requests.WithLabelValues(lv...),
		requestTime:  m.requestTime.WithLabelValues(lv...),
		requestSize:  m.requestSize.WithLabelValues(lv...),
		responseSize: m.responseSize.WithLabelValues(lv...),
	}
	m.series[k] = s
	return s
}

// upstreamOf returns the upstream timings of s, making them the first
// time.
func (m *requestMetrics) upstreamOf(s *series) *upstreamSeries {
	if u := s.upstream.Load(); u != nil {
		return u
	}
	u := &upstreamSeries{
		responseTime: m.responseTime.WithLabelValues(s.lv...),
		connectTime:  m.connectTime.WithLabelValues(s.lv...),
		headerTime:   m.headerTime.WithLabelValues(s.lv...),
	}
	if !s.upstream.CompareAndSwap(nil, u) {
		return s.upstream.Load() // another request made them: the same series
	}
	return u
}

// counter returns the per-Ingress counter of s in p, making it from vec
// with the extra label values the first time.
func counter(p *atomic.Pointer[prometheus.Counter], vec *prometheus.CounterVec, s *series, extra ...string) prometheus.Counter {
	if c := p.Load(); c != nil {
		return *c
	}
	c := vec.WithLabelValues(append(s.ing[:len(s.ing):len(s.ing)], extra...)...)
	p.CompareAndSwap(nil, &c)
	return c
}

// observe records one request.
func (m *requestMetrics) observe(info *proxy.Info) {
	s := m.get(m.key(info))
	s.requests.Inc()
	s.requestTime.Observe(info.Total.Seconds())
	s.requestSize.Observe(float64(info.BytesIn))
	s.responseSize.Observe(float64(info.BytesOut))
	if n := len(info.Attempts); n > 0 {
		// As in ingress-nginx, the upstream timings exist only for
		// requests that went to an upstream.
		u := m.upstreamOf(s)
		u.responseTime.Observe(info.UpstreamTime.Seconds())
		u.connectTime.Observe(info.Connect.Seconds())
		u.headerTime.Observe(info.Attempts[n-1].FirstByte.Seconds())
		if n > 1 {
			counter(&s.retries, m.retries, s).Add(float64(n - 1))
		}
	}
	switch info.Action {
	case proxy.ActionRateLimit:
		counter(&s.rateLimited, m.rateLimited, s).Inc()
	case proxy.ActionDeny:
		counter(&s.denied, m.denied, s, "source-range").Inc()
	case proxy.ActionAuth:
		counter(&s.auth, m.denied, s, "auth").Inc()
	}
}

// Observe records the request info describes. Set it as the Handler's
// or Mux's Observe hook. It allocates nothing once the request's series
// exist.
func (c *Collector) Observe(info *proxy.Info) { c.requests.observe(info) }
