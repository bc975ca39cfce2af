package ingress

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
	"github.com/ingressmux/ingressmux/route"
)

// MatchMode says whose rules decide which path of a host answers a request.
// It implements flag.Value, so that a program can offer it as a flag.
type MatchMode uint8

const (
	// MatchSpec is the Kubernetes Ingress specification, with the choices
	// of the package documentation ("Merging"). It is the default.
	MatchSpec MatchMode = iota
	// MatchIngressNginx reproduces ingress-nginx's matching: host-wide
	// case-insensitive regex mode, ImplementationSpecific as a string
	// prefix, the trailing-slash redirect, and its location order (see
	// "Matching modes" in the package documentation).
	MatchIngressNginx
)

// String returns "spec" or "ingress-nginx".
func (m MatchMode) String() string {
	switch m {
	case MatchSpec:
		return "spec"
	case MatchIngressNginx:
		return "ingress-nginx"
	}
	return fmt.Sprintf("MatchMode(%d)", uint8(m))
}

// Set parses "spec" or "ingress-nginx".
func (m *MatchMode) Set(s string) error {
	switch s {
	case "spec":
		*m = MatchSpec
	case "ingress-nginx":
		*m = MatchIngressNginx
	default:
		return fmt.Errorf("unknown matching mode %q: want spec or ingress-nginx", s)
	}
	return nil
}

// nginxLocation is one location that ingress-nginx generates for a path.
type nginxLocation struct {
	rule     int    // index in compiler.rules of the path it comes from
	path     string // as nginx writes it
	pathType networkingv1.PathType
	regex    bool // the path's Ingress has use-regex or a rewrite
	twin     bool // the exact location added for a Prefix path
}

// nginxRules returns the rules of c.rules as ingress-nginx would match
// them, host by host, in the order route.NewWithOptions with RegexInOrder
// expects, and whether each host is in regex mode (by rule host).
func (c *compiler) nginxRules() ([]route.Rule, []place, map[string]string, []string) {
	byHost := make(map[string][]int, len(c.introducedBy))
	var hosts []string
	// Twins and redirects add rules: room for them without regrowing.
	rules := make([]route.Rule, 0, 2*len(c.rules))
	places := make([]place, 0, 2*len(c.rules))
	for i, r := range c.rules {
		if r.Type == route.Default || c.isAppRootRule(i) {
			// Host fallbacks are nginx's "/" location of the host, which
			// every other location comes before; app-root is checked before
			// any location, as an Exact "/" is.
			rules = append(rules, r)
			places = append(places, c.places[i])
			continue
		}
		if _, ok := byHost[r.Host]; !ok {
			hosts = append(hosts, r.Host)
		}
		byHost[r.Host] = append(byHost[r.Host], i)
	}
	regexHosts := map[string]string{}
	var deep []string
	for _, host := range hosts {
		if c.isWildcardAlias(host) {
			deep = append(deep, host)
		}
		locs, regexBy := c.nginxLocations(byHost[host])
		if regexBy != "" {
			regexHosts[host] = regexBy
		}
		rs, ps := c.nginxHostRules(locs, regexBy != "")
		rules = append(rules, rs...)
		places = append(places, ps...)
	}
	return rules, places, regexHosts, deep
}

// isWildcardAlias reports whether host is a wildcard that only a
// server-alias names. ingress-nginx writes a rule's wildcard host as the
// regex ~^(?<subdomain>[\w-]+)\.foo\.com$ (one label, since controller
// v0.41.0), but an alias as it is, and nginx's server_name "*.foo.com"
// covers "a.b.foo.com" too.
func (c *compiler) isWildcardAlias(host string) bool {
	_, declared := c.introducedBy[host]
	return strings.HasPrefix(host, "*.") && !declared
}

// isAppRootRule reports whether c.rules[i] is the Exact "/" that only
// carries a host's app-root redirect (see applyAppRoots).
func (c *compiler) isAppRootRule(i int) bool {
	if r := c.rules[i]; r.Type != route.Exact || r.Path != "/" {
		return false
	}
	return c.places[i].field.String() == c.annotationPath("app-root").String()
}

