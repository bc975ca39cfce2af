package ingress

import (
	"fmt"
	"regexp/syntax"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Difference is one request that the Kubernetes (spec) matching and
// ingress-nginx's matching route differently, for the loaded objects.
type Difference struct {
	// URL is the example request, such as "https://test.com/foo/bar"; a
	// rule without a host is tried with the host "example.invalid", a
	// wildcard "*.foo.com" with "a.foo.com" and "a.b.foo.com".
	URL string
	// Host and Path are the rule host and the path, as written, that the
	// example was made from; Object ("ingress namespace/name") and Field
	// (such as "spec.rules[0].http.paths[1].path") say where they are.
	Host, Path    string
	Object, Field string
	// Spec and IngressNginx say where each mode sends the request: a
	// backend ("default/service1:80"), a redirect ("301 to /api/"), or
	// "no rule of this host" (then the rules without a host, the default
	// backend, or 404 decide, alike in both modes).
	Spec, IngressNginx string
	// Reason says in a sentence which ingress-nginx rule makes the
	// difference.
	Reason string
}

// String returns the difference on one line:
// "https://test.com/foo/bar: spec -> default/service2:80, ingress-nginx -> default/service1:80".
func (d Difference) String() string {
	return d.URL + ": spec -> " + d.Spec + ", ingress-nginx -> " + d.IngressNginx
}

// compareModes builds the ingress-nginx table beside the spec table, lists
// the requests they route differently (Compiled.Differences), and then
// either serves the ingress-nginx table (MatchIngressNginx) or warns, once
// per path, where the spec table differs from ingress-nginx. Compile skips
// it where modesAgree proves that it would find nothing.
func (c *compiler) compareModes(spec *route.Table) {
	rules, places, regexHosts, deep := c.nginxRules()
	nginx, err := route.NewWithOptions(rules, route.Options{RegexInOrder: true, DeepWildcards: deep})
	if err != nil {
		// A path that is literal in the spec table can be a regex RE2
		// refuses once ingress-nginx's regex mode takes its host. A Prefix
		// path and its twin fail alike: one message per path.
		reported := map[string]bool{}
		for _, re := range ruleErrors(err) {
			p := places[re.Index]
			at := p.field.Child("path")
			key := p.ing.Ref() + " " + at.String()
			if reported[key] {
				continue
			}
			reported[key] = true
			if c.opts.Matching == MatchIngressNginx {
				c.fail(p.ing, field.Invalid(at, re.Rule.Path, re.Err.Error()+" (ingress-nginx matches every path of this host as a regex)"))
				continue
			}
			c.warn(p.ing, at.String(), fmt.Sprintf(
				"host %q path %q: ingress-nginx would match it as a regex (regex mode of the host), which cannot be compiled: %v",
				hostLabel(re.Rule.Host), re.Rule.Path, re.Err))
		}
		if len(ruleErrors(err)) == 0 { // not expected: route.New reports rules
			if c.opts.Matching == MatchIngressNginx {
				c.errs = append(c.errs, &Error{Err: err})
			} else {
				c.out.Warnings = append(c.out.Warnings, Warning{Message: "cannot compare with ingress-nginx's routing: " + err.Error()})
			}
		}
		return
	}
	diffs, firstOf := c.differences(spec, nginx, regexHosts)
	c.out.Differences = diffs
	if c.opts.Matching == MatchIngressNginx {
		c.out.Table = nginx
		return
	}
	for _, i := range firstOf {
		d := diffs[i.diff]
		c.warn(c.places[i.rule].ing, d.Field, fmt.Sprintf("host %q path %q: ingress-nginx routes differently: %s -> %s here, %s in ingress-nginx (%s)",
			hostLabel(d.Host), d.Path, d.URL, d.Spec, d.IngressNginx, d.Reason))
	}
}

// ruleDiff links a rule of compiler.rules to its first difference.
type ruleDiff struct{ rule, diff int }

// differences tries, for every path rule, a few requests made from its
// path (the path, with and without a trailing slash, longer, in upper
// case; for a regex, a string it matches) in both tables, and returns
// those routed differently, each URL once, with the first difference of
// each rule.
func (c *compiler) differences(spec, nginx *route.Table, regexHosts map[string]string) ([]Difference, []ruleDiff) {
	var diffs []Difference
	var firstOf []ruleDiff
	type request struct{ host, path string }
	tried := make(map[request]bool, 4*len(c.rules))
	for i, r := range c.rules {
		if r.Type == route.Default || c.isAppRootRule(i) {
			continue
		}
		first := true
		for _, host := range exampleHosts(r.Host) {
			for _, p := range examplePaths(r.Path) {
				clean, err := route.CleanPath(p)
				if err != nil || tried[request{host, clean}] {
					continue
				}
				tried[request{host, clean}] = true
				s, n := unmatched(r.Host, spec.Match(host, clean)), unmatched(r.Host, nginx.Match(host, clean))
				if sameOutcome(s, n) {
					continue
				}
				so, no := describeOutcome(s), describeOutcome(n)
				if so == no {
					so, no = so+" ("+originOf(s)+")", no+" ("+originOf(n)+")"
				}
				d := Difference{
					URL:    c.scheme(r.Host) + "://" + host + clean,
					Host:   r.Host,
					Path:   r.Path,
					Object: r.Origin,
					Field:  c.places[i].field.Child("path").String(),
					Spec:   so, IngressNginx: no,
					Reason: nginxReason(n, regexHosts[r.Host]),
				}
				if strings.HasPrefix(r.Host, "*.") && strings.Count(host, ".") > strings.Count(r.Host, ".") {
					d.Reason = fmt.Sprintf("ingress-nginx writes the server-alias %s as nginx's server_name, which covers names any number of labels deep, such as %s; "+
						"a Kubernetes wildcard covers one label", r.Host, host)
				}
				if first {
					firstOf = append(firstOf, ruleDiff{rule: i, diff: len(diffs)})
					first = false
				}
				diffs = append(diffs, d)
			}
		}
	}
	return diffs, firstOf
}

// exampleHosts are request hosts that a rule host covers, or that nginx
// might make it cover.
func exampleHosts(h string) []string {
	switch {
	case h == "":
		return []string{"example.invalid"} // reserved: never a rule's host
	case strings.HasPrefix(h, "*."):
		h = route.NormalizeHost(h)
		return []string{"a" + h[1:], "a.b" + h[1:]}
	}
	return []string{route.NormalizeHost(h)}
}

func (c *compiler) scheme(host string) string {
	if _, ok := c.tlsHosts[host]; ok {
		return "https"
	}
	return "http"
}

// examplePaths returns requests worth trying for a rule path, the most
// telling first.
func examplePaths(p string) []string {
	base := p
	if !safePathType.MatchString(p) {
		base = regexSample(p)
	}
	out := []string{base}
	if trimmed := strings.TrimSuffix(base, "/"); trimmed != base && trimmed != "" {
		out = append(out, trimmed)
	} else if base != "/" {
		out = append(out, base+"/")
	}
	out = append(out, base+"x", strings.TrimSuffix(base, "/")+"/x", strings.ToUpper(base))
	return out
}

// regexSample returns a short path that the regex p matches at its start,
// or p itself when it cannot be parsed.
func regexSample(p string) string {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return p
	}
	var b strings.Builder
	sample(&b, re.Simplify())
	s := b.String()
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return s
}

