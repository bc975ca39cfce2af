package ingress

import (
	"cmp"
	"slices"
)

// Lookups of single objects, for programs that compile other front ends
// (Gateway API routes) against the Services, EndpointSlices, Secrets and
// ConfigMaps a Tracker holds, and need to know when those changed.

// Service returns the Service stored under "namespace/name", if any.
func (t *Tracker) Service(key string) (Service, bool) {
	if e := t.objs[kindService][key]; e != nil {
		return e.n.obj.(Service), true
	}
	return Service{}, false
}

// ConfigMap returns the ConfigMap stored under "namespace/name", if any.
func (t *Tracker) ConfigMap(key string) (ConfigMap, bool) {
	if e := t.objs[kindConfigMap][key]; e != nil {
		return e.n.obj.(ConfigMap), true
	}
	return ConfigMap{}, false
}

// EndpointSlicesOf returns the EndpointSlices of the Service
// "namespace/name" (by their kubernetes.io/service-name label), in load
// order.
func (t *Tracker) EndpointSlicesOf(service string) []EndpointSlice {
	var es []*entry
	for key := range t.slicesOf[service] {
		if e := t.objs[kindEndpointSlice][key]; e != nil {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]EndpointSlice, len(es))
	for i, e := range es {
		out[i] = e.n.obj.(EndpointSlice)
	}
	return out
}
