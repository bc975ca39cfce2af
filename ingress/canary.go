package ingress

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/route"
)

// Canary Ingresses. An Ingress with canary: "true" makes no routes of its
// own: each of its paths becomes an alternative backend of the route with
// the same host, path and pathType (the primary), chosen per request by
// header, then cookie, then weight, as in ingress-nginx. Unlike
// ingress-nginx, the choice is made per route, not per Service, and a
// route may have several canaries, tried in merge order.

// CanaryPolicy is what the canary annotations of an Ingress ask.
type CanaryPolicy struct {
	// Enabled is canary: "true"; without it the other canary annotations
	// are ignored, with a warning.
	Enabled bool
	// Header is canary-by-header: a request with this header set to
	// "always" goes to the canary, "never" to the primary.
	Header string
	// HeaderValue is canary-by-header-value: the header must equal it
	// exactly for the canary; any other value falls through to the cookie
	// and the weight.
	HeaderValue string
	// HeaderPattern is canary-by-header-pattern, used when HeaderValue is
	// empty: a header value it matches (anywhere) selects the canary.
	HeaderPattern *regexp.Regexp
	// Cookie is canary-by-cookie: "always" and "never", like Header.
	Cookie string
	// Weight and WeightTotal are canary-weight and canary-weight-total
	// (default 100): the share of the remaining requests sent to the
	// canary.
	Weight, WeightTotal int
}

// canaryAnnotations are the annotations that fill Policy.Canary.
var canaryAnnotations = map[string]annotation{
	"canary": {boolInto(func(p *Policy) *bool { return &p.Canary.Enabled })},
	"canary-by-header": {func(p *Policy, v string) error {
		if !headerName.MatchString(v) {
			return fmt.Errorf("must be an HTTP header name, such as X-Canary")
		}
		p.Canary.Header = v
		return nil
	}},
	"canary-by-header-value": {func(p *Policy, v string) error {
		if !nginxPath.MatchString(v) || strings.Contains(v, "$") {
			return fmt.Errorf("must be made of letters, digits and the characters - . _ ~ / and colon")
		}
		p.Canary.HeaderValue = v
		return nil
	}},
	"canary-by-header-pattern": {func(p *Policy, v string) error {
		re, err := regexp.Compile(v)
		if err != nil {
			return fmt.Errorf("must be a regular expression RE2 can compile: %v", err)
		}
		p.Canary.HeaderPattern = re
		return nil
	}},
	"canary-by-cookie": {func(p *Policy, v string) error {
		if !headerName.MatchString(v) {
			return fmt.Errorf("must be a cookie name")
		}
		p.Canary.Cookie = v
		return nil
	}},
	"canary-weight":       {canaryIntInto(func(p *Policy) *int { return &p.Canary.Weight })},
	"canary-weight-total": {canaryIntInto(func(p *Policy) *int { return &p.Canary.WeightTotal })},
}

func canaryIntInto(field func(*Policy) *int) func(*Policy, string) error {
	return func(p *Policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return fmt.Errorf("must be a whole number from 0 to 1000000")
		}
		*field(p) = n
		return nil
	}
}

// finishCanary checks the canary annotations of ing together.
func (c *compiler) finishCanary(ing Ingress, p *Policy) bool {
	key := func(name string) string { return "metadata.annotations[" + c.opts.annotation(name) + "]" }
	cp := &p.Canary
	if !cp.Enabled {
		if cp.Header != "" || cp.Cookie != "" || cp.Weight != 0 || cp.HeaderValue != "" || cp.HeaderPattern != nil || cp.WeightTotal != 0 {
			c.warn(ing, key("canary"), `the canary-* annotations are ignored: canary is not "true"`)
		}
		*cp = CanaryPolicy{}
		return true
	}
	if cp.WeightTotal == 0 {
		cp.WeightTotal = 100
	}
	if cp.Weight > cp.WeightTotal {
		c.fail(ing, field.Invalid(c.annotationPath("canary-weight"), strconv.Itoa(cp.Weight),
			fmt.Sprintf("must not be more than canary-weight-total (%d)", cp.WeightTotal)))
		return false
	}
	if (cp.HeaderValue != "" || cp.HeaderPattern != nil) && cp.Header == "" {
		c.warn(ing, key("canary-by-header-value"), "ignored without canary-by-header")
	}
	return true
}

// canaryKeeps reports whether a canary Ingress's own annotation applies:
// the canary ones, and those that balance its backend, which ingress-nginx
// keeps (load-balance, upstream-hash-by, affinity).
func canaryKeeps(name string) bool {
	return strings.HasPrefix(name, "canary") || name == "load-balance" || strings.HasPrefix(name, "upstream-hash-by") ||
		strings.HasPrefix(name, "affinity") || strings.HasPrefix(name, "session-cookie-")
}

// annotationPath is the field path of the annotation name under the
// configured prefix: metadata.annotations[PREFIX/name].
func (c *compiler) annotationPath(name string) *field.Path {
	return field.NewPath("metadata", "annotations").Key(c.opts.annotation(name))
}

// canaryTarget is an alternative backend of a route.
type canaryTarget struct {
	// Origin is the canary Ingress's path.
	Origin routeSource
	// Policy holds the canary Ingress's annotations; only Policy.Canary and
	// the balancing annotations apply.
	Policy Policy
	// Backend and Target are the canary's Service port and where it is.
	Backend route.Backend
	Target  Target
}

// canaryPath is a path of a canary Ingress, waiting for its primary.
type canaryPath struct {
	ing                  Ingress
	at                   *field.Path
	host, path, pathType string
	canary               canaryTarget
}

// addCanary records a path of a canary Ingress; attachCanaries finds its
// primary once every Ingress is merged.
func (c *compiler) addCanary(ing Ingress, at *field.Path, host, path, pathType string, policy Policy, b route.Backend) {
	target, warning, err := c.resolver.resolve(b)
	if err != nil {
		c.fail(ing, field.Invalid(at.Child("backend"), b.String(), err.Error()))
		return
	}
	if warning != "" {
		c.warnBackend(ing, at.Child("backend").String(), backendKey{backend: b}, warning)
	}
	c.canaries = append(c.canaries, canaryPath{ing: ing, at: at, host: host, path: path, pathType: pathType, canary: canaryTarget{
		Origin:  routeSource{Namespace: ing.Namespace, Name: ing.Name, PathType: pathType, Path: path, Field: at.String(), Source: ing.Source},
		Policy:  policy,
		Backend: b,
		Target:  target,
	}})
}

// attachCanaries gives each canary path to the routes with the same host,
// path and pathType; a canary without one is dropped with a warning, as
// ingress-nginx drops it.
func (c *compiler) attachCanaries() {
	if len(c.canaries) == 0 {
		return
	}
	type pathKey struct{ host, path, pathType string }
	primaries := map[pathKey][]*compiledRoute{}
	for _, r := range c.rules {
		if rt := r.Value.(*compiledRoute); r.Type != route.Default {
			k := pathKey{r.Host, r.Path, rt.routeSource.PathType}
			primaries[k] = append(primaries[k], rt)
		}
	}
	for _, cp := range c.canaries {
		routes := primaries[pathKey{cp.host, cp.path, cp.pathType}]
		for _, rt := range routes {
			rt.Canaries = append(rt.Canaries, cp.canary)
		}
		if len(routes) == 0 {
			c.warn(cp.ing, cp.at.String(), fmt.Sprintf("canary ignored: no other Ingress routes host %q path %q (%s) to be its primary",
				hostLabel(cp.host), cp.path, cp.pathType))
		}
	}
}
