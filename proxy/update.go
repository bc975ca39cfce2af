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
// rule are kept as they are, balancing state included. Requests in flight
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
	upUses := old.upUses
	if upUses == nil {
		upUses = countUpstreamUses(old) // once after New or Reload
	}
	// The maps are shared with old shard by shard; only what this update
	// writes is copied.
	st := &state{
		table:      table,
		routes:     old.routes.clone(),
		upstreams:  old.upstreams.clone(),
		byName:     old.byName.clone(),
		uses:       old.uses.clone(),
		upUses:     upUses.clone(),
		transports: old.transports.clone(),
	}
	var gone []*routeState
	for _, r := range removed {
		if rt, ok := r.Value.(*Route); ok {
			n := st.uses.get(rt) - 1
			if n > 0 {
				st.uses.set(rt, n)
				continue
			}
			st.uses.del(rt)
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
	st.countUses(gone, added, old)
	h.state.Store(st)
	return nil
}

// countUses updates upUses for the routes gone and the route states fill
// made for added, and forgets the upstreams no route uses any more, so
// that SetEndpoints finds none of them (and says so) and they do not pile
// up over many updates.
func (st *state) countUses(gone []*routeState, added []route.Rule, old *state) {
	touched := map[*upstream]bool{}
	count := func(rs *routeState, by int) {
		for _, up := range rs.upstreams() {
			st.upUses.set(up, st.upUses.get(up)+by)
			touched[up] = true
		}
	}
	for _, rs := range gone {
		count(rs, -1)
	}
	made := map[*routeState]bool{}
	for _, r := range added {
		rt, _ := r.Value.(*Route)
		if rs := st.routes.get(rt); rs != nil && !made[rs] && old.routes.get(rt) != rs {
			made[rs] = true
			count(rs, +1)
		}
	}
	for up := range touched {
		if st.upUses.get(up) > 0 {
			continue
		}
		st.upUses.del(up)
		if st.upstreams.get(up.cfg) == up {
			st.upstreams.del(up.cfg)
		}
		ups := slices.DeleteFunc(slices.Clone(st.byName.get(up.name)), func(u *upstream) bool { return u == up })
		if len(ups) == 0 {
			st.byName.del(up.name)
		} else {
			st.byName.set(up.name, ups)
		}
	}
}

// upstreams lists the upstreams rs uses, each as often as it does.
func (rs *routeState) upstreams() []*upstream {
	ups := append([]*upstream{rs.up}, rs.canaries...)
	if rs.fallback != nil {
		ups = append(ups, rs.fallback)
	}
	return ups
}

// countUpstreamUses counts the routes of st that use each upstream.
func countUpstreamUses(st *state) *cowMap[*upstream, int] {
	uses := newCowMap[*upstream, int]()
	for _, rs := range st.routes.all() {
		for _, up := range rs.upstreams() {
			uses.set(up, uses.get(up)+1)
		}
	}
	return uses
}

// clone returns a copy of s that can grow without changing s.
func (s *transportSet) clone() transportSet {
	c := transportSet{byBucket: make(map[bucket][]*transportEntry, len(s.byBucket)), all: slices.Clip(s.all), wrapped: slices.Clip(s.wrapped)}
	for b, list := range s.byBucket {
		c.byBucket[b] = slices.Clip(list)
	}
	return c
}
