package proxy

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// BenchmarkProxy compares the Handler with a bare httputil.ReverseProxy
// (Rewrite with SetURL and SetXForwarded, and a transport tuned the same
// way) in front of the same loopback backend answering 1 KiB. Both are
// driven through a real loopback server, so the numbers include the same
// network stack.
func BenchmarkProxy(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1024)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(payload)
	}))
	defer backend.Close()

	up := &Upstream{Name: "bench", Endpoints: []string{addr(backend)}}
	h, err := New(Config{Table: newTable(b, prefix("bench.example", "/", &Route{Upstream: up, Name: "bench"}))})
	if err != nil {
		b.Fatal(err)
	}
	target, _ := url.Parse(backend.URL)
	bare := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: baseTransport(&net.Dialer{Timeout: DefaultConnectTimeout, KeepAlive: keepAlive}, DefaultConnectTimeout),
	}

	for _, p := range []struct {
		name    string
		handler http.Handler
	}{
		{"handler", h},
		{"bare", bare},
	} {
		srv := httptest.NewServer(p.handler)
		client := &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 1024,
			DisableCompression:  true,
		}}
		get := func(b *testing.B) {
			req, _ := http.NewRequest("GET", srv.URL+"/bench/path?q=1", nil)
			req.Host = "bench.example"
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || n != int64(len(payload)) {
				b.Fatalf("status %d, %d bytes", res.StatusCode, n)
			}
		}
		b.Run(p.name+"/sequential", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				get(b)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		b.Run(p.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		client.CloseIdleConnections()
		srv.Close()
	}
}
