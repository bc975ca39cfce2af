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
// when they were due, so the stall shows in the high percentiles. The
// clock is the test's, so that a busy machine cannot stretch the schedule:
// one connection, 200 requests/s for 500 ms, each answered in 1 ms but the
// tenth, which stalls for 200 ms.
func TestOpenLoopCountsQueueing(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	server := &stallingRequester{clk: clk, stallAt: 10, stall: 200 * time.Millisecond, answer: time.Millisecond}
	res := openLoop(context.Background(), clk, []requester{server}, 200, 500*time.Millisecond)
	if res.OK != 100 || server.calls != 100 {
		t.Fatalf("%d OK of %d sent, want 100", res.OK, server.calls)
	}
	// About 40 requests were due during the 200 ms stall (one each 5 ms),
	// so more than 10 % of the latencies exceed 50 ms; a closed-loop view
	// would show only one slow request. Queued behind the stall, each
	// request waits 4 ms less than the one before it (due 5 ms later,
	// answered 1 ms later): the 90th of the 100 latencies is the 40th
	// queued one, 200 ms - 40·4 ms.
	if p90 := res.Latency.Quantile(0.90); p90 < 159*time.Millisecond || p90 > 162*time.Millisecond {
		t.Errorf("p90 = %v, want 160ms: queueing behind the stall is not counted", p90)
	}
	if worst := res.Latency.Max(); worst != 200*time.Millisecond {
		t.Errorf("max = %v, want the 200ms stall", worst)
	}
	// The other half were answered in their 1 ms: those before the stall,
	// and those due after the queue had drained.
	if p50 := res.Latency.Quantile(0.50); p50 > 2*time.Millisecond {
		t.Errorf("p50 = %v: requests after the stall should have caught up", p50)
	}
	// The run keeps to its schedule: it ends when the last request, due
	// at 495 ms, is answered.
	if res.Elapsed != 496*time.Millisecond {
		t.Errorf("elapsed %v, want 496ms", res.Elapsed)
	}
}

// fakeClock is a clock that moves only when the code under test sleeps or
// a fake server answers. It serves one worker: it is not locked.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time        { return c.now }
func (c *fakeClock) Sleep(d time.Duration) { c.now = c.now.Add(d) }

// stallingRequester is a server on the fake clock: it answers each
// request in answer, except the stallAt-th (from 1), which takes stall.
type stallingRequester struct {
	clk            *fakeClock
	stallAt, calls int
	stall, answer  time.Duration
}

func (r *stallingRequester) Connect() error { return nil }
func (r *stallingRequester) Close()         {}
func (r *stallingRequester) Do() (int, error) {
	r.calls++
	if r.calls == r.stallAt {
		r.clk.Sleep(r.stall)
	} else {
		r.clk.Sleep(r.answer)
	}
	return 200, nil
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
	// 1,000/s for 100 ms over one connection that answers 10 per second,
	// on the test's clock: 100 due, and one sent every 100 ms until the
	// run and its grace are over (the last at 2.1 s), so 22 answered and
	// 78 never sent, which count as errors.
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	server := &stallingRequester{clk: clk, answer: 100 * time.Millisecond}
	res := openLoop(context.Background(), clk, []requester{server}, 1000, 100*time.Millisecond)
	if res.OK != 22 || res.Errors != 78 || res.FirstErr == "" {
		t.Errorf("OK %d, errors %d (%q); want 22 answered and 78 unsent", res.OK, res.Errors, res.FirstErr)
	}
	if res.Elapsed != 100*time.Millisecond+openGrace+100*time.Millisecond {
		t.Errorf("run took %v, want it cut off after the grace period (2.2s)", res.Elapsed)
	}
}
