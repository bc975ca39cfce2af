package main

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// The observability variants of ingressmux: the same binary and flags,
// plus metrics or tracing, to measure what each costs.
const (
	nameIngressmuxMetrics = "ingressmux+metrics"
	nameIngressmuxTracing = "ingressmux+tracing"
)

// startIngressmuxMetrics runs ingressmux with its admin listener, which
// turns the Prometheus metrics on (every request is observed; nobody
// scrapes during the run, as a 15-second scrape interval would barely
// do).
func startIngressmuxMetrics(e *env, sc *scenario, dir, listen string) (*process, error) {
	return startIngressmuxWith(e, sc, dir, listen, nameIngressmuxMetrics, "-admin-listen=127.0.0.1:0")
}

// startIngressmuxTracing runs ingressmux with every request traced and
// exported over OTLP/HTTP to this program's sink: the worst case, where
// a real deployment samples a share.
func startIngressmuxTracing(e *env, sc *scenario, dir, listen string) (*process, error) {
	addr, err := otlpSinkAddr()
	if err != nil {
		return nil, err
	}
	return startIngressmuxWith(e, sc, dir, listen, nameIngressmuxTracing, "-otlp-endpoint=http://"+addr, "-trace-sample-ratio=1")
}

// otlpSink is an OTLP/HTTP endpoint that reads and drops what it is sent,
// started once per run on loopback. It runs in this process, on the load
// generator's core; the exports are batched (one every few seconds).
var otlpSink struct {
	once    sync.Once
	addr    string
	err     error
	exports atomic.Int64
}

func otlpSinkAddr() (string, error) {
	otlpSink.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			otlpSink.err = err
			return
		}
		otlpSink.addr = ln.Addr().String()
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			otlpSink.exports.Add(1)
		}))
	})
	return otlpSink.addr, otlpSink.err
}
