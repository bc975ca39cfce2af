package ingress

import (
	"net"
	"net/http"
	"slices"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// What Compile emits: every rule's Value is a *proxy.Route, the one model
// the proxy serves. The annotations of an Ingress are read once into its
// policy; proxyRoutes turns each route of the policy into the proxy's
// terms. All the routes of an Ingress share one *proxy.Traffic, as
// ingress-nginx shares its limit zones among the paths of an Ingress, and
// the routes of an Ingress that reach one backend share one
// *proxy.Upstream; the proxy keeps their runtime state across reloads by
// the Ingress they come from (see proxy.Traffic).

// proxyBuilder makes the proxy routes of one Compile.
type proxyBuilder struct {
	traffics  map[ingressKey]*proxy.Traffic
	upstreams map[upstreamKey]*proxy.Upstream
	sources   map[ingressKey]string // Source.String() of each Ingress
}

// upstreamKey is what routes that share an upstream have in common: the
// Ingress whose policy reaches it, how (its own backend, a canary of it,
// its default backend), and the backend.
type upstreamKey struct {
	owner         ingressKey
	reach, target string
}

// ingressKey names an Ingress, and the variant of its policy a route
// has: "" for its own (see proxyRoute).
type ingressKey struct{ namespace, name, variant string }

// proxyRoute returns the proxy's form of the compiled route r of rule.
// variant tells routes whose policy is not their Ingress's (the redirects
// the ingress-nginx mode adds) from the others.
func (b *proxyBuilder) proxyRoute(rule route.Rule, r *compiledRoute, variant string) *proxy.Route {
	p := r.policy
	owner := ingressKey{r.Namespace, r.Name, variant}
	tmpl := p.route // what the annotations ask of every route of the Ingress
	rt := &tmpl
	rt.Upstream = b.upstream(owner, "", r.Target, p)
	rt.Name = rule.Origin
	rt.Object = proxy.ObjectRef{Kind: "Ingress", Namespace: r.Namespace, Name: r.Name}
	rt.Origin = proxy.Origin{Field: r.Field, Source: b.source(owner, r.Source), Path: r.Path, PathType: r.PathType}
	rt.Rewrite = r.Rewrite
	rt.AppRoot = r.AppRoot
	rt.HostRedirect = r.HostRedirect
	rt.Traffic = b.traffic(r)
	if db := p.Upstream.DefaultBackend; db != nil {
		// ingress-nginx speaks plain HTTP to the default backend; an
		// https:// backend override is honoured, and verified like any
		// other HTTPS backend (the zero policy would skip verification).
		plain := &policy{upstream: proxy.Upstream{ConnectTimeout: p.upstream.ConnectTimeout}}
		rt.DefaultBackend = b.upstream(owner, "default", db.Target, plain)
		rt.InterceptErrors = p.Upstream.CustomHTTPErrors
		rt.ErrorHeaders = http.Header{
			"X-Namespace":    {r.Namespace},
			"X-Ingress-Name": {r.Name},
			"X-Service-Name": {rule.Backend.Service},
			"X-Service-Port": {rule.Backend.Port},
		}
	}
	for _, c := range r.Canaries {
		// A canary backend is reached as the primary is, but balanced by
		// its own annotations: ingress-nginx ignores a canary Ingress's
		// other annotations and keeps those.
		reach := *p
		reach.Balance = c.policy.Balance
		canary := c.policy.Canary.Canary
		canary.Upstream = b.upstream(owner, "canary "+c.Origin.Namespace+"/"+c.Origin.Name, c.Target, &reach)
		canary.Header = http.CanonicalHeaderKey(canary.Header) // once, not per request
		canary.Object = proxy.ObjectRef{Kind: "Ingress", Namespace: c.Origin.Namespace, Name: c.Origin.Name}
		rt.Canaries = append(rt.Canaries, canary)
	}
	return rt
}

// upstream returns the upstream of target reached with the settings of
// p, shared by the routes of the owner Ingress that reach it so.
func (b *proxyBuilder) upstream(owner ingressKey, reach string, t Target, p *policy) *proxy.Upstream {
	key := upstreamKey{owner, reach, t.Name}
	if u := b.upstreams[key]; u != nil && u.Resolution == t.Via && slices.Equal(u.Endpoints, t.Addresses) {
		return u
	}
	u := newUpstream(p, t)
	if b.upstreams == nil {
		b.upstreams = map[upstreamKey]*proxy.Upstream{}
	}
	b.upstreams[key] = u
	return u
}

// newUpstream describes the backend t for the proxy, with the connection
// settings of p. The TLS name of an HTTPS backend is proxy-ssl-name, else
// upstream-vhost (without port), else the backend's DNS name: the name a
// user would expect the certificate to be for. Backends are verified
// against proxy-ssl-secret's CA, else the proxy's default CAs.
func newUpstream(p *policy, t Target) *proxy.Upstream {
	u := p.upstream // what the annotations ask of every upstream of the Ingress
	u.Name, u.Endpoints, u.Resolution, u.Balancing = t.Name, t.Addresses, t.Via, p.Balance
	if !p.protocolSet && t.Scheme == "https" {
		u.Protocol = proxy.HTTPS
	}
	u.TLS.ServerName = p.ProxySSLName
	if u.TLS.ServerName == "" && p.route.Host != "" {
		u.TLS.ServerName = p.route.Host
		if host, _, err := net.SplitHostPort(u.TLS.ServerName); err == nil {
			u.TLS.ServerName = host
		}
	}
	if u.TLS.ServerName == "" {
		u.TLS.ServerName = t.DNSName
	}
	return &u
}

// source returns src as proxy.Origin has it, once per Ingress.
func (b *proxyBuilder) source(owner ingressKey, src Source) string {
	if s, ok := b.sources[owner]; ok {
		return s
	}
	if b.sources == nil {
		b.sources = map[ingressKey]string{}
	}
	s := src.String()
	b.sources[owner] = s
	return s
}

// traffic returns the traffic policy of r's Ingress, one value for all
// its routes; nil when it has none.
func (b *proxyBuilder) traffic(r *compiledRoute) *proxy.Traffic {
	tp := &r.policy.Traffic
	if tp.CORS == nil && tp.AllowSources == nil && tp.DenySources == nil && tp.RateLimit == nil && tp.BasicAuth == nil &&
		tp.ExternalAuth == nil && tp.ResponseHeaders.Set == nil && tp.RequestHeaders.Set == nil && tp.Deny == "" {
		return nil
	}
	ref := ingressKey{namespace: r.Namespace, name: r.Name}
	if t, ok := b.traffics[ref]; ok {
		return t
	}
	t := *tp
	if b.traffics == nil {
		b.traffics = map[ingressKey]*proxy.Traffic{}
	}
	b.traffics[ref] = &t
	return &t
}
