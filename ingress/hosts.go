package ingress

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/route"
)

// Host-level annotations: server-alias and from-to-www-redirect. Both add
// hosts that no rule declares. In ingress-nginx they are settings of the
// nginx server block of each host; here the extra hosts get rules of their
// own, built once every Ingress has been merged, so that they see every
// path of the host whichever Ingress declared it.

// hostAnnotations are the annotations that add hosts.
var hostAnnotations = map[string]annotation{
	"server-alias": {func(p *policy, v string) error {
		p.ServerAliases = nil
		for _, alias := range strings.Split(v, ",") {
			alias = strings.ToLower(strings.TrimSpace(alias))
			if alias == "" {
				continue
			}
			if !aliasSyntax.MatchString(alias) {
				return fmt.Errorf("must be a comma-separated list of host names, such as www.example.com or *.example.com; nginx's example.* and ~regex forms are not supported")
			}
			p.ServerAliases = append(p.ServerAliases, strings.TrimSuffix(alias, "."))
		}
		return nil
	}},
	"from-to-www-redirect": {boolInto(func(p *policy) *bool { return &p.FromToWWWRedirect })},
}

var aliasSyntax = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$`)

// hostExtras is what an Ingress asks of its hosts beyond its rules.
type hostExtras struct {
	ing               Ingress
	aliases           []string
	fromToWWWRedirect bool
}

// noteHostExtras remembers the host-level annotations of ing, applied by
// applyHostExtras once every Ingress is merged.
func (c *compiler) noteHostExtras(ing Ingress, p *policy) {
	if len(p.ServerAliases) > 0 || p.FromToWWWRedirect {
		c.hostExtras = append(c.hostExtras, hostExtras{ing: ing, aliases: p.ServerAliases, fromToWWWRedirect: p.FromToWWWRedirect})
	}
}

// applyHostExtras adds the rules of server aliases and www redirects, in
// merge order. A name that some rule already declares is left to that rule,
// with a warning, as ingress-nginx ignores such aliases; a host takes its
// aliases from the first Ingress that gives it some.
func (c *compiler) applyHostExtras() {
	if len(c.hostExtras) == 0 {
		return
	}
	declared := map[string]bool{}
	byHost := map[string][]int{}
	for i, r := range c.rules {
		declared[r.Host] = true
		byHost[r.Host] = append(byHost[r.Host], i)
	}
	aliasedBy := map[string]string{} // host -> the Ingress whose aliases it took
	added := map[string]string{}     // extra host -> what added it
	for _, x := range c.hostExtras {
		for _, host := range ingressHosts(x.ing) {
			for _, alias := range x.aliases {
				at := field.NewPath("metadata", "annotations").Key(c.opts.annotation("server-alias"))
				key := at.String()
				if host == "" {
					c.warn(x.ing, key, "ignored for the rules without a host: an alias names more hosts of a host")
					break
				}
				if first, seen := aliasedBy[host]; seen && first != x.ing.Ref() {
					c.warn(x.ing, key, fmt.Sprintf("ignored for host %q: it takes its aliases from %s, which comes first in merge order", host, first))
					break
				}
				aliasedBy[host] = x.ing.Ref()
				if c.claimExtraHost(x.ing, key, alias, "alias of "+host, declared, added) {
					c.copyHost(byHost[host], alias)
					if hs, ok := c.appRoots[host]; ok {
						c.appRoots[alias] = hs
					}
				}
			}
			if x.fromToWWWRedirect && host != "" && !strings.HasPrefix(host, "*.") {
				at := field.NewPath("metadata", "annotations").Key(c.opts.annotation("from-to-www-redirect"))
				twin := "www." + host
				if bare, ok := strings.CutPrefix(host, "www."); ok {
					twin = bare
				}
				if c.claimExtraHost(x.ing, at.String(), twin, "redirect to "+host, declared, added) {
					c.addHostRedirect(x.ing, at, twin, host)
				}
			}
		}
	}
}

// claimExtraHost reports whether name is free to be added as an extra host
// and records it; a warning says why not otherwise.
func (c *compiler) claimExtraHost(ing Ingress, key, name, what string, declared map[string]bool, added map[string]string) bool {
	switch {
	case declared[name]:
		c.warn(ing, key, fmt.Sprintf("%q ignored (%s): a rule already declares that host", name, what))
		return false
	case added[name] != "":
		c.warn(ing, key, fmt.Sprintf("%q ignored (%s): it is already the %s", name, what, added[name]))
		return false
	}
	added[name] = what
	return true
}

// copyHost adds, for host, a copy of the rules at the given indexes, and
// serves host with the certificate of the host it copies, as it is in that
// host's nginx server block.
func (c *compiler) copyHost(indexes []int, host string) {
	for _, i := range indexes {
		r := c.rules[i]
		rt := *r.Value.(*compiledRoute)
		c.shareTLS(r.Host, host)
		r.Host, r.Value = host, &rt
		c.rules = append(c.rules, r)
		c.places = append(c.places, c.places[i])
	}
}

// addHostRedirect adds a catch-all rule for twin that only redirects to
// host (from-to-www-redirect): nothing of host's rules or policy applies,
// so it is built whether or not host has rules of its own.
func (c *compiler) addHostRedirect(ing Ingress, at *field.Path, twin, host string) {
	c.shareTLS(host, twin)
	c.rules = append(c.rules, route.Rule{Host: twin, Type: route.Default, Origin: ing.Ref(), Value: &compiledRoute{
		routeSource:  routeSource{Namespace: ing.Namespace, Name: ing.Name, Field: at.String(), Source: ing.Source},
		policy:       new(defaultPolicy()),
		HostRedirect: host,
	}})
	c.places = append(c.places, place{ing: ing, field: at})
}

// shareTLS serves to with the certificate of from, unless to has one.
func (c *compiler) shareTLS(from, to string) {
	t, ok := c.tlsHosts[from]
	if _, done := c.tlsHosts[to]; !ok || done {
		return
	}
	t.Host = to
	c.tlsHosts[to] = t
	c.out.TLS = append(c.out.TLS, t)
}

// ingressHosts returns the distinct hosts of ing's rules, in order.
func ingressHosts(ing Ingress) []string {
	var hosts []string
	seen := map[string]bool{}
	for _, r := range ing.Spec.Rules {
		if !seen[r.Host] {
			seen[r.Host] = true
			hosts = append(hosts, r.Host)
		}
	}
	return hosts
}
