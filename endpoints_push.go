package ingressmux

import (
	"crypto/x509"
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
	clear := func(u proxy.Upstream) proxy.Upstream {
		u.Endpoints = nil
		return u
	}
	x, y := withUpstreams(a, clear), withUpstreams(b, clear)
	// Not one upstreamsOf lists, so not pushed: its endpoints count.
	x.DefaultBackend, y.DefaultBackend = a.DefaultBackend, b.DefaultBackend
	return sameRoute(x, y)
}

// sameRoute reports whether a and b are equal, the CA pools of their
// upstreams compared by content: reflect.DeepEqual cannot compare pools
// (their certificates load lazily), and a route compiled again has new
// ones.
func sameRoute(a, b *proxy.Route) bool {
	var pools [2][]*x509.CertPool
	strip := func(i int) func(proxy.Upstream) proxy.Upstream {
		return func(u proxy.Upstream) proxy.Upstream {
			pools[i] = append(pools[i], u.TLS.RootCAs)
			u.TLS.RootCAs = nil
			return u
		}
	}
	x, y := withUpstreams(a, strip(0)), withUpstreams(b, strip(1))
	return slices.EqualFunc(pools[0], pools[1], (*x509.CertPool).Equal) && reflect.DeepEqual(x, y)
}

// withUpstreams returns a copy of r whose upstreams (its own, its
// DefaultBackend, its canaries', weighted backends' and mirrors') are
// fn's copies of them; r is not modified.
func withUpstreams(r *proxy.Route, fn func(proxy.Upstream) proxy.Upstream) *proxy.Route {
	one := func(u *proxy.Upstream) *proxy.Upstream {
		if u == nil {
			return nil
		}
		c := fn(*u)
		return &c
	}
	c := *r
	c.Upstream, c.DefaultBackend = one(r.Upstream), one(r.DefaultBackend)
	c.Canaries = slices.Clone(r.Canaries)
	for i := range c.Canaries {
		c.Canaries[i].Upstream = one(c.Canaries[i].Upstream)
	}
	c.Backends = slices.Clone(r.Backends)
	for i := range c.Backends {
		c.Backends[i].Upstream = one(c.Backends[i].Upstream)
	}
	c.Mirrors = slices.Clone(r.Mirrors)
	for i := range c.Mirrors {
		c.Mirrors[i].Upstream = one(c.Mirrors[i].Upstream)
	}
	return &c
}
