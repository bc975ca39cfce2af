package proxy

import (
	"github.com/ingressmux/ingressmux/route"
)

// Routes carry *Upstream and *Traffic values (keys); the handler serves
// each with a runtime (a balancer, a policy's counters). Equal keys share
// one runtime (see fill and trafficOf), so a runtime may serve several
// keys. Update drops a key with the last route that refers to it, and a
// runtime with the last key it serves, by counting both: the cost of an
// update grows with the routes it changes, not with the table.

// useCounts are the counts of one state's upstreams and traffic policies.
type useCounts struct {
	upstreams refCounts[*Upstream, *upstream]
	traffics  refCounts[*Traffic, *trafficState]
}

// refCounts counts the references of routes to each key, and the keys
// each runtime serves.
type refCounts[K, R comparable] struct {
	refs *cowMap[K, int]
	keys *cowMap[R, int]
}

func newRefCounts[K, R comparable]() refCounts[K, R] {
	return refCounts[K, R]{refs: newCowMap[K, int](), keys: newCowMap[R, int]()}
}

func (c refCounts[K, R]) clone() refCounts[K, R] {
	return refCounts[K, R]{refs: c.refs.clone(), keys: c.keys.clone()}
}

// refer counts one more reference to k, served by r.
func (c refCounts[K, R]) refer(k K, r R) {
	n, had := c.refs.lookup(k)
	if !had {
		c.keys.set(r, c.keys.get(r)+1)
	}
	c.refs.set(k, n+1)
}

// release counts one reference less to k, served by r. It reports whether
// no reference to k is left (k is forgotten), and whether r then serves
// no key at all.
func (c refCounts[K, R]) release(k K, r R) (forgotten, last bool) {
	if n := c.refs.get(k) - 1; n > 0 {
		c.refs.set(k, n)
		return false, false
	}
	c.refs.del(k)
	if n := c.keys.get(r) - 1; n > 0 {
		c.keys.set(r, n)
		return true, false
	}
	c.keys.del(r)
	return true, true
}

func (c *useCounts) clone() *useCounts {
	return &useCounts{upstreams: c.upstreams.clone(), traffics: c.traffics.clone()}
}

// countUses counts the uses of st's upstreams and traffic runtimes by
// walking every route: once after New or Reload, before the first Update.
func countUses(st *state) *useCounts {
	c := &useCounts{upstreams: newRefCounts[*Upstream, *upstream](), traffics: newRefCounts[*Traffic, *trafficState]()}
	for rt, rs := range st.routes.all() {
		for _, u := range rt.upstreamKeys() {
			c.upstreams.refer(u, st.upstreams.get(u))
		}
		if rs.traffic != nil {
			c.traffics.refer(rt.Traffic, rs.traffic)
		}
	}
	return c
}

// recount updates st.counts, made for old, for the route states gone and
// those fill made for added; it forgets the upstreams and traffic
// policies no route uses any more, so that SetEndpoints finds none of
// them (and says so) and they do not pile up over many updates. It
// returns the traffic runtimes dropped, whose idle connections to auth
// services are to be closed.
func (st *state) recount(gone []*routeState, added []route.Rule, old *state) []*trafficState {
	c := st.counts
	// What came first: a key that a route gone and a route made share is
	// then never without references.
	made := map[*routeState]bool{}
	for _, r := range added {
		rt, _ := r.Value.(*Route)
		rs := st.routes.get(rt)
		if rs == nil || made[rs] || old.routes.get(rt) == rs {
			continue
		}
		made[rs] = true
		for _, u := range rt.upstreamKeys() {
			c.upstreams.refer(u, st.upstreams.get(u))
		}
		if rs.traffic != nil {
			c.traffics.refer(rt.Traffic, rs.traffic)
		}
	}
	var dropped []*trafficState
	for _, rs := range gone {
		for _, u := range rs.route.upstreamKeys() {
			up := st.upstreams.get(u)
			forgotten, last := c.upstreams.release(u, up)
			if forgotten {
				st.upstreams.del(u)
			}
			if last {
				removeFrom(st.byName, up.name, up)
			}
		}
		if rs.traffic != nil {
			forgotten, last := c.traffics.release(rs.route.Traffic, rs.traffic)
			if forgotten {
				st.traffics.forget(rs.route.Traffic, rs.traffic, last)
			}
			if last {
				dropped = append(dropped, rs.traffic)
			}
		}
	}
	return dropped
}

// upstreamKeys lists the Upstreams rt refers to, each as often as it
// does: its own, its default backend's, its canaries', weighted backends'
// and mirrors'.
func (rt *Route) upstreamKeys() []*Upstream {
	keys := make([]*Upstream, 0, 2+len(rt.Canaries)+len(rt.Backends)+len(rt.Mirrors))
	if rt.Upstream != nil {
		keys = append(keys, rt.Upstream)
	}
	if rt.DefaultBackend != nil {
		keys = append(keys, rt.DefaultBackend)
	}
	for _, c := range rt.Canaries {
		keys = append(keys, c.Upstream)
	}
	for _, b := range rt.Backends {
		keys = append(keys, b.Upstream)
	}
	for _, m := range rt.Mirrors {
		keys = append(keys, m.Upstream)
	}
	return keys
}
