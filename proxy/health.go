package proxy

import (
	"sync/atomic"
	"time"
)

// Passive health checks, as nginx's max_fails and fail_timeout do: an
// endpoint whose connections fail MaxFails times in a row is left out of
// the rotation for FailTimeout, then tried again; a success clears its
// record. Only failures that are the endpoint's count: a refused or reset
// connection, a failed TLS handshake, a connect timeout — not a client that
// went away, nor a read timeout, which slow but live backends cause.
//
// The record costs nothing while every endpoint is healthy: a success looks
// up its endpoint only when some endpoint has failures on record.

// Passive health defaults.
const (
	// DefaultMaxFails is how many consecutive failures take an endpoint out
	// of rotation (Config.MaxFails).
	DefaultMaxFails = 3
	// DefaultFailTimeout is how long it stays out (Config.FailTimeout).
	DefaultFailTimeout = 10 * time.Second
)

// health is the passive health record of an upstream's endpoints.
type health struct {
	maxFails  int32
	downFor   int64    // in clock() units
	endpoints []string // the upstream's, which eps follow
	// index finds an endpoint's record when there are more than
	// healthScan; fewer are looked through, which is as fast and spares
	// the map that would double the record's size: most upstreams have a
	// few endpoints, and a table of 100,000 Ingresses has tens of
	// thousands of records.
	index   map[string]int
	eps     []endpointHealth
	failing atomic.Int32 // endpoints with failures on record
}

// healthScan is the most endpoints whose records are looked through, not
// indexed.
const healthScan = 8

type endpointHealth struct {
	fails     atomic.Int32
	downUntil atomic.Int64 // clock(); 0 when up
}

// newHealth returns the record for endpoints, or nil when passive health
// checks are off (maxFails < 0) or pointless (fewer than two endpoints:
// leaving the only one out would serve nothing better).
func newHealth(endpoints []string, maxFails int, failTimeout time.Duration) *health {
	if maxFails < 0 || len(endpoints) < 2 {
		return nil
	}
	if maxFails == 0 {
		maxFails = DefaultMaxFails
	}
	if failTimeout <= 0 {
		failTimeout = DefaultFailTimeout
	}
	h := &health{maxFails: int32(maxFails), downFor: int64(failTimeout), endpoints: endpoints, eps: make([]endpointHealth, len(endpoints))}
	if len(endpoints) > healthScan {
		h.index = make(map[string]int, len(endpoints))
		for i, ep := range endpoints {
			h.index[ep] = i
		}
	}
	return h
}

// find returns the index of ep's record: of its last place in the
// endpoints, where it is listed twice.
func (h *health) find(ep string) (int, bool) {
	if h.index != nil {
		i, ok := h.index[ep]
		return i, ok
	}
	for i := len(h.endpoints) - 1; i >= 0; i-- {
		if h.endpoints[i] == ep {
			return i, true
		}
	}
	return 0, false
}

// live reports whether endpoint i may be given requests now.
func (h *health) live(i int) bool {
	if h == nil || h.failing.Load() == 0 {
		return true
	}
	until := h.eps[i].downUntil.Load()
	return until == 0 || clock() >= until
}

// failed records a failure of endpoint ep.
func (h *health) failed(ep string) {
	if h == nil {
		return
	}
	i, ok := h.find(ep)
	if !ok {
		return
	}
	e := &h.eps[i]
	n := e.fails.Add(1)
	if n == 1 {
		h.failing.Add(1)
	}
	if n >= h.maxFails {
		e.downUntil.Store(clock() + h.downFor)
	}
}

// succeeded clears the record of endpoint ep.
func (h *health) succeeded(ep string) {
	if h == nil || h.failing.Load() == 0 {
		return
	}
	i, ok := h.find(ep)
	if !ok {
		return
	}
	e := &h.eps[i]
	if e.fails.Swap(0) != 0 {
		e.downUntil.Store(0)
		h.failing.Add(-1)
	}
}

// record notes the outcome of one attempt on ep: err is what the transport
// returned.
func (rc *reqCtx) record(ep string, err error) {
	h := rc.up.health
	switch {
	case h == nil:
	case err == nil:
		h.succeeded(ep)
	case rc.client.Err() == nil && !rc.tooLarge.Load() && rc.timedOut() == nil:
		h.failed(ep)
	}
}
