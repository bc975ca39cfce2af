package ingress

import (
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
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
	traffics  map[string]*proxy.Traffic // by Ingress "namespace/name"
	upstreams map[upstreamKey]*proxy.Upstream
}

// upstreamKey is what routes that share an upstream have in common: the
// Ingress whose policy reaches it, how (its own backend, a canary of it,
// its default backend), and the backend.
type upstreamKey struct {
	ingress, reach, target string
}

// proxyRoute returns the proxy's form of the compiled route r of rule.
// variant tells routes whose policy is not their Ingress's (the redirects
// the ingress-nginx mode adds) from the others.
func (b *proxyBuilder) proxyRoute(rule route.Rule, r *compiledRoute, variant string) *proxy.Route {
	p := &r.Policy
	owner := r.Namespace + "/" + r.Name + variant
	rt := &proxy.Route{
		Upstream:              b.upstream(owner, "", r.Target, p),
		Host:                  p.UpstreamVHost,
		MaxBodyBytes:          p.MaxBodyBytes,
		ReadTimeout:           p.ReadTimeout,
		SendTimeout:           p.SendTimeout,
		SSLRedirect:           p.SSLRedirect,
		ForceSSLRedirect:      p.ForceSSLRedirect,
		Name:                  rule.Origin,
		Object:                proxy.ObjectRef{Kind: "Ingress", Namespace: r.Namespace, Name: r.Name},
		Origin:                proxy.Origin{Field: r.Field, Source: r.Source.String(), Path: r.Path, PathType: r.PathType},
		Rewrite:               r.Rewrite,
		ForwardedPrefix:       p.ForwardedPrefix,
		Redirect:              p.Redirect,
		AppRoot:               r.AppRoot,
		PreserveTrailingSlash: p.PreserveTrailingSlash,
		HostRedirect:          r.HostRedirect,
		Traffic:               b.traffic(r),
	}
	if db := p.Upstream.DefaultBackend; db != nil {
		// ingress-nginx speaks plain HTTP to the default backend; an
		// https:// backend override is honoured, and verified like any
		// other HTTPS backend (the zero Policy would skip verification).
		plain := &Policy{ConnectTimeout: p.ConnectTimeout, ProxySSLVerify: true, ProxySSLServerName: true}
		rt.DefaultBackend = b.upstream(owner, "default", db.Target, plain)
		rt.ErrorHeaders = http.Header{
			"X-Namespace":    {r.Namespace},
			"X-Ingress-Name": {r.Name},
			"X-Service-Name": {rule.Backend.Service},
			"X-Service-Port": {rule.Backend.Port},
		}
	}
	// Kept without a default backend too, where the proxy ignores it, so
	// that tools show what the Ingress asks.
	rt.InterceptErrors = p.Upstream.CustomHTTPErrors
	if n := p.Proxying.NextUpstream; !n.Off {
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
		reach := *p
		reach.Balance = c.Policy.Balance
		cp := c.Policy.Canary
		rt.Canaries = append(rt.Canaries, proxy.Canary{
			Upstream:      b.upstream(owner, "canary "+c.Origin.Namespace+"/"+c.Origin.Name, c.Target, &reach),
			Header:        http.CanonicalHeaderKey(cp.Header), // once, not per request
			HeaderValue:   cp.HeaderValue,
			HeaderPattern: cp.HeaderPattern,
			Cookie:        cp.Cookie,
			Weight:        cp.Weight,
			WeightTotal:   cp.WeightTotal,
			Object:        proxy.ObjectRef{Kind: "Ingress", Namespace: c.Origin.Namespace, Name: c.Origin.Name},
		})
	}
	return rt
}

