package metrics

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ingressmux/ingressmux/proxy"
)

// Options configure a Collector. The zero value gives ingress-nginx's
// defaults: per-host and per-path labels, status codes, its buckets and
// classic histograms.
type Options struct {
	// ControllerNamespace, ControllerClass and ControllerPod are the
	// constant labels controller_namespace, controller_class and
	// controller_pod that ingress-nginx puts on its metrics and its
	// dashboards select by. Empty values are exported as empty labels.
	ControllerNamespace, ControllerClass, ControllerPod string
	// NoHostLabel drops the host label of the request metrics
	// (ingress-nginx's --metrics-per-host=false).
	NoHostLabel bool
	// NoPathLabel drops the path label of the request metrics: one series
	// per Ingress and service instead of one per Ingress path.
	NoPathLabel bool
	// StatusClasses labels statuses by class, "2xx" to "5xx", instead of
	// by code (ingress-nginx's --report-status-classes).
	StatusClasses bool
	// TimeBuckets are the bucket boundaries, in seconds, of the duration
	// histograms. Nil means prometheus.DefBuckets, as ingress-nginx's
	// --time-buckets.
	TimeBuckets []float64
	// SizeBuckets are the bucket boundaries, in bytes, of request_size and
	// response_size. Nil means 10, 20, ... 100, as ingress-nginx's
	// --length-buckets.
	SizeBuckets []float64
	// NativeHistogramBucketFactor, when greater than 1, makes every
	// histogram a native histogram too, with this growth factor between
	// buckets (ingress-nginx's --bucket-factor); the classic buckets are
	// kept for scrapers that do not ask for native histograms.
	NativeHistogramBucketFactor float64
	// NativeHistogramMaxBuckets bounds a native histogram's buckets. Zero
	// means 100, as ingress-nginx's --max-buckets.
	NativeHistogramMaxBuckets uint32
	// Upstreams, when not nil, is asked at each scrape for the upstreams
	// being served, for ingressmux_upstream_endpoints: usually the Handler's
	// or the Mux's Upstreams method.
	Upstreams func() []proxy.UpstreamStatus
}

// Collector is a prometheus.Collector of ingress-nginx's request and
// controller metrics and of ingressmux's own. Feed it requests with
// Observe and reloads with Reloaded; register it in the program's
// registry. It is safe for concurrent use.
type Collector struct {
	opts     Options
	requests *requestMetrics

	reloadSuccess     prometheus.Gauge
	reloadSuccessTime prometheus.Gauge
	reloads           prometheus.Counter
	reloadErrors      prometheus.Counter
	reloadDuration    *prometheus.HistogramVec
	routes            prometheus.Gauge
	sslExpire         *prometheus.GaugeVec
	leader            *prometheus.GaugeVec
	endpoints         *prometheus.Desc

	mu    sync.Mutex // serialises SetCertificates
	hosts map[string]bool
}

// Name prefixes: ingress-nginx's metrics keep its names so that its
// dashboards and alerts work unchanged; ingressmux's own are apart.
const (
	nginxNamespace = "nginx_ingress_controller"
	ownNamespace   = "ingressmux"
)

// New returns a Collector configured by opts, or an error naming the
// option that is invalid.
func New(opts Options) (*Collector, error) {
	if err := checkBuckets("TimeBuckets", opts.TimeBuckets); err != nil {
		return nil, err
	}
	if err := checkBuckets("SizeBuckets", opts.SizeBuckets); err != nil {
		return nil, err
	}
	if f := opts.NativeHistogramBucketFactor; f != 0 && f <= 1 {
		return nil, fmt.Errorf("metrics: Options.NativeHistogramBucketFactor: invalid value %v: must be greater than 1 (or 0 for classic histograms only)", f)
	}
	if opts.TimeBuckets == nil {
		opts.TimeBuckets = prometheus.DefBuckets
	}
	if opts.SizeBuckets == nil {
		opts.SizeBuckets = prometheus.LinearBuckets(10, 10, 10)
	}
	if opts.NativeHistogramMaxBuckets == 0 {
		opts.NativeHistogramMaxBuckets = 100
	}
	constLabels := prometheus.Labels{
		"controller_namespace": opts.ControllerNamespace,
		"controller_class":     opts.ControllerClass,
		"controller_pod":       opts.ControllerPod,
	}
	c := &Collector{
		opts:     opts,
		requests: newRequestMetrics(opts, constLabels),
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: nginxNamespace, Name: "config_last_reload_successful", ConstLabels: constLabels,
			Help: "Whether the last configuration reload attempt was successful",
		}),
		reloadSuccessTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: nginxNamespace, Name: "config_last_reload_successful_timestamp_seconds", ConstLabels: constLabels,
			Help: "Timestamp of the last successful configuration reload.",
		}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: nginxNamespace, Name: "success", ConstLabels: constLabels,
			Help: "Cumulative number of Ingress controller reload operations",
		}),
		reloadErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: nginxNamespace, Name: "errors", ConstLabels: constLabels,
			Help: "Cumulative number of Ingress controller errors during reload operations",
		}),
		sslExpire: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: nginxNamespace, Name: "ssl_expire_time_seconds",
			Help: "Number of seconds since 1970 to the SSL Certificate expire.",
		}, []string{"namespace", "class", "host"}),
		leader: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: nginxNamespace, Name: "leader_election_status", ConstLabels: constLabels,
			Help: "Gauge reporting status of the leader election, 0 indicates follower, 1 indicates leader. 'name' is the string used to identify the lease",
		}, []string{"name"}),
		reloadDuration: prometheus.NewHistogramVec(histogramOpts(opts, prometheus.HistogramOpts{
			Namespace: ownNamespace, Name: "reload_duration_seconds",
			Help:    "Time taken by loads, reloads and resolves of the routing, by operation and result (success or failure).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8), // 1 ms to 16 s
		}), []string{"op", "result"}),
		routes: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ownNamespace, Name: "routes",
			Help: "Routing rules being served.",
		}),
		endpoints: prometheus.NewDesc(ownNamespace+"_upstream_endpoints",
			"Endpoints of each upstream by passive health state: up, failing (failures on record, still in rotation) or down (out of rotation).",
			[]string{"upstream", "state"}, nil),
	}
	return c, nil
}

