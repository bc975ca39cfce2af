package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec says where the built-in load generator connects and what it
// sends.
type loadSpec struct {
	Addr      string      // host:port of the proxy (or the backend)
	TLS       *tls.Config // nil for plain TCP
	Targets   []target    // spread round-robin over the requests
	NewConn   bool        // Connection: close, a new connection per request
	WebSocket bool        // echo 1 KiB messages over WebSocket instead
	Timeout   time.Duration
	// OnClock, when set, is called by runClosed just before its clock
	// starts (true), once every connection is open, and just after it
	// stops (false), so that resource readings cover the timed part only.
	OnClock func(start bool)
}

// loadResult is what one load run measured.
type loadResult struct {
	OK       uint64 // 2xx responses (or echoed messages)
	Non2xx   uint64 // other statuses
	Errors   uint64 // connect, read, write, timeout, protocol errors
	Elapsed  time.Duration
	Latency  *histogram
	FirstErr string // the first error, for the log
}

// Failed returns the number of requests that did not get a 2xx answer.
func (r *loadResult) Failed() uint64 { return r.Non2xx + r.Errors }

// Rate returns successful requests per second.
func (r *loadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// requester sends one request (or message) and waits for its answer.
type requester interface {
	// Connect opens the connection ahead of the first request.
	Connect() error
	Do() (status int, err error)
	Close()
}

// httpRequester cycles through pre-encoded requests on one connection.
type httpRequester struct {
	conn *httpConn
	reqs [][]byte
	next int
}

func (r *httpRequester) Do() (int, error) {
	req := r.reqs[r.next]
	r.next++
	if r.next == len(r.reqs) {
		r.next = 0
	}
	return r.conn.RoundTrip(req)
}

func (r *httpRequester) Connect() error { return r.conn.Connect() }

func (r *httpRequester) Close() { r.conn.Close() }

// wsRequester echoes messages on one WebSocket connection.
type wsRequester struct{ c *wsClient }

func (r wsRequester) Do() (int, error) {
	if err := r.c.Echo(); err != nil {
		return 0, err
	}
	return 200, nil
}

func (r wsRequester) Connect() error {
	if r.c.c != nil {
		return nil
	}
	return r.c.connect()
}

func (r wsRequester) Close() { r.c.Close() }

// dialer returns the function that opens one connection for s.
func (s *loadSpec) dialer() func() (net.Conn, error) {
	d := &net.Dialer{Timeout: s.Timeout}
	return func() (net.Conn, error) {
		if s.TLS == nil {
			return d.Dial("tcp", s.Addr)
		}
		return tls.DialWithDialer(d, "tcp", s.Addr, s.TLS)
	}
}

// encoded pre-encodes the requests once, shared by every worker.
func (s *loadSpec) encoded() [][]byte {
	reqs := make([][]byte, len(s.Targets))
	for i, t := range s.Targets {
		reqs[i] = encodeRequest(t, s.NewConn)
	}
	return reqs
}

// newRequester returns worker i's requester, starting at its own offset in
// the targets so that workers do not move in lockstep.
func (s *loadSpec) newRequester(reqs [][]byte, i, workers int) requester {
	if s.WebSocket {
		return wsRequester{newWSClient(s.dialer(), s.Targets[0].Host, smallBody, s.Timeout)}
	}
	return &httpRequester{conn: newHTTPConn(s.dialer(), s.Timeout), reqs: reqs, next: i * len(reqs) / workers}
}

// tally is one worker's counts, merged at the end.
type tally struct {
	ok, non2xx, errs uint64
	hist             histogram
	firstErr         string
}

func (t *tally) record(status int, err error, took time.Duration) {
	switch {
	case err != nil:
		t.errs++
		if t.firstErr == "" {
			t.firstErr = err.Error()
		}
	case status >= 200 && status < 300:
		t.ok++
		t.hist.Record(took)
	default:
		t.non2xx++
	}
}

func merge(tallies []*tally, elapsed time.Duration) *loadResult {
	res := &loadResult{Elapsed: elapsed, Latency: new(histogram)}
	for _, t := range tallies {
		res.OK += t.ok
		res.Non2xx += t.non2xx
		res.Errors += t.errs
		res.Latency.Merge(&t.hist)
		if res.FirstErr == "" {
			res.FirstErr = t.firstErr
		}
	}
	return res
}

// connectAll opens the workers' connections concurrently, so that a
// run's clock starts with every connection (and TLS session) up, as in a
// steady state; a scenario of new connections per request skips it.
// Failures are left for the first request to report.
func connectAll(s *loadSpec, rs []requester) {
	if s.NewConn {
		return
	}
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() { _ = r.Connect() })
	}
	wg.Wait()
}

