package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer answers GET /ok with 200, /chunked with a chunked 200,
// /fail with 503 and /close with 200 and Connection: close, counting every
// request and connection, so that the generator's counts can be checked
// against what the server saw.
type countingServer struct {
	*httptest.Server
	requests, failures, conns atomic.Int64
}

func newCountingServer(t *testing.T) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		switch r.URL.Path {
		case "/fail":
			s.failures.Add(1)
			http.Error(w, "no", http.StatusServiceUnavailable)
		case "/chunked":
			w.(http.Flusher).Flush() // no Content-Length: chunked
			fmt.Fprint(w, strings.Repeat("c", 3000))
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "bye")
		default:
			fmt.Fprint(w, strings.Repeat("k", 1024))
		}
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) spec(paths ...string) *loadSpec {
	sp := &loadSpec{Addr: strings.TrimPrefix(s.URL, "http://"), Timeout: 5 * time.Second}
	for _, p := range paths {
		sp.Targets = append(sp.Targets, target{Host: "bench.test", Path: p})
	}
	return sp
}

func TestClosedLoopCounts(t *testing.T) {
	s := newCountingServer(t)
	spec := s.spec("/ok", "/chunked", "/fail", "/close")
	res := runClosed(context.Background(), spec, 4, 300*time.Millisecond)
	total := res.OK + res.Non2xx + res.Errors
	if total == 0 {
		t.Fatal("no request was sent")
	}
	if res.Errors != 0 {
		t.Errorf("%d errors, first: %s", res.Errors, res.FirstErr)
	}
	if got := int64(res.OK + res.Non2xx); got != s.requests.Load() {
		t.Errorf("generator counted %d answered requests, server saw %d", got, s.requests.Load())
	}
	if int64(res.Non2xx) != s.failures.Load() {
		t.Errorf("generator counted %d non-2xx, server sent %d", res.Non2xx, s.failures.Load())
	}
	// Every worker rotates through the four paths, so about a quarter fail.
	if res.Non2xx*6 < total || res.Non2xx*3 > total {
		t.Errorf("%d of %d requests failed, want about a quarter", res.Non2xx, total)
	}
	if res.Latency.Count() != res.OK {
		t.Errorf("latency histogram holds %d values, want one per success (%d)", res.Latency.Count(), res.OK)
	}
	// Each /close response ends a connection, so there are more
	// connections than workers.
	if s.conns.Load() <= 4 {
		t.Errorf("%d connections; /close should have forced new ones", s.conns.Load())
	}
}

func TestNewConnPerRequest(t *testing.T) {
	s := newCountingServer(t)
	spec := s.spec("/ok")
	spec.NewConn = true
	res := runClosed(context.Background(), spec, 2, 200*time.Millisecond)
	if res.Errors != 0 || res.OK == 0 {
		t.Fatalf("OK %d, errors %d (%s)", res.OK, res.Errors, res.FirstErr)
	}
	if int64(res.OK) != s.conns.Load() {
		t.Errorf("%d requests over %d connections, want one connection each", res.OK, s.conns.Load())
	}
}

func TestOpenLoopSendsExactlyTheSchedule(t *testing.T) {
	s := newCountingServer(t)
	res := runOpen(context.Background(), s.spec("/ok"), 400, 8, 250*time.Millisecond)
	if res.OK != 100 || s.requests.Load() != 100 {
		t.Errorf("open loop: %d OK, server saw %d; want 100 (400/s for 250ms)", res.OK, s.requests.Load())
	}
	if res.Latency.Count() != 100 {
		t.Errorf("%d latencies, want 100", res.Latency.Count())
	}
	// Requests are spread over the run, not sent in a burst.
	if res.Elapsed < 200*time.Millisecond {
		t.Errorf("open loop took %v, want about 250ms", res.Elapsed)
	}
}

