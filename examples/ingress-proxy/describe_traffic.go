package main

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
)

// trafficSettings describes a route's traffic policy in the annotations'
// own terms: who may call it, how often, how it is authenticated, and the
// headers it adds. Every part that is set is shown, so that -check never
// hides a policy a route enforces.
// authSecret is the auth-secret that BasicAuth's users were read from.
func trafficSettings(t *proxy.Traffic, authSecret string, hosts hostSet) []string {
	var s []string
	if t.Deny != "" {
		s = append(s, "DENIED (503): "+t.Deny)
	}
	if len(t.DenySources) > 0 {
		s = append(s, "denylist "+cidrList(t.DenySources))
	}
	if len(t.AllowSources) > 0 {
		s = append(s, "allowlist "+cidrList(t.AllowSources))
	}
	if l := t.RateLimit; l != nil {
		var limits []string
		if l.Connections > 0 {
			limits = append(limits, fmt.Sprintf("%d connections", l.Connections))
		}
		if l.RPM > 0 {
			limits = append(limits, fmt.Sprintf("%d rpm", l.RPM))
		}
		if l.RPS > 0 {
			limits = append(limits, fmt.Sprintf("%d rps", l.RPS))
		}
		d := "rate limit " + strings.Join(limits, ", ")
		if l.RPM > 0 || l.RPS > 0 {
			d += fmt.Sprintf(" (burst x%d)", l.BurstMultiplier)
		}
		if len(l.Exempt) > 0 {
			d += ", exempt " + cidrList(l.Exempt)
		}
		s = append(s, d)
	}
	if b := t.BasicAuth; b != nil {
		d := fmt.Sprintf("basic auth (secret %s, %d user(s)", authSecret, len(b.Users))
		if b.Realm != "" {
			d += fmt.Sprintf(", realm %q", b.Realm)
		}
		s = append(s, d+")")
	}
	if e := t.ExternalAuth; e != nil {
		s = append(s, externalAuthSetting(e, hosts))
	}
	if c := t.CORS; c != nil {
		d := "CORS origins " + strings.Join(c.AllowOrigins, " ")
		d += ", methods " + c.AllowMethods
		if c.AllowCredentials {
			d += ", credentials"
		}
		if c.ExposeHeaders != "" {
			d += ", expose " + c.ExposeHeaders
		}
		s = append(s, d+fmt.Sprintf(", max-age %ds", max(c.MaxAge, 0)/time.Second))
	}
	if set := t.ResponseHeaders.Set; len(set) > 0 {
		var hs []string
		for _, k := range slices.Sorted(maps.Keys(set)) {
			hs = append(hs, k+": "+set[k])
		}
		s = append(s, "response headers "+strings.Join(hs, ", "))
	}
	return s
}

// externalAuthSetting describes auth-url and the annotations with it.
func externalAuthSetting(e *proxy.ExternalAuth, hosts hostSet) string {
	method := e.Method
	if method == "" {
		method = "GET"
	}
	d := fmt.Sprintf("external auth %s %s", method, e.URL)
	if hosts.answersAuth(e.URL) {
		d += " (asked through this table, in-process)"
	}
	if e.SignIn != "" {
		d += ", sign-in " + e.SignIn
	}
	if len(e.ResponseHeaders) > 0 {
		d += ", copies " + strings.Join(e.ResponseHeaders, " ")
	}
	if e.CacheKey != "" {
		d += ", cached by " + e.CacheKey
	}
	if e.AlwaysSetCookie {
		d += ", always sets cookies"
	}
	return d
}

func cidrList(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, " ")
}

// hostSet holds the hosts that rules of the table name.
type hostSet map[string]bool

// answersAuth tells whether the proxy answers the auth URL u itself,
// through the table: no port, and a host that a rule names ($host is the
// route's own host).
func (h hostSet) answersAuth(u string) bool {
	_, rest, _ := strings.Cut(u, "://")
	authority, _, _ := strings.Cut(rest, "/")
	authority, _, _ = strings.Cut(authority, "?")
	if authority == "$host" || authority == "${host}" {
		return true
	}
	if strings.Contains(authority, ":") || strings.Contains(authority, "$") {
		return false
	}
	host := strings.ToLower(authority)
	if h[host] {
		return true
	}
	_, parent, ok := strings.Cut(host, ".")
	return ok && h["*."+parent]
}
