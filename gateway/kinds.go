package gateway

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// attachedRoute is an HTTPRoute or GRPCRoute with where it attached,
// before kindConflicts settles which listeners keep it.
type attachedRoute struct {
	ro  routeObject
	att attachment
}

// kindConflicts applies the rule of the Gateway API route hostnames: when
// an HTTPRoute and a GRPCRoute attach to the same listener with hostnames
// in common, only one of them is accepted there, the oldest route, then
// the first by namespace/name. The other's link to the listener is
// dropped, and a parent left without links is not Accepted.
func (c *compiler) kindConflicts(routes []*attachedRoute) {
	order := slices.Clone(routes)
	slices.SortStableFunc(order, func(a, b *attachedRoute) int {
		return cmp.Or(a.ro.meta.CreationTimestamp.Compare(b.ro.meta.CreationTimestamp.Time),
			strings.Compare(a.ro.key(), b.ro.key()), strings.Compare(a.ro.kind, b.ro.kind))
	})
	type kept struct {
		route  *attachedRoute
		common []string
	}
	byListener := map[*listenerState][]kept{}
	for _, ar := range order {
		links := ar.att.links[:0:0]
		for _, l := range ar.att.links {
			var winner *attachedRoute
			for _, k := range byListener[l.ls] {
				if k.route.ro.kind != ar.ro.kind && anyIntersect(k.common, l.common) {
					winner = k.route
					break
				}
			}
			if winner != nil {
				p := &ar.att.parents[l.parent]
				p.lostTo = fmt.Sprintf("listener %s: %s, which is older (or first by namespace/name), has hostnames in common with this route there, and a listener accepts only one of an HTTPRoute and a GRPCRoute for a hostname",
					l.ls.spec.Name, winner.ro.ref)
				c.warn(ar.ro.source, ar.ro.ref, "spec.hostnames", "not attached to gateway "+l.ls.gw.key()+" "+p.lostTo)
				continue
			}
			links = append(links, l)
			byListener[l.ls] = append(byListener[l.ls], kept{ar, l.common})
		}
		ar.att.links = links
	}
}

// anyIntersect reports whether a hostname of a has something in common
// with one of b ("" is any hostname).
func anyIntersect(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if _, ok := intersect(x, y); ok {
				return true
			}
		}
	}
	return false
}
