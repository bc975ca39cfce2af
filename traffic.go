package ingressmux

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// traffic converts the traffic policy of r for the proxy; nil when r has
// none. All the routes of one Ingress get the same *proxy.Traffic, so they
// share rate-limit counters and cached auth answers, as ingress-nginx
// shares its limit zones among the paths of an Ingress; and a reload that
// leaves an Ingress's policy unchanged keeps its Traffic, and so its
// counters, as nginx keeps its zones across reloads.
//
// byIngress memoizes the answer per Ingress within one build: every route
// of an Ingress has its policy, and fingerprinting it once per route cost
// seconds for Ingresses with thousands of paths and many users.
func (m *Mux) traffic(r *ingress.CompiledRoute, byIngress map[string]*proxy.Traffic) *proxy.Traffic {
	tp := &r.Policy.Traffic
	if tp.CORS == nil && tp.AllowSources == nil && tp.DenySources == nil && tp.RateLimit == nil &&
		tp.BasicAuth == nil && tp.ExternalAuth == nil && tp.ResponseHeaders == nil && tp.Denied == "" {
		return nil
	}
	ref := r.Namespace + "/" + r.Name
	if t, ok := byIngress[ref]; ok {
		return t
	}
	t := m.sharedTraffic(ref, tp)
	byIngress[ref] = t
	return t
}

// sharedTraffic returns the Traffic of the policy tp of Ingress ref, kept
// across builds while the policy is unchanged.
func (m *Mux) sharedTraffic(ref string, tp *ingress.TrafficPolicy) *proxy.Traffic {
	// The policy's JSON is its identity: every field is exported data.
	fingerprint, err := json.Marshal(tp)
	if err != nil {
		return m.newTraffic(tp) // cannot happen; share nothing rather than fail
	}
	key := ref + "\x00" + strconv.Itoa(m.cfg.LimitRejectStatus) + "\x00" + string(fingerprint)
	return m.traffics.get(key, func() *proxy.Traffic { return m.newTraffic(tp) })
}

// newTraffic builds the proxy's form of tp.
func (m *Mux) newTraffic(tp *ingress.TrafficPolicy) *proxy.Traffic {
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
			RejectStatus:    m.cfg.LimitRejectStatus,
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
			RootCAs:             m.cfg.BackendCAs,
		}
		for _, c := range e.CacheFor {
			t.ExternalAuth.CacheFor = append(t.ExternalAuth.CacheFor, proxy.AuthCacheRule{Statuses: c.Statuses, AnyStatus: c.AnyStatus, For: c.For})
		}
	}
	return t
}

// trafficCache keeps the Traffic of each Ingress policy across builds.
// Each build starts with sweep, which forgets what neither the previous
// build (the table being served, when it was installed) nor the current
// one uses, so that Ingresses removed or changed do not pile up.
type trafficCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]*trafficEntry
}

type trafficEntry struct {
	t   *proxy.Traffic
	gen uint64 // the last build that used it
}

// sweep starts a build.
func (c *trafficCache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.gen+1 < c.gen {
			delete(c.entries, k)
		}
	}
}

// get returns the Traffic under key, made by build when there is none.
func (c *trafficCache) get(key string, build func() *proxy.Traffic) *proxy.Traffic {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		if c.entries == nil {
			c.entries = map[string]*trafficEntry{}
		}
		e = &trafficEntry{t: build()}
		c.entries[key] = e
	}
	e.gen = c.gen
	return e.t
}
