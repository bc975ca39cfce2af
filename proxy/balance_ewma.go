package proxy

import (
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// EWMA balancing (load-balance: ewma), in the "peak EWMA" form of
// Finagle and Linkerd that ingress-nginx's balancer is modelled on. Each
// endpoint has a cost: an exponentially weighted moving average of its
// response times that decays with time (not with the number of samples)
// and jumps at once to any sample above it, so that an endpoint that turns
// slow is avoided at the next request while one that recovers wins traffic
// back over seconds. A request goes to the cheaper of two endpoints drawn
// at random (power of two choices), where cheaper means a lower cost times
// (requests in flight + 1): two draws avoid the herding of always taking
// the single best endpoint, and in-flight requests make a busy endpoint
// look slower before its answers do.

// ewmaDecay is how fast old response times are forgotten: ingress-nginx's
// DECAY_TIME of 10 seconds. A sample taken this long ago weighs 1/e.
const ewmaDecay = float64(10 * time.Second)

// unmeasuredCost is the cost per request in flight of an endpoint that has
// not answered yet: high, so that a new endpoint is sent one request at a
// time until it has a response time, yet zero while it is idle, so that it
// gets that first request at once.
const unmeasuredCost = float64(time.Hour)

// latencies is the response-time record of the endpoints of an upstream.
type latencies struct {
	eps     []endpointLatency // by endpoint index
	index   map[string]int    // endpoint address to index
	penalty float64           // the sample of a failed attempt, in ns
}

// endpointLatency is the record of one endpoint. Picks read it without
// locking; observations, which read, decay and write, are serialised.
type endpointLatency struct {
	mu       sync.Mutex
	cost     atomic.Uint64 // float64 bits: the peak EWMA in ns as of stamp
	stamp    atomic.Int64  // clock() of the last observation; 0: none yet
	inflight atomic.Int64
	_        [32]byte // keeps neighbours off this cache line
}

// newLatencies returns an empty record for endpoints. A failed attempt
// counts as an answer after the connect timeout, so that an endpoint that
// refuses connections at once does not look fast.
func newLatencies(endpoints []string, connectTimeout time.Duration) *latencies {
	l := &latencies{eps: make([]endpointLatency, len(endpoints)), index: make(map[string]int, len(endpoints)), penalty: float64(connectTimeout)}
	for i, ep := range endpoints {
		if _, dup := l.index[ep]; !dup {
			l.index[ep] = i
		}
	}
	return l
}

// score returns the cost of sending one more request to endpoint i at now.
func (l *latencies) score(i int, now int64) float64 {
	e := &l.eps[i]
	pending := float64(e.inflight.Load())
	stamp := e.stamp.Load()
	if stamp == 0 {
		return unmeasuredCost * pending
	}
	cost := math.Float64frombits(e.cost.Load())
	if td := now - stamp; td > 0 {
		cost *= math.Exp(-float64(td) / ewmaDecay)
	}
	return cost * (pending + 1)
}

// pick returns the index of the cheaper of two distinct endpoints drawn at
// random among those skip leaves (all when skip is nil), or -1 when none
// is left.
func (l *latencies) pick(skip func(int) bool) int {
	n := len(l.eps)
	if skip == nil {
		if n == 1 {
			return 0
		}
		return l.better(rand.IntN(n), n, func(k int) int { return k })
	}
	var cand []int // a retry only: allocating is fine
	for i := range n {
		if !skip(i) {
			cand = append(cand, i)
		}
	}
	switch len(cand) {
	case 0:
		return -1
	case 1:
		return cand[0]
	}
	return l.better(rand.IntN(len(cand)), len(cand), func(k int) int { return cand[k] })
}

// better draws a second candidate among n, distinct from the first, and
// returns the endpoint of the cheaper one; at maps a candidate to its
// endpoint.
func (l *latencies) better(first, n int, at func(int) int) int {
	second := rand.IntN(n - 1)
	if second >= first {
		second++
	}
	a, b := at(first), at(second)
	now := clock()
	if l.score(b, now) < l.score(a, now) {
		return b
	}
	return a
}

// measure sends req, one attempt of rc, and records how long the endpoint
// took to answer with headers: the body of a long download or stream says
// nothing about the endpoint's speed. A failure counts as the penalty at
// least; an attempt that failed through the client's fault (it went away,
// or its body was over the limit) counts for nothing.
func (l *latencies) measure(rc *reqCtx, req *http.Request) (*http.Response, error) {
	i, ok := l.index[req.URL.Host]
	if !ok {
		return rc.send(req)
	}
	e := &l.eps[i]
	e.inflight.Add(1)
	start := clock()
	res, err := rc.send(req)
	end := clock()
	e.inflight.Add(-1)
	rtt := float64(end - start)
	switch {
	case err == nil:
		e.observe(rtt, end)
	case rc.client.Err() == nil && !rc.tooLarge.Load():
		// The client neither went away nor sent too much: the failure is
		// the endpoint's.
		e.observe(max(rtt, l.penalty), end)
	}
	return res, err
}

// observe adds a response time of rtt ns, taken at now.
func (e *endpointLatency) observe(rtt float64, now int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cost := math.Float64frombits(e.cost.Load())
	if stamp := e.stamp.Load(); stamp != 0 && now > stamp {
		w := math.Exp(-float64(now-stamp) / ewmaDecay)
		cost = cost*w + rtt*(1-w)
	}
	// The peak: a slower answer than the average replaces it at once.
	cost = max(cost, rtt)
	e.cost.Store(math.Float64bits(cost))
	e.stamp.Store(max(now, 1))
}
