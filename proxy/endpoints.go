package proxy

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// Endpoints change far more often than routes: on every rollout, scale-up
// and failing readiness probe. SetEndpoints gives the upstreams of the
// table being served their new endpoints without a reload: nothing of the
// route table is rebuilt, and what the balancer learnt about the endpoints
// that remain (round-robin position, EWMA response times, passive health
// records, places on the hash ring and affinity cookies) carries over.

// SetEndpoints replaces the endpoints of every upstream named name
// (Upstream.Name) in the table being served, and returns how many
// upstreams it changed; zero means no upstream has that name. Requests
// already under way finish with the endpoints they picked; the next ones
// choose among the new endpoints. The change lasts until a table is
// loaded whose Upstream for the name differs (New and Reload keep an
// unchanged Upstream and the endpoints given here). Invalid endpoints
// change nothing and the error says which.
func (h *Handler) SetEndpoints(name string, endpoints []string) (int, error) {
	var errs []error
	for i, ep := range endpoints {
		if err := checkEndpoint(ep); err != nil {
			errs = append(errs, fmt.Errorf("proxy: upstream %q: Endpoints[%d]: invalid value %q: %w", name, i, ep, err))
		}
	}
	if len(errs) > 0 {
		return 0, errors.Join(errs...)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, up := range h.state.Load().byName.get(name) {
		cur := up.current()
		if slices.Equal(cur.endpoints, endpoints) {
			n++
			continue
		}
		up.live.Store(h.withEndpoints(cur, endpoints))
		n++
	}
	return n, nil
}

// withEndpoints returns a copy of up serving endpoints, with the balancing
// state of the endpoints that remain carried over.
func (h *Handler) withEndpoints(up *upstream, endpoints []string) *upstream {
	spec := up.spec
	spec.Endpoints = endpoints
	nu := h.withHealth(newBalancer(&spec, up.te, up.teTLS))
	nu.spec = up.spec // what the table gave: a reload compares with it
	nu.origin = up.origin
	nu.wrappers = up.wrappers // Config.WrapTransport's, for the same transports
	nu.n.Store(up.n.Load())
	nu.health.carry(up.health)
	if nu.lat != nil && up.lat != nil {
		nu.lat.carry(up.lat)
	}
	return nu
}

// carry copies from old the records of the endpoints h shares with it.
func (h *health) carry(old *health) {
	if h == nil || old == nil {
		return
	}
	for i, ep := range h.endpoints {
		if last, _ := h.find(ep); last != i {
			continue // an endpoint listed twice has the record of its last place
		}
		j, ok := old.find(ep)
		if !ok {
			continue
		}
		fails, until := old.eps[j].fails.Load(), old.eps[j].downUntil.Load()
		h.eps[i].fails.Store(fails)
		h.eps[i].downUntil.Store(until)
		if fails > 0 {
			h.failing.Add(1)
		}
	}
}

// carry copies from old the response times of the endpoints l shares with
// it. Requests in flight stay counted on old, where they finish.
func (l *latencies) carry(old *latencies) {
	for ep, i := range l.index {
		j, ok := old.index[ep]
		if !ok {
			continue
		}
		o := &old.eps[j]
		o.mu.Lock()
		l.eps[i].cost.Store(o.cost.Load())
		l.eps[i].stamp.Store(o.stamp.Load())
		o.mu.Unlock()
	}
}

// sameUpstream reports whether b describes the same upstream as a, so that
// a reload can keep a's balancer for it.
func sameUpstream(a, b *Upstream) bool {
	return a.Name == b.Name && a.Protocol == b.Protocol && a.ConnectTimeout == b.ConnectTimeout && a.Status == b.Status &&
		slices.Equal(a.Endpoints, b.Endpoints) && a.TLS.Equal(b.TLS) &&
		a.Balance == b.Balance && a.HashBy == b.HashBy && a.HashSubsetSize == b.HashSubsetSize &&
		reflect.DeepEqual(a.Affinity, b.Affinity)
}

// carryFrom gives a new upstream the balancing state of the previous
// table's upstream of the same name and settings, for the endpoints they
// share: a reload that changes a route, or only the endpoints, does not
// reset what the balancer learnt.
func (up *upstream) carryFrom(old *state) {
	if old == nil {
		return
	}
	for _, prev := range old.byName.get(up.name) {
		p := &prev.spec
		if !sameUpstream(&Upstream{Name: p.Name, Protocol: p.Protocol, ConnectTimeout: p.ConnectTimeout, Endpoints: up.spec.Endpoints, TLS: p.TLS, Balancing: p.Balancing, Status: p.Status}, &up.spec) {
			continue
		}
		cur := prev.current()
		up.n.Store(cur.n.Load())
		up.health.carry(cur.health)
		if up.lat != nil && cur.lat != nil {
			up.lat.carry(cur.lat)
		}
		return
	}
}