func sample(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) >= 2 {
			lo, hi := re.Rune[0], re.Rune[1]
			switch {
			case lo <= 'a' && 'a' <= hi:
				lo = 'a'
			case lo <= '0' && '0' <= hi:
				lo = '0'
			case lo < '!' && '!' <= hi:
				lo = '!'
			}
			b.WriteRune(lo)
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
	case syntax.OpCapture, syntax.OpPlus:
		sample(b, re.Sub[0])
	case syntax.OpRepeat:
		for range re.Min {
			sample(b, re.Sub[0])
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			sample(b, sub)
		}
	case syntax.OpAlternate:
		sample(b, re.Sub[0])
	}
}

// sameOutcome reports whether two matches send a request to the same place:
// the same path of the same Ingress (or both nowhere), and the same
// redirect.
func sameOutcome(a, b *route.Rule) bool {
	if a == nil || b == nil {
		return a == b
	}
	ra, rb := a.Value.(*proxy.Route), b.Value.(*proxy.Route)
	return ra.Object == rb.Object && ra.Origin.Field == rb.Origin.Field &&
		a.Backend == b.Backend && isSlashRedirect(ra) == isSlashRedirect(rb) && ra.HostRedirect == rb.HostRedirect
}

// unmatched returns nil when a request made for the rules of host went
// past them: to the global catch-all default backend, or, for a rule with
// a host, to the rules without one. What it finds there depends on other
// Ingresses than those of host, in both modes alike; a difference is about
// how host's own rules route.
func unmatched(host string, r *route.Rule) *route.Rule {
	if r != nil && r.Host == "" && (r.Type == route.Default || host != "") {
		return nil
	}
	return r
}

// describeOutcome says where a match sends a request.
func describeOutcome(r *route.Rule) string {
	if r == nil {
		return "no rule of this host (the rules without a host, the default backend, else 404)"
	}
	rt := r.Value.(*proxy.Route)
	switch {
	case isSlashRedirect(rt):
		return "301 to " + rt.Redirect.URL
	case rt.HostRedirect != "":
		return "308 to host " + rt.HostRedirect
	case r.Backend.String() == "":
		return "redirect"
	}
	return r.Backend.String()
}

func originOf(r *route.Rule) string {
	if r == nil {
		return "no rule"
	}
	return r.Origin + " " + r.Value.(*proxy.Route).Origin.Field
}

// nginxReason names the ingress-nginx rule behind a difference about the
// path of rule r, which ingress-nginx answers with n.
func nginxReason(n *route.Rule, regexBy string) string {
	switch {
	case n != nil && isSlashRedirect(n.Value.(*proxy.Route)):
		to := n.Value.(*proxy.Route).Redirect.URL
		return fmt.Sprintf("ingress-nginx answers %s with a 301 to %s, as nginx does for a location that ends in \"/\"; the Kubernetes spec makes the path %q match %s itself",
			strings.TrimSuffix(to, "/"), to, to, strings.TrimSuffix(to, "/"))
	case regexBy != "":
		return fmt.Sprintf("use-regex or rewrite-target of %s puts the whole host in regex mode in ingress-nginx: every path of the host, of every Ingress, "+
			"is a case-insensitive regex anchored at the start only, tried longest first", regexBy)
	case n != nil && n.Type == route.Exact && n.Value.(*proxy.Route).Origin.PathType != string(networkingv1.PathTypeExact):
		return "ingress-nginx gives each Prefix path an exact location of its own, which wins for that very path over a longer Prefix that ends in \"/\""
	}
	return "ingress-nginx orders its locations by path length, not by the Kubernetes rules"
}
