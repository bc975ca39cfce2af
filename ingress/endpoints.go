package ingress

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Endpoints move far more often than anything else in a cluster: on every
// rollout, scale-up and failing readiness probe. When a change holds only
// EndpointSlices, the Tracker resolves again just the backends of their
// Services, as each affected group's compile resolved them, instead of
// compiling the groups: if every answer differs from the last one at most
// in its addresses (the same kind of resolution, the same warning, no
// error), the rules that use those backends get their new addresses in
// place (route.Table.WithValues) and nothing is compiled or laid out.
// Anything else, such as a Service's first ready endpoint (which ends a
// warning), is compiled as any other change is.

// endpointsOnly tries that for the EndpointSlices of the Services in
// moved, after prepare has stored them: affected and touched are the
// groups and Ingresses that read those Services. It reports false when
// the change needs a compile.
func (t *Tracker) endpointsOnly(moved map[string]bool, affected map[*group]bool, touched map[string]bool) (*Result, func(), bool) {
	if t.opts.Resolver != nil {
		return nil, nil, false // asked per compile, not per Service
	}
	for key := range touched {
		if e := t.objs[kindIngress][key]; e == nil || e.grp == nil || !affected[e.grp] {
			return nil, nil, false
		}
	}
	r := t.serviceResolver(moved)
	addresses := map[string][]string{} // by Target.Name
	updates := map[*group]map[route.Backend]*resolved{}
	for g := range affected {
		for b := range g.resolvedSvc {
			if moved[b.Namespace+"/"+b.Service] {
				return nil, nil, false // the cluster IP stands for these endpoints
			}
		}
		for b, was := range g.resolved {
			if !moved[b.Namespace+"/"+b.Service] {
				continue
			}
			now := r.lookup(b)
			if !onlyAddressesDiffer(was, now) {
				return nil, nil, false
			}
			if slices.Equal(was.target.Addresses, now.target.Addresses) {
				continue
			}
			if have, seen := addresses[now.target.Name]; seen && !slices.Equal(have, now.target.Addresses) {
				return nil, nil, false
			}
			addresses[now.target.Name] = now.target.Addresses
			if updates[g] == nil {
				updates[g] = map[route.Backend]*resolved{}
			}
			updates[g][b] = now
		}
	}
	out := *t.compiled
	hosts := map[string]bool{}
	if len(addresses) > 0 {
		for g := range updates {
			if !g.compiled {
				return nil, nil, false // not expected: a group that resolved compiled
			}
			for _, h := range g.hosts {
				hosts[h] = true
			}
		}
		moves := &addressMoves{addresses: addresses, routes: map[*proxy.Route]*proxy.Route{}, upstreams: map[*proxy.Upstream]*proxy.Upstream{}}
		table, ok := t.compiled.Table.WithValues(hosts, func(rule route.Rule) (any, bool) {
			rt, ok := rule.Value.(*proxy.Route)
			if !ok {
				return nil, false
			}
			moved := moves.route(rt)
			return moved, moved != rt
		})
		if !ok {
			return nil, nil, false
		}
		out.Table = table
	}
	commit := func() {
		for g, answers := range updates {
			for b, now := range answers {
				g.resolved[b] = now
			}
		}
		t.compiled = &out
	}
	return &Result{Compiled: &out, Hosts: map[string]bool{}, Endpoints: addresses, MovedHosts: hosts}, commit, true
}

// serviceResolver resolves backends of the Services in keys from the
// objects the Tracker holds, as a group's compile does: the Service and
// its EndpointSlices in load order.
func (t *Tracker) serviceResolver(keys map[string]bool) *resolver {
	r := &resolver{opts: &t.opts, services: map[string]*corev1.Service{}, slices: map[string][]*discoveryv1.EndpointSlice{}}
	for key := range keys {
		if e := t.objs[kindService][key]; e != nil {
			r.services[key] = e.n.obj.(Service).Service
		}
		for _, es := range t.EndpointSlicesOf(key) {
			r.slices[key] = append(r.slices[key], es.EndpointSlice)
		}
	}
	return r
}

// onlyAddressesDiffer reports whether now resolves the backend as was
// did but for the addresses of EndpointSlices.
func onlyAddressesDiffer(was, now *resolved) bool {
	a, b := was.target, now.target
	return was.err == nil && now.err == nil && was.warning == now.warning &&
		a.Name == b.Name && a.Via == b.Via && a.DNSName == b.DNSName && a.Scheme == b.Scheme &&
		(a.Via == "endpointslice" || slices.Equal(a.Addresses, b.Addresses))
}

// addressMoves gives routes the new addresses of their upstreams
// resolved from EndpointSlices, by backend name. Each route and upstream
// is copied once, so that the routes and upstreams shared before (all the
// routes of an Ingress share its traffic policy and the upstream of each
// backend) are shared after, as a compile shares them.
type addressMoves struct {
	addresses map[string][]string
	routes    map[*proxy.Route]*proxy.Route
	upstreams map[*proxy.Upstream]*proxy.Upstream
}

// route returns rt with new addresses for its upstreams (its own, its
// default backend's, its canaries', weighted backends' and mirrors'): a
// copy, or rt itself when none moved.
func (m *addressMoves) route(rt *proxy.Route) *proxy.Route {
	if moved, done := m.routes[rt]; done {
		return moved
	}
	changed := false
	move := func(u *proxy.Upstream) *proxy.Upstream {
		moved := m.upstream(u)
		changed = changed || moved != u
		return moved
	}
	c := *rt
	c.Upstream = move(rt.Upstream)
	c.DefaultBackend = move(rt.DefaultBackend)
	c.Canaries = movedList(rt.Canaries, func(e *proxy.Canary) **proxy.Upstream { return &e.Upstream }, move)
	c.Backends = movedList(rt.Backends, func(e *proxy.WeightedBackend) **proxy.Upstream { return &e.Upstream }, move)
	c.Mirrors = movedList(rt.Mirrors, func(e *proxy.Mirror) **proxy.Upstream { return &e.Upstream }, move)
	moved := rt
	if changed {
		moved = &c
	}
	m.routes[rt] = moved
	return moved
}

// upstream returns u with the new addresses of its backend, if it was
// resolved from EndpointSlices and they moved: a copy, or u itself.
func (m *addressMoves) upstream(u *proxy.Upstream) *proxy.Upstream {
	if u == nil || u.Resolution != "endpointslice" {
		return u
	}
	addrs, ok := m.addresses[u.Name]
	if !ok {
		return u
	}
	if moved, done := m.upstreams[u]; done {
		return moved
	}
	c := *u
	c.Endpoints = addrs
	m.upstreams[u] = &c
	return &c
}

// movedList returns list with the upstream of each element (at field)
// moved by move: list itself when none moved, else a copy.
func movedList[T any](list []T, field func(*T) **proxy.Upstream, move func(*proxy.Upstream) *proxy.Upstream) []T {
	var out []T
	for i := range list {
		u := *field(&list[i])
		if nu := move(u); nu != u {
			if out == nil {
				out = slices.Clone(list)
			}
			*field(&out[i]) = nu
		}
	}
	if out == nil {
		return list
	}
	return out
}