// checkBuckets reports bucket boundaries that are not strictly increasing.
func checkBuckets(field string, b []float64) error {
	if b == nil {
		return nil
	}
	if len(b) == 0 {
		return fmt.Errorf("metrics: Options.%s: empty: leave it nil for the default buckets", field)
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return fmt.Errorf("metrics: Options.%s: invalid value %v: boundaries must increase (%v after %v)", field, b, b[i], b[i-1])
		}
	}
	return nil
}

// histogramOpts adds the native histogram settings of opts to h.
func histogramOpts(opts Options, h prometheus.HistogramOpts) prometheus.HistogramOpts {
	if opts.NativeHistogramBucketFactor > 1 {
		h.NativeHistogramBucketFactor = opts.NativeHistogramBucketFactor
		h.NativeHistogramMaxBucketNumber = opts.NativeHistogramMaxBuckets
		h.NativeHistogramMinResetDuration = time.Hour
	}
	return h
}

// collectors returns every metric of c that prometheus keeps for it.
func (c *Collector) collectors() []prometheus.Collector {
	return append(c.requests.collectors(), c.reloadSuccess, c.reloadSuccessTime, c.reloads, c.reloadErrors,
		c.sslExpire, c.leader, c.reloadDuration, c.routes)
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.collectors() {
		m.Describe(ch)
	}
	ch <- c.endpoints
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.collectors() {
		m.Collect(ch)
	}
	if c.opts.Upstreams == nil {
		return
	}
	for _, u := range c.opts.Upstreams() {
		counts := map[proxy.EndpointState]int{proxy.EndpointUp: 0, proxy.EndpointFailing: 0, proxy.EndpointDown: 0}
		for _, ep := range u.Endpoints {
			counts[ep.State]++
		}
		for _, state := range []proxy.EndpointState{proxy.EndpointUp, proxy.EndpointFailing, proxy.EndpointDown} {
			ch <- prometheus.MustNewConstMetric(c.endpoints, prometheus.GaugeValue, float64(counts[state]), u.Upstream.Name, string(state))
		}
	}
}

// Reloaded records the outcome of a change of the routing: op names it
// ("load", "reload", "resolve", "replace", "apply"), took is how long it
// took, err is nil when the new routing is served, and routes is the
// number of rules served afterwards. A program passes on what its Mux's
// Hooks.Reloaded is told.
func (c *Collector) Reloaded(op string, took time.Duration, err error, routes int) {
	result := "success"
	if err != nil {
		result = "failure"
		c.reloadSuccess.Set(0)
		c.reloadErrors.Inc()
	} else {
		c.reloadSuccess.Set(1)
		c.reloadSuccessTime.Set(float64(time.Now().Unix()))
		c.reloads.Inc()
	}
	c.reloadDuration.WithLabelValues(op, result).Observe(took.Seconds())
	c.routes.Set(float64(routes))
}

// SetCertificates replaces the certificate expiry times exported as
// nginx_ingress_controller_ssl_expire_time_seconds: the NotAfter of the
// certificate served for each TLS host. Hosts left out are removed.
func (c *Collector) SetCertificates(notAfter map[string]time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ns, class := c.opts.ControllerNamespace, c.opts.ControllerClass
	for host := range c.hosts {
		if _, ok := notAfter[host]; !ok {
			c.sslExpire.DeleteLabelValues(ns, class, host)
		}
	}
	c.hosts = make(map[string]bool, len(notAfter))
	for host, t := range notAfter {
		if host == "" || t.IsZero() {
			continue
		}
		c.hosts[host] = true
		c.sslExpire.WithLabelValues(ns, class, host).Set(float64(t.Unix()))
	}
}

// SetLeader sets nginx_ingress_controller_leader_election_status for the
// lease name: 1 while this process leads, 0 while it follows. A program
// in cluster mode calls it from its leader election callbacks.
func (c *Collector) SetLeader(name string, leading bool) {
	v := 0.0
	if leading {
		v = 1
	}
	c.leader.WithLabelValues(name).Set(v)
}

var _ prometheus.Collector = (*Collector)(nil)
