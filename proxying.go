package ingressmux

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// addProxying sets the fields of rt that the upstream and proxying
// annotations of r ask for: the default backend and its error pages,
// retries, buffering, response header rewrites, the www redirect.
func (m *Mux) addProxying(rt *proxy.Route, r *ingress.CompiledRoute, b route.Backend, upstreams upstreamSet) {
	p := r.Policy
	rt.HostRedirect = r.HostRedirect
	if db := p.Upstream.DefaultBackend; db != nil {
		// ingress-nginx speaks plain HTTP to the default backend; an
		// https:// backend override is honoured, and verified like any
		// other HTTPS backend (the zero Policy would skip verification).
		plain := ingress.Policy{ConnectTimeout: p.ConnectTimeout, ProxySSLVerify: true, ProxySSLServerName: true}
		rt.DefaultBackend = upstreams.share(m.upstream(plain, db.Target))
		rt.InterceptErrors = p.Upstream.CustomHTTPErrors
		rt.ErrorHeaders = http.Header{
			"X-Namespace":    {r.Namespace},
			"X-Ingress-Name": {r.Name},
			"X-Service-Name": {b.Service},
			"X-Service-Port": {b.Port},
		}
	}
	n := p.Proxying.NextUpstream
	if !n.Off {
		rt.Retry = proxy.Retry{OnError: n.OnError, OnTimeout: n.OnTimeout, OnStatus: n.OnStatus,
			NonIdempotent: n.NonIdempotent, Tries: n.Tries, Timeout: n.Timeout}
	}
	rt.BufferRequest = p.Proxying.RequestBuffering
	rt.LocationRewrite = proxy.Replace{From: p.Proxying.RedirectFrom, To: p.Proxying.RedirectTo}
	rt.CookieDomain = proxy.Replace{From: p.Proxying.CookieDomainFrom, To: p.Proxying.CookieDomainTo}
	rt.CookiePath = proxy.Replace{From: p.Proxying.CookiePathFrom, To: p.Proxying.CookiePathTo}
	rt.CloseConnection = p.Proxying.CloseConnection
	for _, c := range r.Canaries {
		// A canary backend is reached as the primary is, but balanced by
		// its own annotations: ingress-nginx ignores a canary Ingress's
		// other annotations and keeps those.
		reach := p
		reach.Balance = c.Policy.Balance
		cp := c.Policy.Canary
		rt.Canaries = append(rt.Canaries, proxy.Canary{
			Upstream:      upstreams.share(m.upstream(reach, c.Target)),
			Header:        http.CanonicalHeaderKey(cp.Header), // once, not per request
			HeaderValue:   cp.HeaderValue,
			HeaderPattern: cp.HeaderPattern,
			Cookie:        cp.Cookie,
			Weight:        cp.Weight,
			WeightTotal:   cp.WeightTotal,
		})
	}
}

// upstreamSet shares one *proxy.Upstream between routes that reach the
// same backend with the same connection and balancing settings, so that
// they share one connection pool and one balancer (rotation, EWMA record).
type upstreamSet map[string][]*proxy.Upstream

// share returns the upstream of the set equal to u, adding u if there is
// none.
func (s upstreamSet) share(u *proxy.Upstream) *proxy.Upstream {
	key := upstreamKey(u)
	for _, have := range s[key] {
		if have.TLS.Equal(u.TLS) {
			return have
		}
	}
	s[key] = append(s[key], u)
	return u
}

// upstreamKey is what upstreams that may share have in common.
func upstreamKey(u *proxy.Upstream) string {
	key := fmt.Sprint(u.Name, u.Protocol, u.ConnectTimeout, u.Endpoints, u.Balance, u.HashBy, u.HashSubsetSize)
	if a := u.Affinity; a != nil {
		key += fmt.Sprintf("%+v", *a) // routes balanced differently must not share
	}
	return key
}

// usedBy returns the upstreams of s that the routes of t use: a set that
// incremental builds keep adding to sheds those of routes gone, whose
// endpoints (part of the key) change with every rollout.
func (s upstreamSet) usedBy(t *route.Table) upstreamSet {
	used := upstreamSet{}
	add := func(u *proxy.Upstream) {
		if u != nil && !slices.Contains(used[upstreamKey(u)], u) {
			used[upstreamKey(u)] = append(used[upstreamKey(u)], u)
		}
	}
	for _, r := range t.Rules() {
		rt, ok := r.Value.(*proxy.Route)
		if !ok {
			continue
		}
		add(rt.Upstream)
		add(rt.DefaultBackend)
		for _, c := range rt.Canaries {
			add(c.Upstream)
		}
	}
	return used
}