// upstream returns the upstream of target reached with the settings of
// p, shared by the routes of the owner Ingress that reach it so.
func (b *proxyBuilder) upstream(owner, reach string, t Target, p *Policy) *proxy.Upstream {
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
func newUpstream(p *Policy, t Target) *proxy.Upstream {
	u := &proxy.Upstream{Name: t.Name, Endpoints: t.Addresses, ConnectTimeout: p.ConnectTimeout, Resolution: t.Via}
	switch p.Protocol {
	case "HTTPS":
		u.Protocol = proxy.HTTPS
	case "GRPC":
		u.Protocol = proxy.GRPC
	case "GRPCS":
		u.Protocol = proxy.GRPCS
	case "AUTO_HTTP":
		u.Protocol = proxy.AutoHTTP
	case "":
		if t.Scheme == "https" {
			u.Protocol = proxy.HTTPS
		}
	}
	serverName := p.ProxySSLName
	if serverName == "" && p.UpstreamVHost != "" {
		serverName = p.UpstreamVHost
		if host, _, err := net.SplitHostPort(serverName); err == nil {
			serverName = host
		}
	}
	if serverName == "" {
		serverName = t.DNSName
	}
	u.TLS = tlsconfig.Client{
		ServerName:         serverName,
		DisableSNI:         !p.ProxySSLServerName,
		RootCAs:            p.Upstream.RootCAs,
		InsecureSkipVerify: !p.ProxySSLVerify,
		VerifyDepth:        p.Upstream.VerifyDepth,
		MinVersion:         p.Upstream.MinTLSVersion,
		MaxVersion:         p.Upstream.MaxTLSVersion,
	}
	if c := p.Upstream.ClientCertificate; c != nil {
		u.TLS.Certificates = []tls.Certificate{*c}
	}
	u.Balancing = balancing(p.Balance)
	return u
}

// balancing translates the balancing and affinity annotations, already
// reduced to the one that applies, for the proxy.
func balancing(b BalancePolicy) proxy.Balancing {
	var out proxy.Balancing
	if b.LoadBalance == "ewma" {
		out.Balance = proxy.EWMA
	}
	out.HashBy = b.HashBy
	if b.HashBySubset {
		out.HashSubsetSize = b.HashBySubsetSize
	}
	if b.Affinity != "cookie" {
		return out
	}
	c := b.Cookie
	a := &proxy.Affinity{
		Name:                    c.Name,
		Path:                    c.Path,
		Domain:                  c.Domain,
		ConditionalSameSiteNone: c.ConditionalSameSiteNone,
		Secure:                  c.Secure,
		MaxAge:                  c.MaxAge,
		Expires:                 c.Expires,
		ChangeOnFailure:         c.ChangeOnFailure,
	}
	if b.AffinityMode == "persistent" {
		a.Mode = proxy.AffinityPersistent
	}
	switch c.SameSite {
	case "None":
		a.SameSite = http.SameSiteNoneMode
	case "Lax":
		a.SameSite = http.SameSiteLaxMode
	case "Strict":
		a.SameSite = http.SameSiteStrictMode
	}
	out.Affinity = a
	return out
}

// traffic returns the traffic policy of r's Ingress for the proxy, one
// value for all its routes; nil when it has none.
func (b *proxyBuilder) traffic(r *compiledRoute) *proxy.Traffic {
	tp := &r.Policy.Traffic
	if tp.CORS == nil && tp.AllowSources == nil && tp.DenySources == nil && tp.RateLimit == nil &&
		tp.BasicAuth == nil && tp.ExternalAuth == nil && tp.ResponseHeaders == nil && tp.Denied == "" {
		return nil
	}
	ref := r.Namespace + "/" + r.Name
	if t, ok := b.traffics[ref]; ok {
		return t
	}
	t := newTraffic(tp)
	if b.traffics == nil {
		b.traffics = map[string]*proxy.Traffic{}
	}
	b.traffics[ref] = t
	return t
}

// newTraffic builds the proxy's form of tp.
func newTraffic(tp *TrafficPolicy) *proxy.Traffic {
	t := &proxy.Traffic{
		Deny:            tp.Denied,
		AllowSources:    tp.AllowSources,
		DenySources:     tp.DenySources,
		ResponseHeaders: proxy.HeaderRules{Set: tp.ResponseHeaders},
	}
	if c := tp.CORS; c != nil {
		maxAge := time.Duration(c.MaxAge) * time.Second
		if c.MaxAge == 0 {
			maxAge = -1 // "0" is sent as it is; zero would mean the default
		}
		t.CORS = &proxy.CORS{
			AllowOrigins:     c.AllowOrigins,
			AllowMethods:     c.AllowMethods,
			AllowHeaders:     c.AllowHeaders,
			ExposeHeaders:    c.ExposeHeaders,
			AllowCredentials: c.AllowCredentials,
			MaxAge:           maxAge,
		}
	}
	if l := tp.RateLimit; l != nil {
		t.RateLimit = &proxy.RateLimit{
			RPS:             l.RPS,
			RPM:             l.RPM,
			Connections:     l.Connections,
			BurstMultiplier: l.BurstMultiplier,
			Exempt:          l.Exempt,
		}
	}
	if b := tp.BasicAuth; b != nil {
		t.BasicAuth = &proxy.BasicAuth{Realm: b.Realm, Users: b.Users}
	}
	if e := tp.ExternalAuth; e != nil {
		t.ExternalAuth = &proxy.ExternalAuth{
			URL:                 e.URL,
			Method:              e.Method,
			SignIn:              e.SignIn,
			SignInRedirectParam: e.SignInRedirectParam,
			ResponseHeaders:     e.ResponseHeaders,
			RequestRedirect:     e.RequestRedirect,
			AlwaysSetCookie:     e.AlwaysSetCookie,
			CacheKey:            e.CacheKey,
		}
		for _, c := range e.CacheFor {
			t.ExternalAuth.CacheFor = append(t.ExternalAuth.CacheFor, proxy.AuthCacheRule{Statuses: c.Statuses, AnyStatus: c.AnyStatus, For: c.For})
		}
	}
	return t
}
