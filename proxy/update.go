package proxy

import (
	"errors"
	"slices"

	"github.com/ingressmux/ingressmux/route"
)

// Update serves table, which must be the table being served with the
// rules of some hosts replaced: removed lists the rules that left, added
// those that came (as route.Splice makes it). Only the added rules are
// validated and prepared, so the cost of an update grows with what
// changed, not with the table; the routes and upstreams of every other
// rule are kept as they are, balancing state included, and so are the
// runtimes of their traffic policies (and of equal policies of the same
// object that added rules bring; see Traffic). Requests in flight
// finish on the previous table. On error nothing changes, and the error
// says why, as Reload's does. Transports that no route uses any more keep
// their idle connections until the next Reload.
func (h *Handler) Update(table *route.Table, removed, added []route.Rule) error {
	if table == nil {
		return errors.New("proxy: the route table is nil")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.state.Load()
	if old.closed {
		return ErrClosed
	}
	counts := old.counts
	if counts == nil {
		counts = countUses(old) // once after New or Reload
	}
	// The maps are shared with old shard by shard; only what this update
	// writes is copied.
	st := &state{
		table:      table,
		routes:     old.routes.clone(),
		upstreams:  old.upstreams.clone(),
		byName:     old.byName.clone(),
		extraUses:  old.extraUses.clone(),
		counts:     counts.clone(),
		transports: old.transports.clone(),
		traffics:   old.traffics.clone(),
	}
	var gone []*routeState
	for _, r := range removed {
		if rt, ok := r.Value.(*Route); ok {
			if n := st.extraUses.get(rt); n > 0 {
				// Another rule still carries rt.
				if n > 1 {
					st.extraUses.set(rt, n-1)
				} else {
					st.extraUses.del(rt)
				}
				continue
			}
			if rs := st.routes.get(rt); rs != nil {
				gone = append(gone, rs)
				st.routes.del(rt)
			}
		}
	}
	st, err := h.fill(st, added, old)
	if err != nil {
		return err
	}
	dropped := st.recount(gone, added, old)
	h.state.Store(st)
	for _, ts := range dropped {
		ts.closeIdle()
	}
	return nil
}

// clone returns a copy of s that can grow without changing s.
func (s *transportSet) clone() transportSet {
	c := transportSet{byBucket: make(map[bucket][]*transportEntry, len(s.byBucket)), all: slices.Clip(s.all), wrapped: slices.Clip(s.wrapped)}
	for b, list := range s.byBucket {
		c.byBucket[b] = slices.Clip(list)
	}
	return c
}
