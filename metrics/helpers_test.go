package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ingressmux/ingressmux/metrics"
)

// scrape serves c through promhttp in a registry of its own, fetches the
// text exposition over HTTP and parses it as Prometheus would.
func scrape(tb testing.TB, c *metrics.Collector) map[string]*dto.MetricFamily {
	tb.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		tb.Fatalf("Register: %v", err)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	res, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		tb.Fatalf("scrape: %s\n%s", res.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		tb.Fatalf("parsing the exposition: %v\n%s", err, body)
	}
	return mfs
}

// labelsOf returns the labels of m as "name=value" pairs in name order.
func labelsOf(m *dto.Metric) string {
	var kv []string
	for _, l := range m.GetLabel() {
		kv = append(kv, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// seriesOf returns the label sets of family name with their values: the
// counter or gauge value, or a histogram's sample count.
func seriesOf(mfs map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	mf := mfs[name]
	if mf == nil {
		return out
	}
	for _, m := range mf.GetMetric() {
		var v float64
		switch {
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Histogram != nil:
			v = float64(m.GetHistogram().GetSampleCount())
		}
		out[labelsOf(m)] = v
	}
	return out
}

// countSeries counts the series of every family, histograms as one each.
func countSeries(mfs map[string]*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	return n
}

// controller are the constant labels of the tests' collectors.
const controller = "controller_class=nginx,controller_namespace=ingress,controller_pod=pod-1"

func labels(pairs ...string) string {
	all := append(strings.Split(controller, ","), pairs...)
	sort.Strings(all)
	return strings.Join(all, ",")
}
