package ingressmux

import (
	"reflect"
	"slices"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// A change that moves only a Service's endpoints is pushed to the
// proxy's upstreams (proxy.Handler.SetEndpoints) instead of giving it a
// new table, so that balancing state survives; these functions tell such a
// change from one that needs the table.

// sameDeepWildcards reports whether a and b have the same deep wildcard
// hosts.
func sameDeepWildcards(a, b *route.Table) bool {
	x, y := a.Options().DeepWildcards, b.Options().DeepWildcards
	return len(x) == len(y) && !slices.ContainsFunc(x, func(w string) bool { return !slices.Contains(y, w) })
}

// endpointsOnly reports whether the rules res compiled again differ from
// those of old only in the endpoints of their upstreams, and if so returns
// the new endpoints by upstream name. An upstream resolved to its
// Service's cluster IP (service-upstream) by some route does not qualify:
// its name stands for other addresses there.
func endpointsOnly(old *route.Table, res *ingress.Result) (map[string][]string, bool) {
	pushes := map[string][]string{}
	for host := range res.Hosts {
		was, now := old.HostRules(host), res.Changed.HostRules(host)
		if len(was) != len(now) {
			return nil, false
		}
		for i := range now {
			a, b := was[i], now[i]
			ra, rb := a.Value.(*proxy.Route), b.Value.(*proxy.Route)
			a.Value, b.Value = nil, nil
			if !reflect.DeepEqual(a, b) || !sameButEndpoints(ra, rb) {
				return nil, false
			}
			for _, u := range upstreamsOf(rb) {
				if u.Resolution == "service-upstream" {
					return nil, false
				}
				if have, seen := pushes[u.Name]; seen && !slices.Equal(have, u.Endpoints) {
					return nil, false
				}
				pushes[u.Name] = u.Endpoints
			}
			for _, u := range upstreamsOf(ra) {
				if u.Resolution == "service-upstream" {
					return nil, false
				}
			}
		}
	}
	return pushes, true
}

// upstreamsOf lists the upstreams of r whose endpoints may move alone:
// its own, its canaries', and its weighted backends' and mirrors' (of
// Gateway API routes).
func upstreamsOf(r *proxy.Route) []*proxy.Upstream {
	var out []*proxy.Upstream
	add := func(u *proxy.Upstream) {
		if u != nil {
			out = append(out, u)
		}
	}
	add(r.Upstream)
	for _, c := range r.Canaries {
		add(c.Upstream)
	}
	for _, b := range r.Backends {
		add(b.Upstream)
	}
	for _, m := range r.Mirrors {
		add(m.Upstream)
	}
	return out
}

// sameButEndpoints reports whether a and b are equal but for the
// endpoints of the upstreams upstreamsOf lists.
func sameButEndpoints(a, b *proxy.Route) bool {
	if len(a.Canaries) != len(b.Canaries) || len(a.Backends) != len(b.Backends) || len(a.Mirrors) != len(b.Mirrors) {
		return false
	}
	x, y := *a, *b
	x.Upstream, y.Upstream = withoutEndpoints(a.Upstream), withoutEndpoints(b.Upstream)
	x.Canaries, y.Canaries = slices.Clone(a.Canaries), slices.Clone(b.Canaries)
	for i := range x.Canaries {
		x.Canaries[i].Upstream, y.Canaries[i].Upstream = withoutEndpoints(x.Canaries[i].Upstream), withoutEndpoints(y.Canaries[i].Upstream)
	}
	x.Backends, y.Backends = slices.Clone(a.Backends), slices.Clone(b.Backends)
	for i := range x.Backends {
		x.Backends[i].Upstream, y.Backends[i].Upstream = withoutEndpoints(x.Backends[i].Upstream), withoutEndpoints(y.Backends[i].Upstream)
	}
	x.Mirrors, y.Mirrors = slices.Clone(a.Mirrors), slices.Clone(b.Mirrors)
	for i := range x.Mirrors {
		x.Mirrors[i].Upstream, y.Mirrors[i].Upstream = withoutEndpoints(x.Mirrors[i].Upstream), withoutEndpoints(y.Mirrors[i].Upstream)
	}
	cx, cy, pools := withoutCAPools(&x, &y)
	return pools && reflect.DeepEqual(cx, cy)
}

// withoutEndpoints returns a copy of u without its endpoints.
func withoutEndpoints(u *proxy.Upstream) *proxy.Upstream {
	if u == nil {
		return nil
	}
	c := *u
	c.Endpoints = nil
	return &c
}
