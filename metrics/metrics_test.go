package metrics_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/metrics"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// fixture is a proxy Handler with a few Ingress routes, observed by a
// Collector.
type fixture struct {
	h   *proxy.Handler
	c   *metrics.Collector
	web *httptest.Server
}

func newFixture(t *testing.T, opts metrics.Options) *fixture {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = fmt.Fprint(w, "hello")
	}))
	t.Cleanup(web.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	ep := web.Listener.Addr().String()
	webUp := &proxy.Upstream{Name: "default/web:80", Endpoints: []string{ep}}
	origin := proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "shop"}
	backend := route.Backend{Namespace: "default", Service: "web", Port: "80"}
	rule := func(host, path string, rt *proxy.Route) route.Rule {
		return route.Rule{Host: host, Path: path, Type: route.Prefix, Backend: backend, Origin: "ingress default/shop", Value: rt}
	}
	shop := &proxy.Route{Upstream: webUp, Name: "ingress default/shop", Object: origin,
		Canaries: []proxy.Canary{{Upstream: &proxy.Upstream{Name: "default/web-canary:80", Endpoints: []string{ep}}, Header: "X-Canary"}}}
	retry := &proxy.Route{Upstream: &proxy.Upstream{Name: "default/flaky:80", Endpoints: []string{dead, ep}}, Object: origin,
		Retry: proxy.Retry{OnError: true}}
	limited := &proxy.Route{Upstream: webUp, Object: origin, Traffic: &proxy.Traffic{RateLimit: &proxy.RateLimit{RPM: 1, BurstMultiplier: 1, RejectStatus: 429}}}
	denied := &proxy.Route{Upstream: webUp, Object: origin, Traffic: &proxy.Traffic{AllowSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	table, err := route.New([]route.Rule{
		rule("shop.example.com", "/", shop),
		rule("shop.example.com", "/retry", retry),
		rule("shop.example.com", "/limited", limited),
		rule("shop.example.com", "/admin", denied),
	})
	require.NoError(t, err)
	opts.ControllerNamespace, opts.ControllerClass, opts.ControllerPod = "ingress", "nginx", "pod-1"
	f := &fixture{web: web}
	var c *metrics.Collector
	opts.Upstreams = func() []proxy.UpstreamStatus { return f.h.Upstreams() }
	c, err = metrics.New(opts)
	require.NoError(t, err)
	f.c = c
	f.h, err = proxy.New(proxy.Config{Table: table, Observe: c.Observe, MaxFails: 1, FailTimeout: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { f.h.Close() })
	return f
}

// do sends one request through the Handler.
func (f *fixture) do(method, url string, header ...string) int {
	r := httptest.NewRequest(method, url, strings.NewReader(""))
	r.RemoteAddr = "192.0.2.1:1234"
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w.Code
}

// TestRequestMetrics checks ingress-nginx's request metrics and
// ingressmux's request counters through the real Handler, scraped and
// parsed as Prometheus does: names, label names, label values and counts.
func TestRequestMetrics(t *testing.T) {
	f := newFixture(t, metrics.Options{})
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/cart/1"))
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/cart/2?x=1"))
	require.Equal(t, 503, f.do("POST", "http://shop.example.com/api/fail"))
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/", "X-Canary", "always"))
	require.Equal(t, 200, f.do("BREW", "http://shop.example.com/pot"))
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/retry")) // dead endpoint first, then retried
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/limited"))
	require.Equal(t, 200, f.do("GET", "http://shop.example.com/limited")) // the burst
	require.Equal(t, 429, f.do("GET", "http://shop.example.com/limited"))
	require.Equal(t, 403, f.do("GET", "http://shop.example.com/admin"))
	require.Equal(t, 404, f.do("GET", "http://unknown.example.com/whatever"))
	mfs := scrape(t, f.c)

	series := func(status, method, path, canary string) string {
		return labels("canary="+canary, "host=shop.example.com", "ingress=shop", "method="+method, "namespace=default",
			"path="+path, "service=web", "status="+status)
	}
	unmatched := labels("canary=", "host=", "ingress=", "method=GET", "namespace=", "path=", "service=", "status=404")
	assert.Equal(t, map[string]float64{
		series("200", "GET", "/", ""):                      2, // two URIs, one series
		series("503", "POST", "/", ""):                     1,
		series("200", "GET", "/", "default/web-canary:80"): 1,
		series("200", "_OTHER", "/", ""):                   1,
		series("200", "GET", "/retry", ""):                 1,
		series("200", "GET", "/limited", ""):               2,
		series("429", "GET", "/limited", ""):               1,
		series("403", "GET", "/admin", ""):                 1,
		unmatched:                                          1,
	}, seriesOf(mfs, "nginx_ingress_controller_requests"))

	for _, name := range []string{"request_duration_seconds", "request_size", "response_size"} {
		assert.Len(t, seriesOf(mfs, "nginx_ingress_controller_"+name), 9, "%s: every request", name)
	}
	for _, name := range []string{"response_duration_seconds", "connect_duration_seconds", "header_duration_seconds"} {
		got := seriesOf(mfs, "nginx_ingress_controller_"+name)
		assert.Equal(t, 2.0, got[series("200", "GET", "/", "")], name)
		assert.Equal(t, 1.0, got[series("200", "GET", "/retry", "")], name)
		assert.NotContains(t, got, series("429", "GET", "/limited", ""), "%s: only requests sent upstream", name)
		assert.NotContains(t, got, unmatched, name)
	}
	resp := mfs["nginx_ingress_controller_response_size"]
	for _, m := range resp.GetMetric() {
		if labelsOf(m) == series("200", "GET", "/", "") {
			assert.Equal(t, 10.0, m.GetHistogram().GetSampleSum(), "two bodies of 5 bytes")
			assert.Len(t, m.GetHistogram().GetBucket(), 11, "ingress-nginx's length buckets 10..100, and +Inf")
		}
	}
	dur := mfs["nginx_ingress_controller_request_duration_seconds"].GetMetric()[0].GetHistogram()
	assert.Len(t, dur.GetBucket(), 12, "prometheus.DefBuckets, and +Inf")

	ing := "ingress=shop,namespace=default,service=web"
	assert.Equal(t, map[string]float64{ing: 1}, seriesOf(mfs, "ingressmux_upstream_retries_total"))
	assert.Equal(t, map[string]float64{ing: 1}, seriesOf(mfs, "ingressmux_rate_limited_requests_total"))
	assert.Equal(t, map[string]float64{"ingress=shop,namespace=default,reason=source-range,service=web": 1}, seriesOf(mfs, "ingressmux_denied_requests_total"))
	assert.Equal(t, map[string]float64{
		"state=up,upstream=default/flaky:80":           1,
		"state=failing,upstream=default/flaky:80":      0,
		"state=down,upstream=default/flaky:80":         1, // MaxFails 1: out after its refusal
		"state=up,upstream=default/web-canary:80":      1,
		"state=failing,upstream=default/web-canary:80": 0,
		"state=down,upstream=default/web-canary:80":    0,
		"state=up,upstream=default/web:80":             1,
		"state=failing,upstream=default/web:80":        0,
		"state=down,upstream=default/web:80":           0,
	}, seriesOf(mfs, "ingressmux_upstream_endpoints"))
}

// TestDistinctURIsAddNoSeries checks that the number of series depends on
// the configuration, not on the traffic: thousands of distinct paths,
// query strings, hosts of a wildcard-free config and invented methods
// leave the series count where the first requests put it.
func TestDistinctURIsAddNoSeries(t *testing.T) {
	f := newFixture(t, metrics.Options{})
	send := func(i int) {
		f.do("GET", fmt.Sprintf("http://shop.example.com/item/%d?q=%d", i, i))
		f.do(fmt.Sprintf("M%d", i), fmt.Sprintf("http://shop.example.com/x%d", i))
		f.do("GET", fmt.Sprintf("http://host-%d.example.com/%d", i, i))
	}
	send(0)
	before := countSeries(scrape(t, f.c))
	for i := 1; i < 5000; i++ {
		send(i)
	}
	after := scrape(t, f.c)
	assert.Equal(t, before, countSeries(after), "15,000 distinct requests added series")
	assert.Equal(t, 5000.0, seriesOf(after, "nginx_ingress_controller_requests")[labels("canary=", "host=shop.example.com",
		"ingress=shop", "method=GET", "namespace=default", "path=/", "service=web", "status=200")])
}

// TestLabelOptions checks the options that drop labels and report status
// classes.
func TestLabelOptions(t *testing.T) {
	f := newFixture(t, metrics.Options{NoHostLabel: true, NoPathLabel: true, StatusClasses: true})
	f.do("GET", "http://shop.example.com/a")
	f.do("GET", "http://shop.example.com/retry")
	f.do("POST", "http://shop.example.com/api/fail")
	assert.Equal(t, map[string]float64{
		labels("canary=", "ingress=shop", "method=GET", "namespace=default", "service=web", "status=2xx"):  2,
		labels("canary=", "ingress=shop", "method=POST", "namespace=default", "service=web", "status=5xx"): 1,
	}, seriesOf(scrape(t, f.c), "nginx_ingress_controller_requests"))
}

// TestBucketsAndNativeHistograms checks settable bucket boundaries and
// native histograms, and that bad options are refused with the option
// named.
func TestBucketsAndNativeHistograms(t *testing.T) {
	f := newFixture(t, metrics.Options{TimeBuckets: []float64{0.1, 1}, SizeBuckets: []float64{1000}, NativeHistogramBucketFactor: 1.1})
	f.do("GET", "http://shop.example.com/a")
	mfs := scrape(t, f.c)
	h := mfs["nginx_ingress_controller_request_duration_seconds"].GetMetric()[0].GetHistogram()
	assert.Len(t, h.GetBucket(), 3, "0.1, 1 and +Inf")
	assert.Len(t, mfs["nginx_ingress_controller_request_size"].GetMetric()[0].GetHistogram().GetBucket(), 2)

	// The text format has no native histograms: gather them as the
	// protobuf exposition would carry them.
	reg := prometheus.NewRegistry()
	reg.MustRegister(f.c)
	gathered, err := reg.Gather()
	require.NoError(t, err)
	var native *dto.Histogram
	for _, mf := range gathered {
		if mf.GetName() == "nginx_ingress_controller_request_duration_seconds" {
			native = mf.GetMetric()[0].GetHistogram()
		}
	}
	require.NotNil(t, native)
	assert.Equal(t, int32(3), native.GetSchema(), "factor 1.1 gives schema 3")
	assert.NotEmpty(t, native.GetPositiveSpan(), "the observation is in a native bucket")

	for _, tt := range []struct {
		opts metrics.Options
		want string
	}{
		{metrics.Options{TimeBuckets: []float64{1, 0.5}}, "Options.TimeBuckets: invalid value [1 0.5]"},
		{metrics.Options{SizeBuckets: []float64{}}, "Options.SizeBuckets: empty"},
		{metrics.Options{NativeHistogramBucketFactor: 0.5}, "Options.NativeHistogramBucketFactor: invalid value 0.5"},
	} {
		_, err := metrics.New(tt.opts)
		assert.ErrorContains(t, err, tt.want)
	}
}

// TestControllerMetrics checks the reload, certificate and leader
// metrics.
func TestControllerMetrics(t *testing.T) {
	c, err := metrics.New(metrics.Options{ControllerNamespace: "ingress", ControllerClass: "nginx", ControllerPod: "pod-1"})
	require.NoError(t, err)
	c.Reloaded("load", 20*time.Millisecond, nil, 12)
	mfs := scrape(t, c)
	assert.Equal(t, map[string]float64{controller: 1}, seriesOf(mfs, "nginx_ingress_controller_config_last_reload_successful"))
	ts := seriesOf(mfs, "nginx_ingress_controller_config_last_reload_successful_timestamp_seconds")[controller]
	assert.InDelta(t, float64(time.Now().Unix()), ts, 5)
	assert.Equal(t, map[string]float64{"": 12}, seriesOf(mfs, "ingressmux_routes"))

	c.Reloaded("reload", time.Millisecond, fmt.Errorf("bad"), 12)
	c.SetCertificates(map[string]time.Time{"a.example.com": time.Unix(2000000000, 0), "b.example.com": time.Unix(2100000000, 0)})
	c.SetCertificates(map[string]time.Time{"a.example.com": time.Unix(2000000000, 0)})
	c.SetLeader("ingressmux-leader", true)
	mfs = scrape(t, c)
	assert.Equal(t, map[string]float64{controller: 0}, seriesOf(mfs, "nginx_ingress_controller_config_last_reload_successful"))
	assert.Equal(t, ts, seriesOf(mfs, "nginx_ingress_controller_config_last_reload_successful_timestamp_seconds")[controller],
		"the time of the last successful reload stays")
	assert.Equal(t, map[string]float64{controller: 1}, seriesOf(mfs, "nginx_ingress_controller_success"))
	assert.Equal(t, map[string]float64{controller: 1}, seriesOf(mfs, "nginx_ingress_controller_errors"))
	assert.Equal(t, map[string]float64{"op=load,result=success": 1, "op=reload,result=failure": 1}, seriesOf(mfs, "ingressmux_reload_duration_seconds"))
	assert.Equal(t, map[string]float64{"class=nginx,host=a.example.com,namespace=ingress": 2000000000},
		seriesOf(mfs, "nginx_ingress_controller_ssl_expire_time_seconds"), "b.example.com was removed")
	assert.Equal(t, map[string]float64{labels("name=ingressmux-leader"): 1}, seriesOf(mfs, "nginx_ingress_controller_leader_election_status"))
	c.SetLeader("ingressmux-leader", false)
	assert.Equal(t, map[string]float64{labels("name=ingressmux-leader"): 0}, seriesOf(scrape(t, c), "nginx_ingress_controller_leader_election_status"))
}

// TestRetain checks that the series of an Ingress no longer served are
// removed, and those of the Ingresses still served and of unmatched
// requests kept.
func TestRetain(t *testing.T) {
	f := newFixture(t, metrics.Options{})
	f.do("GET", "http://shop.example.com/a")
	f.do("GET", "http://shop.example.com/retry")
	f.do("GET", "http://nowhere.example.com/")
	before := scrape(t, f.c)
	require.Len(t, seriesOf(before, "nginx_ingress_controller_requests"), 3)
	require.Len(t, seriesOf(before, "ingressmux_upstream_retries_total"), 1)

	f.c.Retain(func(ns, ing string) bool { return ns == "default" && ing == "shop" })
	assert.Equal(t, before, scrape(t, f.c), "everything still served is kept")

	f.c.Retain(func(ns, ing string) bool { return false })
	after := scrape(t, f.c)
	assert.Equal(t, map[string]float64{labels("canary=", "host=", "ingress=", "method=GET", "namespace=", "path=", "service=", "status=404"): 1},
		seriesOf(after, "nginx_ingress_controller_requests"))
	for _, name := range []string{"nginx_ingress_controller_response_duration_seconds", "ingressmux_upstream_retries_total"} {
		assert.Empty(t, seriesOf(after, name), name)
	}
	f.do("GET", "http://shop.example.com/a")
	assert.Len(t, seriesOf(scrape(t, f.c), "nginx_ingress_controller_requests"), 2, "a series comes back with its traffic")
}