// TestOpenLoopCountsQueueing checks the coordinated-omission correction:
// when the server stalls, requests due during the stall are measured from
// when they were due, so the stall shows in the high percentiles.
func TestOpenLoopCountsQueueing(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 10 {
			time.Sleep(200 * time.Millisecond)
		}
	}))
	defer srv.Close()
	spec := &loadSpec{Addr: strings.TrimPrefix(srv.URL, "http://"), Timeout: 5 * time.Second, Targets: []target{{"x", "/"}}}
	// One connection: everything due during the stall waits behind it.
	res := runOpen(context.Background(), spec, 200, 1, 500*time.Millisecond)
	if res.OK != 100 {
		t.Fatalf("%d OK, want 100", res.OK)
	}
	// About 40 requests were due during the 200 ms stall (200/s), so more
	// than 10 % of the latencies exceed 50 ms; a closed-loop view would
	// show only one slow request.
	if p90 := res.Latency.Quantile(0.90); p90 < 50*time.Millisecond {
		t.Errorf("p90 = %v, want > 50ms: queueing behind the stall is not counted", p90)
	}
	if p50 := res.Latency.Quantile(0.50); p50 > 150*time.Millisecond {
		t.Errorf("p50 = %v: requests after the stall should have caught up", p50)
	}
}

func TestConnectErrorsAreCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	spec := &loadSpec{Addr: addr, Timeout: time.Second, Targets: []target{{"x", "/"}}}
	res := runClosed(context.Background(), spec, 2, 50*time.Millisecond)
	if res.OK != 0 || res.Errors == 0 || res.FirstErr == "" {
		t.Errorf("OK %d, errors %d (%q); want only errors", res.OK, res.Errors, res.FirstErr)
	}
}

func TestParseWrk(t *testing.T) {
	out := "Running 1s test @ http://127.0.0.1:1/\n  1 threads and 32 connections\nBENCH-RESULT 12000 1000500 1 2 3 40 5\nRequests/sec: 11994\n"
	res, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 11960 || res.Non2xx != 40 || res.Errors != 11 || res.Elapsed != 1000500*time.Microsecond {
		t.Errorf("parseWrk = OK %d, non-2xx %d, errors %d, elapsed %v", res.OK, res.Non2xx, res.Errors, res.Elapsed)
	}
	if _, err := parseWrk("Requests/sec: 1\n"); err == nil {
		t.Error("parseWrk without the result line did not fail")
	}
}

func TestWrkScript(t *testing.T) {
	one := wrkScript([]target{{"bench.test", "/1k"}}, true)
	for _, w := range []string{`wrk.path = "/1k"`, `wrk.headers["Host"] = "bench.test"`, `wrk.headers["Connection"] = "close"`, "BENCH-RESULT"} {
		if !strings.Contains(one, w) {
			t.Errorf("script lacks %q:\n%s", w, one)
		}
	}
	if strings.Contains(one, "request = function") {
		t.Error("a single target should be a static request")
	}
	many := wrkScript(spread(manyRoutes(2)), false)
	for _, w := range []string{`{"h0001.bench.test", "/p4/item"},`, "request = function()", "wrk.format(\"GET\""} {
		if !strings.Contains(many, w) {
			t.Errorf("script lacks %q", w)
		}
	}
}

// TestOpenLoopCountsUnsent checks that requests a slow server kept the
// generator from sending are failures, not silently dropped.
func TestOpenLoopCountsUnsent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(100 * time.Millisecond)
	}))
	defer srv.Close()
	spec := &loadSpec{Addr: strings.TrimPrefix(srv.URL, "http://"), Timeout: 5 * time.Second, Targets: []target{{"x", "/"}}}
	// 1,000/s for 100 ms over one connection that answers 10 per second:
	// 100 due, about 21 answered within the run and its grace.
	res := runOpen(context.Background(), spec, 1000, 1, 100*time.Millisecond)
	if res.OK+res.Errors != 100 || res.Errors < 70 || res.FirstErr == "" {
		t.Errorf("OK %d, errors %d (%q); want 100 in all, most of them unsent", res.OK, res.Errors, res.FirstErr)
	}
	if res.Elapsed > 3*time.Second {
		t.Errorf("run took %v, want it cut off after the grace period", res.Elapsed)
	}
}
