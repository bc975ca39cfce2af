package ingress

import (
	"github.com/ingressmux/ingressmux/route"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Incremental compiling rests on one observation: what Compile makes of an
// Ingress depends on other Ingresses only through the hosts they share.
// Two Ingresses on one host decide together the host's fallback,
// conflicts, canaries, certificate and host settings; an alias or a www
// twin claims a host name that a rule may declare. Those names are an
// Ingress's links. Ingresses joined by links, directly or through others,
// form a group; groups compile independently of each other, so a change
// recompiles only the groups it touches. (Two Ingresses with one backend
// share its one warning too: the Tracker keeps that warning for the first
// of them in merge order over every group, see backendWarning.)
//
// An Ingress's refs name the objects it may read: a change to one of them
// recompiles the Ingresses that may read it. Refs over-approximate (every
// word of every annotation value), which costs a needless recompile at
// worst, never a missed one.

// Link and ref kinds: a host name (rules, TLS hosts, aliases, www twins;
// "h:" is the rules without a host and the catch-all default backend), a
// Service routed to ("s:namespace/name"), any object an annotation may
// name ("o:namespace/name").
const (
	hostLink    = "h:"
	serviceLink = "s:"
	objectRef   = "o:"
)

// links returns the names ing shares with other Ingresses.
func (o *Options) links(ing Ingress) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	addHost := func(h string) { add(hostLink + linkHost(h)) }
	spec := &ing.Spec
	if spec.DefaultBackend != nil {
		if len(spec.Rules) == 0 {
			addHost("")
		}
	}
	www := ing.Annotations[o.annotation("from-to-www-redirect")] != ""
	for _, r := range spec.Rules {
		addHost(r.Host)
		if www {
			if bare, ok := strings.CutPrefix(linkHost(r.Host), "www."); ok {
				addHost(bare)
			} else {
				addHost("www." + r.Host)
			}
		}
	}
	for _, t := range spec.TLS {
		if len(t.Hosts) == 0 {
			addHost("")
		}
		for _, h := range t.Hosts {
			addHost(h)
		}
	}
	for alias := range strings.SplitSeq(ing.Annotations[o.annotation("server-alias")], ",") {
		if alias = strings.TrimSpace(alias); alias != "" {
			addHost(alias)
		}
	}
	return out
}

// linkHost folds a host as the routing table does, so that two spellings
// of one host are one link.
func linkHost(h string) string { return route.NormalizeHost(h) }

// refs returns the Services ing routes to, as "s:namespace/name", and the
// Secrets, ConfigMaps and Services it may read, as "o:namespace/name": its
// TLS Secrets, and every word of its annotation values taken as a name in
// its namespace or as namespace/name.
func refs(ing Ingress) []string {
	var out []string
	seen := map[string]bool{}
	service := func(s *networkingv1.IngressServiceBackend) {
		if s != nil && !seen[serviceLink+s.Name] {
			seen[serviceLink+s.Name] = true
			out = append(out, serviceLink+ing.Namespace+"/"+s.Name)
		}
	}
	if b := ing.Spec.DefaultBackend; b != nil {
		service(b.Service)
	}
	for _, r := range ing.Spec.Rules {
		if r.HTTP != nil {
			for _, p := range r.HTTP.Paths {
				service(p.Backend.Service)
			}
		}
	}
	add := func(word string) {
		if word == "" {
			return
		}
		key := word
		if !strings.Contains(word, "/") {
			key = ing.Namespace + "/" + word
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, objectRef+key)
		}
	}
	for _, t := range ing.Spec.TLS {
		add(t.SecretName)
	}
	for _, v := range ing.Annotations {
		for _, word := range strings.FieldsFunc(v, func(r rune) bool {
			return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
		}) {
			add(word)
		}
	}
	return out
}

// sliceService returns the "namespace/name" of the Service an
// EndpointSlice belongs to, or "" when it names none.
func sliceService(s EndpointSlice) string {
	if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
		return s.Namespace + "/" + svc
	}
	return ""
}
