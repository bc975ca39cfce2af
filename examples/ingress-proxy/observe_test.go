package main

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

// shopIngress routes shop.example.com/api to default/api:80.
const shopIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: default}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`

func get(t *testing.T, url, host string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestServeMetricsAndPage checks /metrics and the routes page of the
// admin listener: ingress-nginx's request and reload metrics scraped and
// parsed as Prometheus does, and the page's routing table.
func TestServeMetricsAndPage(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api") }))
	defer api.Close()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(shopIngress), 0o644))
	reload := make(chan struct{}, 1)
	addrs, _, stop := startServe(t, []string{"-f", dir, "-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0",
		"-watch-interval", "0", "-access-log=false", "-backend", "default/api:80=" + api.URL}, reload)
	defer stop()
	for i := range 50 {
		require.Equal(t, 200, get(t, fmt.Sprintf("%s/api/item/%d?q=%d", addrs["http"], i, i), "shop.example.com"))
	}
	require.Equal(t, 404, get(t, addrs["http"]+"/elsewhere", "other.example.com"))

	res, err := http.Get(addrs["admin"] + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	got := map[string]float64{}
	for _, m := range mfs["nginx_ingress_controller_requests"].GetMetric() {
		var kv []string
		for _, l := range m.GetLabel() {
			if !strings.HasPrefix(l.GetName(), "controller_") {
				kv = append(kv, l.GetName()+"="+l.GetValue())
			}
		}
		got[strings.Join(kv, ",")] = m.GetCounter().GetValue()
	}
	assert.Equal(t, map[string]float64{
		"canary=,host=shop.example.com,ingress=shop,method=GET,namespace=default,path=/api,service=api,status=200": 50,
		"canary=,host=,ingress=,method=GET,namespace=,path=,service=,status=404":                                   1,
	}, got)
	assert.Equal(t, 1.0, mfs["nginx_ingress_controller_config_last_reload_successful"].GetMetric()[0].GetGauge().GetValue())
	assert.Equal(t, 1.0, mfs["ingressmux_routes"].GetMetric()[0].GetGauge().GetValue())
	assert.Contains(t, mfs, "ingressmux_upstream_endpoints")
	assert.Contains(t, mfs, "go_goroutines", "the process's own metrics too")

	code, page := body(t, addrs["admin"]+"/")
	require.Equal(t, 200, code)
	assert.Contains(t, page, `<td class="mono">shop.example.com</td><td class="mono">/api</td><td>Prefix</td><td class="mono">default/api:80</td><td>ingress default/shop</td>`)
	assert.Contains(t, page, `<span id="reload-result" class="ok">succeeded</span>`)
	code, _ = body(t, addrs["admin"]+"/nothing-here")
	assert.Equal(t, 404, code, "the page is at / only")

	// The Ingress is renamed: its old series go with the reload.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(strings.Replace(shopIngress, "name: shop", "name: store", 1)), 0o644))
	reload <- struct{}{}
	eventually(t, "the reload to drop the old Ingress's series", func() bool {
		_, text := body(t, addrs["admin"]+"/metrics")
		return strings.Contains(text, `nginx_ingress_controller_success{`) && !strings.Contains(text, `ingress="shop"`)
	})
}

// otlpReceiver is an OTLP/HTTP endpoint that counts the trace exports it
// receives.
type otlpReceiver struct {
	mu      sync.Mutex
	exports int
	bytes   int
}

// TestServeExportsTraces checks -otlp-endpoint: the backend receives a
// traceparent of the client's trace, and the spans reach the OTLP/HTTP
// endpoint by the time the server has stopped.
func TestServeExportsTraces(t *testing.T) {
	var rcv otlpReceiver
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			rcv.mu.Lock()
			rcv.exports++
			rcv.bytes += len(b)
			rcv.mu.Unlock()
		}
	}))
	defer collector.Close()
	var seen sync.Map
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen.Store("traceparent", r.Header.Get("traceparent")) }))
	defer api.Close()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(shopIngress), 0o644))
	addrs, stderr, stop := startServe(t, []string{"-f", dir, "-listen", "127.0.0.1:0", "-watch-interval", "0",
		"-access-log=false", "-otlp-endpoint", collector.URL, "-backend", "default/api:80=" + api.URL}, nil)
	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	require.Equal(t, 200, get(t, addrs["http"]+"/api/x", "shop.example.com", "traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01"))
	tp, _ := seen.Load("traceparent")
	assert.Regexp(t, "^00-"+clientTrace+"-[0-9a-f]{16}-01$", tp)
	assert.NotContains(t, tp, "00f067aa0ba902b7", "the backend's parent is the proxy's client span")
	require.Equal(t, 0, stop(), stderr.String())
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	assert.Positive(t, rcv.exports, "spans exported at shutdown")
	assert.Positive(t, rcv.bytes)
}

// TestServeRefusesBadObservabilityFlags checks that bad values are refused
// with the flag named.
func TestServeRefusesBadObservabilityFlags(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(shopIngress), 0o644))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-otlp-endpoint", "127.0.0.1:4318"}, "-otlp-endpoint: invalid value"},
		{[]string{"-otlp-endpoint", "http://127.0.0.1:4318", "-trace-sample-ratio", "2"}, "-trace-sample-ratio: invalid value 2"},
		{[]string{"-admin-listen", "127.0.0.1:0", "-time-buckets", "1,0.5"}, "Options.TimeBuckets: invalid value"},
	} {
		stdout, stderr := newLockedBuffer(), newLockedBuffer()
		code := runContext(t.Context(), append([]string{"-f", dir, "-listen", "127.0.0.1:0"}, tt.args...), nil, stdout, stderr)
		assert.Equal(t, 2, code, tt.args)
		assert.Contains(t, stderr.String(), tt.want)
	}
	var f floatList
	assert.Error(t, f.Set("1,x"))
}

// TestServeCertificateExpiry checks nginx_ingress_controller_ssl_expire_time_seconds:
// the NotAfter of the certificate of each TLS host, from its Secret.
func TestServeCertificateExpiry(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "ingress") // as the Downward API sets it
	ca := testpki.NewCA(t, "test CA")
	cert := ca.Issue(t, "shop.example.com")
	certPEM, keyPEM := testpki.PEM(cert)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	require.NoError(t, err)
	secret := fmt.Sprintf("---\napiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: default}\ntype: kubernetes.io/tls\ndata: {tls.crt: %s, tls.key: %s}\n",
		base64.StdEncoding.EncodeToString(certPEM), base64.StdEncoding.EncodeToString(keyPEM))
	manifest := strings.Replace(shopIngress, "spec:\n", "spec:\n  tls: [{hosts: [shop.example.com], secretName: shop-tls}]\n", 1) + secret
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(manifest), 0o644))
	addrs, stderr, stop := startServe(t, []string{"-f", dir, "-listen", "127.0.0.1:0", "-admin-listen", "127.0.0.1:0",
		"-watch-interval", "0", "-access-log=false", "-backend", "default/api:80=http://127.0.0.1:1"}, nil)
	defer stop()
	res, err := http.Get(addrs["admin"] + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err, stderr.String())
	got := mfs["nginx_ingress_controller_ssl_expire_time_seconds"].GetMetric()
	require.Len(t, got, 1)
	labels := map[string]string{}
	for _, l := range got[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	assert.Equal(t, map[string]string{"host": "shop.example.com", "class": "ingressmux", "namespace": "ingress"}, labels)
	assert.Equal(t, float64(leaf.NotAfter.Unix()), got[0].GetGauge().GetValue())
}
