package proxy

import (
	"maps"
	"reflect"
)

// trafficRuntimes are the runtimes of the traffic policies of one table:
// by the *Traffic routes carry, and by the object of their routes, so
// that an equal policy of the same object finds its runtime again.
type trafficRuntimes struct {
	byPolicy map[*Traffic]*trafficState
	byObject map[ObjectRef][]*trafficState
}

// clone returns a copy of r that can grow without changing r.
func (r trafficRuntimes) clone() trafficRuntimes {
	c := trafficRuntimes{byPolicy: make(map[*Traffic]*trafficState, len(r.byPolicy)), byObject: make(map[ObjectRef][]*trafficState, len(r.byObject))}
	maps.Copy(c.byPolicy, r.byPolicy)
	for o, list := range r.byObject {
		c.byObject[o] = list[:len(list):len(list)]
	}
	return c
}

// find returns the runtime of t, a policy of a route of object, if r has
// one: t's own (a Traffic does not change once given to the Handler), or,
// for a named object, one of that object built from an equal policy.
func (r *trafficRuntimes) find(t *Traffic, object ObjectRef) *trafficState {
	if ts := r.byPolicy[t]; ts != nil {
		return ts
	}
	if object == (ObjectRef{}) {
		return nil // nothing says two unnamed routes are one policy
	}
	for _, ts := range r.byObject[object] {
		if reflect.DeepEqual(&ts.spec, t) {
			return ts
		}
	}
	return nil
}

// add records ts as the runtime of t.
func (r *trafficRuntimes) add(t *Traffic, ts *trafficState) {
	if r.byPolicy == nil {
		r.byPolicy = make(map[*Traffic]*trafficState)
		r.byObject = make(map[ObjectRef][]*trafficState)
	}
	r.byPolicy[t] = ts
	if ts.object == (ObjectRef{}) {
		return
	}
	for _, have := range r.byObject[ts.object] {
		if have == ts {
			return
		}
	}
	r.byObject[ts.object] = append(r.byObject[ts.object], ts)
}

// trafficOf returns the runtime of the policy of rt in st: the one st
// already has for it, else the one old (which may be nil) had, else a new
// one, and what is wrong with the policy.
func (h *Handler) trafficOf(st *state, rt *Route, old *state) (*trafficState, []error) {
	t := rt.Traffic
	if ts := st.traffics.find(t, rt.Object); ts != nil {
		st.traffics.add(t, ts)
		return ts, nil
	}
	if old != nil {
		if ts := old.traffics.find(t, rt.Object); ts != nil {
			st.traffics.add(t, ts)
			return ts, nil
		}
	}
	ts, errs := h.buildTraffic(t, rt.Object)
	if len(errs) > 0 {
		return nil, errs
	}
	st.traffics.add(t, ts)
	return ts, nil
}

// keep returns the runtimes of r that used reports as used.
func (r trafficRuntimes) keep(used map[*trafficState]bool) trafficRuntimes {
	var out trafficRuntimes
	for t, ts := range r.byPolicy {
		if used[ts] {
			out.add(t, ts)
		}
	}
	return out
}

// closeUnused closes the idle connections to the auth services of the
// runtimes of r that now does not hold.
func (r trafficRuntimes) closeUnused(now trafficRuntimes) {
	held := make(map[*trafficState]bool, len(now.byPolicy))
	for _, ts := range now.byPolicy {
		held[ts] = true
	}
	for _, ts := range r.byPolicy {
		if !held[ts] && ts.ext != nil {
			ts.ext.client.CloseIdleConnections()
		}
	}
}