// nginxLocations turns the paths of one host into ingress-nginx's
// locations, in its order, and names the first Ingress that puts the host
// in regex mode ("" for none). The steps are those of ingress-nginx's
// getBackendServers and updateServerLocations (controller v1.15):
//
//  0. ImplementationSpecific is Prefix (SetDefaultNGINXPathType);
//  1. one location per path; the same path and pathType again is ignored
//     (the first Ingress in merge order keeps it);
//  2. a stable sort by path string descending, then a stable sort by path
//     length descending;
//  3. each Prefix path other than "/" of an Ingress without use-regex or a
//     rewrite gets a trailing slash, followed by an exact twin without it
//     unless an Exact location has that path.
func (c *compiler) nginxLocations(indexes []int) ([]nginxLocation, string) {
	type key struct {
		path string
		typ  networkingv1.PathType
	}
	seen := map[key]bool{}
	var locs []nginxLocation
	regexBy := ""
	for _, i := range indexes {
		rt := c.compiled[i]
		path := c.rules[i].Path
		typ := networkingv1.PathType(rt.routeSource.PathType)
		if typ == networkingv1.PathTypeImplementationSpecific {
			// ingress-nginx's SetDefaultNGINXPathType makes every
			// ImplementationSpecific path a Prefix path before anything else
			// (since controller v0.34.0): regex or not is the annotations'
			// business, never the pathType's.
			typ = networkingv1.PathTypePrefix
		}
		if seen[key{path, typ}] {
			continue
		}
		seen[key{path, typ}] = true
		loc := nginxLocation{rule: i, path: path, pathType: typ, regex: nginxRegexLocation(rt.policy, path)}
		if loc.regex && regexBy == "" {
			regexBy = c.rules[i].Origin
		}
		locs = append(locs, loc)
	}
	slices.SortStableFunc(locs, func(a, b nginxLocation) int { return strings.Compare(b.path, a.path) })
	slices.SortStableFunc(locs, func(a, b nginxLocation) int { return len(b.path) - len(a.path) })

	exact := map[string]bool{}
	for _, l := range locs {
		if l.pathType == networkingv1.PathTypeExact {
			exact[l.path] = true
		}
	}
	out := make([]nginxLocation, 0, 2*len(locs))
	for _, l := range locs {
		if l.path == "/" || l.pathType != networkingv1.PathTypePrefix || l.regex {
			out = append(out, l)
			continue
		}
		twin := l
		if !strings.HasSuffix(l.path, "/") {
			l.path += "/"
		}
		out = append(out, l)
		if !exact[twin.path] {
			twin.pathType, twin.twin = networkingv1.PathTypeExact, true
			out = append(out, twin)
		}
	}
	return out, regexBy
}

// nginxHostRules turns one host's locations into route rules. In regex
// mode every location is `location ~* "^PATH"`, tried in order, the first
// match winning; a later location with the same pattern is never reached
// and is left out. Otherwise Exact locations are nginx's "=" locations,
// the others nginx prefix locations (StringPrefix: "/" or a path ending in
// "/", or a regex Ingress's path in a host that is not in regex mode, which
// cannot happen), and a location whose
// path ends in "/" answers the same path without it with a 301 to it (with
// the query), unless a location has that path: nginx does that for
// locations that proxy.
func (c *compiler) nginxHostRules(locs []nginxLocation, regexMode bool) ([]route.Rule, []place) {
	var rules []route.Rule
	var places []place
	type key struct {
		path string
		typ  route.PathType
	}
	seen := map[key]int{} // index in rules
	emit := func(l nginxLocation, typ route.PathType, path string, value *proxy.Route) {
		r := c.rules[l.rule]
		r.Path, r.Type, r.Value = path, typ, value
		k := key{path, typ}
		if typ != route.Regex {
			// nginx compares location names with the decoded request path
			// and never decodes the names: of "/a/~user" and "/a/%7Euser",
			// which the route package cleans alike, only the first can
			// match, whatever the order.
			if clean, err := route.CleanPath(path); err == nil {
				k.path = clean
			}
		}
		if j, dup := seen[k]; dup {
			if rules[j].Path != k.path && path == k.path {
				rules[j], places[j] = r, c.places[l.rule]
			}
			return
		}
		seen[k] = len(rules)
		rules = append(rules, r)
		places = append(places, c.places[l.rule])
	}
	for _, l := range locs {
		rt := c.rules[l.rule].Value.(*proxy.Route)
		switch {
		case regexMode:
			emit(l, route.Regex, l.path, rt)
		case l.pathType == networkingv1.PathTypeExact:
			emit(l, route.Exact, l.path, rt)
		default:
			emit(l, route.StringPrefix, l.path, rt)
		}
	}
	if regexMode {
		return rules, places
	}
	named := map[string]bool{}
	for _, r := range rules {
		named[r.Path] = true
	}
	for _, l := range locs {
		if l.path == "/" || !strings.HasSuffix(l.path, "/") || named[strings.TrimSuffix(l.path, "/")] {
			continue
		}
		rt := *c.compiled[l.rule]
		redirect := defaultPolicy()
		redirect.route.Redirect = &rewrite.Redirect{URL: l.path, Code: 301, AppendQuery: true}
		rt.policy = &redirect
		rt.Rewrite, rt.Canaries = nil, nil
		rt.routeSource.Path = strings.TrimSuffix(l.path, "/") // the location nginx adds, not the path as written
		emit(l, route.Exact, rt.routeSource.Path, c.proxyRoute(c.rules[l.rule], &rt, " slash redirect"))
	}
	return rules, places
}

// isSlashRedirect reports whether rt only redirects to the path with a
// trailing slash (see nginxHostRules).
func isSlashRedirect(rt *proxy.Route) bool {
	return rt.Redirect != nil && rt.Redirect.AppendQuery
}
