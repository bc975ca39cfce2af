package proxy

import (
	"reflect"
	"slices"
)

// trafficRuntimes are the runtimes of the traffic policies of one table:
// by the *Traffic routes carry, and by the object of their routes, so
// that an equal policy of the same object finds its runtime again. Their
// maps are cowMaps, shared with the previous table's until written, as
// the rest of the state.
type trafficRuntimes struct {
	byPolicy *cowMap[*Traffic, *trafficState]
	byObject *cowMap[ObjectRef, []*trafficState]
}

func newTrafficRuntimes() trafficRuntimes {
	return trafficRuntimes{byPolicy: newCowMap[*Traffic, *trafficState](), byObject: newCowMap[ObjectRef, []*trafficState]()}
}

// clone returns a copy of r that can change without changing r.
func (r trafficRuntimes) clone() trafficRuntimes {
	return trafficRuntimes{byPolicy: r.byPolicy.clone(), byObject: r.byObject.clone()}
}

// find returns the runtime of t, a policy of a route of object, if r has
// one: t's own (a Traffic does not change once given to the Handler), or,
// for a named object, one of that object built from an equal policy.
func (r *trafficRuntimes) find(t *Traffic, object ObjectRef) *trafficState {
	if ts := r.byPolicy.get(t); ts != nil {
		return ts
	}
	if object == (ObjectRef{}) {
		return nil // nothing says two unnamed routes are one policy
	}
	for _, ts := range r.byObject.get(object) {
		if reflect.DeepEqual(&ts.spec, t) {
			return ts
		}
	}
	return nil
}

// add records ts as the runtime of t.
func (r *trafficRuntimes) add(t *Traffic, ts *trafficState) {
	if r.byPolicy.get(t) == ts {
		return // as it was: nothing copied
	}
	r.byPolicy.set(t, ts)
	if ts.object == (ObjectRef{}) {
		return
	}
	list := r.byObject.get(ts.object)
	if slices.Contains(list, ts) {
		return
	}
	r.byObject.set(ts.object, append(slices.Clip(list), ts))
}

// forget drops t, whose runtime ts serves no other policy any more when
// last is true.
func (r *trafficRuntimes) forget(t *Traffic, ts *trafficState, last bool) {
	r.byPolicy.del(t)
	if !last || ts.object == (ObjectRef{}) {
		return
	}
	removeFrom(r.byObject, ts.object, ts)
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

// closeUnused closes the idle connections to the auth services of the
// runtimes of r that now does not hold.
func (r trafficRuntimes) closeUnused(now trafficRuntimes) {
	held := make(map[*trafficState]bool, now.byPolicy.len())
	for _, ts := range now.byPolicy.all() {
		held[ts] = true
	}
	for _, ts := range r.byPolicy.all() {
		if !held[ts] {
			ts.closeIdle()
		}
	}
}

// closeIdle closes the idle connections to the auth service of ts, if it
// has one.
func (ts *trafficState) closeIdle() {
	if ts.ext != nil {
		ts.ext.client.CloseIdleConnections()
	}
}