// runClosed drives s with conns connections, each sending its next
// request as soon as the previous answer arrived, for d (or until ctx is
// done). This measures throughput; its latencies are not reported
// because a closed loop hides queueing (coordinated omission).
func runClosed(ctx context.Context, s *loadSpec, conns int, d time.Duration) *loadResult {
	reqs := s.encoded()
	tallies := make([]*tally, conns)
	rs := make([]requester, conns)
	for i := range conns {
		tallies[i], rs[i] = new(tally), s.newRequester(reqs, i, conns)
	}
	connectAll(s, rs)
	if s.OnClock != nil {
		s.OnClock(true)
	}
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for i := range conns {
		t, r := tallies[i], rs[i]
		wg.Go(func() {
			defer r.Close()
			for now := time.Now(); now.Before(end) && ctx.Err() == nil; {
				status, err := r.Do()
				done := time.Now()
				t.record(status, err, done.Sub(now))
				if err != nil {
					// Do not spin on a refused connection.
					time.Sleep(time.Millisecond)
					done = time.Now()
				}
				now = done
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if s.OnClock != nil {
		s.OnClock(false)
	}
	return merge(tallies, elapsed)
}

// openGrace is how long past its duration an open-loop run may go on
// sending requests that fell behind schedule.
const openGrace = 2 * time.Second

// runOpen sends requests at a fixed rate for d over up to conns
// connections and measures each latency from the moment the request was
// due, not from when it was sent: a stalled proxy delays every request
// scheduled behind the stall, and those delays are counted (no
// coordinated omission, as in wrk2). Every request counts in the
// percentiles, including those that waited for a free connection.
func runOpen(ctx context.Context, s *loadSpec, rate, conns int, d time.Duration) *loadResult {
	reqs := s.encoded()
	rs := make([]requester, conns)
	for i := range conns {
		rs[i] = s.newRequester(reqs, i, conns)
	}
	connectAll(s, rs)
	return openLoop(ctx, wallClock{}, rs, rate, d)
}

// clock is where the open loop reads the time and waits: the wall clock,
// or a test's, which makes the schedule and every latency exact.
type clock interface {
	Now() time.Time
	Sleep(time.Duration)
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time        { return time.Now() }
func (wallClock) Sleep(d time.Duration) { time.Sleep(d) }

// openLoop is runOpen on connected requesters, one worker each, with the
// time from clk.
func openLoop(ctx context.Context, clk clock, rs []requester, rate int, d time.Duration) *loadResult {
	total := int64(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	var next, sent atomic.Int64
	tallies := make([]*tally, len(rs))
	start := clk.Now().Add(10 * time.Millisecond)
	// A proxy too slow for the rate must not hold the run: nothing is sent
	// after this, and what was due but not sent counts as failed rather
	// than vanishing from the percentiles.
	stopAt := start.Add(d + openGrace)
	var wg sync.WaitGroup
	for i, r := range rs {
		t := new(tally)
		tallies[i] = t
		wg.Go(func() {
			defer r.Close()
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if n >= total || clk.Now().After(stopAt) {
					return
				}
				due := start.Add(time.Duration(n) * interval)
				if wait := due.Sub(clk.Now()); wait > 0 {
					clk.Sleep(wait)
				}
				sent.Add(1)
				status, err := r.Do()
				t.record(status, err, clk.Now().Sub(due))
			}
		})
	}
	wg.Wait()
	res := merge(tallies, clk.Now().Sub(start))
	if unsent := total - sent.Load(); unsent > 0 {
		res.Errors += uint64(unsent)
		res.FirstErr = fmt.Sprintf("%d of %d requests not sent within %v of the run's end: the rate is too high for the proxy", unsent, total, openGrace)
	}
	return res
}
