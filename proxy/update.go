package proxy

import (
	"errors"
	"maps"
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
	st := &state{
		table:      table,
		routes:     maps.Clone(old.routes),
		upstreams:  maps.Clone(old.upstreams),
		byName:     maps.Clone(old.byName),
		uses:       maps.Clone(old.uses),
		transports: old.transports.clone(),
		traffics:   old.traffics.clone(),
	}
	for _, r := range removed {
		if rt, ok := r.Value.(*Route); ok {
			if st.uses[rt]--; st.uses[rt] <= 0 {
				delete(st.routes, rt)
				delete(st.uses, rt)
			}
		}
	}
	st, err := h.fill(st, added, old)
	if err != nil {
		return err
	}
	st.dropUnused()
	h.state.Store(st)
	old.traffics.closeUnused(st.traffics)
	return nil
}

// dropUnused forgets the upstreams and traffic runtimes no route of st
// uses any more, so that SetEndpoints finds none of them (and says so) and
// they do not pile up over many updates. It walks every route, as the copy
// of the route map that each Update makes does already.
func (st *state) dropUnused() {
	used := make(map[*upstream]bool, len(st.routes))
	usedTraffic := make(map[*trafficState]bool)
	for _, rs := range st.routes {
		used[rs.up], used[rs.fallback] = true, true
		for _, up := range rs.others {
			used[up] = true
		}
		usedTraffic[rs.traffic] = true
	}
	st.traffics = st.traffics.keep(usedTraffic)
	unused := func(up *upstream) bool { return !used[up] }
	maps.DeleteFunc(st.upstreams, func(_ *Upstream, up *upstream) bool { return unused(up) })
	for name, ups := range st.byName {
		if !slices.ContainsFunc(ups, unused) {
			continue // shared with the previous state: left as it is
		}
		ups = slices.DeleteFunc(slices.Clone(ups), unused)
		if len(ups) == 0 {
			delete(st.byName, name)
		} else {
			st.byName[name] = ups
		}
	}
}

// clone returns a copy of s that can grow without changing s.
func (s *transportSet) clone() transportSet {
	c := transportSet{byBucket: make(map[bucket][]*transportEntry, len(s.byBucket)), all: slices.Clip(s.all), wrapped: slices.Clip(s.wrapped)}
	for b, list := range s.byBucket {
		c.byBucket[b] = slices.Clip(list)
	}
	return c
}
