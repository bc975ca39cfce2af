package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
)

// gatewaySettings describes what a Gateway API route does beyond where
// it goes, in the filters' and fields' own terms: the weighted backendRefs
// (the table's BACKEND column shows only the heaviest), mirrors,
// redirects, rewrites, header modifiers, timeouts and backend TLS
// (whether from a BackendTLSPolicy or not). Every
// part that is set is shown, so that -check hides nothing a route does.
func gatewaySettings(rt *proxy.Route, hosts hostSet) []string {
	var s []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			s = append(s, fmt.Sprintf(format, args...))
		}
	}
	if rd := rt.Redirect; rd != nil {
		s = append(s, requestRedirectSetting(rd))
	}
	if len(rt.Backends) > 1 || len(rt.Backends) == 1 && rt.Backends[0].Upstream.Status != 0 {
		var bs []string
		for _, b := range rt.Backends {
			d := fmt.Sprintf("%s weight %d", b.Upstream.Name, b.Weight)
			if b.Upstream.Status != 0 {
				d += fmt.Sprintf(" (answers %d)", b.Upstream.Status)
			}
			bs = append(bs, d)
		}
		s = append(s, "backendRefs "+strings.Join(bs, ", "))
	}
	// A redirect answers before any backend: its route's stand-in
	// upstream is never reached.
	if u := rt.Upstream; u != nil && rt.Redirect == nil && len(rt.Backends) == 0 && u.Status != 0 {
		add(true, "every request answered %d (%s)", u.Status, u.Name)
	}
	for _, m := range rt.Mirrors {
		share := "every request"
		if m.Denominator > 0 {
			share = fmt.Sprintf("%d/%d of the requests", m.Numerator, m.Denominator)
		}
		add(true, "RequestMirror to %s, %s", m.Upstream.Name, share)
	}
	if p := rt.ReplacePath; p != nil {
		add(true, "URLRewrite %s", pathModifierSetting(p))
	}
	add(rt.Host != "", "URLRewrite hostname %s", rt.Host)
	if t := rt.Traffic; t != nil {
		s = append(s, headerRulesSetting("request headers", t.RequestHeaders)...)
		s = append(s, headerRulesSetting("response headers", t.ResponseHeaders)...)
		// CORS, and whatever else the policy holds, as for an Ingress.
		rest := *t
		rest.RequestHeaders, rest.ResponseHeaders = proxy.HeaderRules{}, proxy.HeaderRules{}
		s = append(s, trafficSettings(&rest, "", hosts)...)
	}
	for _, b := range rt.Backends {
		s = append(s, headerRulesSetting(b.Upstream.Name+" request headers", b.RequestHeaders)...)
	}
	add(rt.RequestTimeout > 0, "timeouts.request %s", rt.RequestTimeout)
	add(rt.BackendTimeout > 0, "timeouts.backendRequest %s", rt.BackendTimeout)
	for _, u := range routeUpstreams(rt) {
		if u.Status != 0 || u.Protocol != proxy.HTTPS && u.Protocol != proxy.GRPCS {
			continue
		}
		// A BackendTLSPolicy gives its CA; without one (an appProtocol
		// or an https override) the system roots verify.
		roots := "system roots"
		if u.TLS.RootCAs != nil {
			roots = "the policy's CA"
		}
		add(true, "TLS to %s, server name %s, verified against %s", u.Name, u.TLS.ServerName, roots)
	}
	return s
}

// routeUpstreams lists the upstreams a route sends its requests to, once
// each: its Upstream and those of its Backends.
func routeUpstreams(rt *proxy.Route) []*proxy.Upstream {
	var out []*proxy.Upstream
	if rt.Upstream != nil {
		out = append(out, rt.Upstream)
	}
	for _, b := range rt.Backends {
		if !slices.Contains(out, b.Upstream) {
			out = append(out, b.Upstream)
		}
	}
	return out
}

// requestRedirectSetting describes a redirect as the RequestRedirect
// filter wrote it; one with a fixed URL (an Ingress's) as that URL.
func requestRedirectSetting(rd *rewrite.Redirect) string {
	if rd.URL != "" {
		return fmt.Sprintf("redirect %d %s", rd.Code, rd.URL)
	}
	parts := []string{"RequestRedirect " + strconv.Itoa(rd.Code)}
	if rd.Scheme != "" {
		parts = append(parts, "scheme "+rd.Scheme)
	}
	if rd.Hostname != "" {
		parts = append(parts, "hostname "+rd.Hostname)
	}
	if rd.Port != 0 {
		parts = append(parts, "port "+strconv.Itoa(rd.Port))
	}
	if rd.Path != nil {
		parts = append(parts, pathModifierSetting(rd.Path))
	}
	return strings.Join(parts, " ")
}

// pathModifierSetting names a path modifier as Gateway API's
// HTTPPathModifier does.
func pathModifierSetting(p *rewrite.PathModifier) string {
	if p.Prefix {
		return "ReplacePrefixMatch " + strconv.Quote(p.Value)
	}
	return "ReplaceFullPath " + strconv.Quote(p.Value)
}

// headerRulesSetting describes the header modifier rules, one setting per
// operation that is set, the headers sorted.
func headerRulesSetting(what string, h proxy.HeaderRules) []string {
	var s []string
	list := func(m map[string]string) string {
		var hs []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			hs = append(hs, k+": "+m[k])
		}
		return strings.Join(hs, ", ")
	}
	if len(h.Set) > 0 {
		s = append(s, fmt.Sprintf("%s set %s", what, list(h.Set)))
	}
	if len(h.Add) > 0 {
		s = append(s, fmt.Sprintf("%s add %s", what, list(h.Add)))
	}
	if len(h.Remove) > 0 {
		s = append(s, fmt.Sprintf("%s remove %s", what, strings.Join(h.Remove, ", ")))
	}
	return s
}
