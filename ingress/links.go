package ingress

import (
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// Incremental compiling rests on one observation: what Compile makes of an
// Ingress depends on other Ingresses only through names they share. Two
// Ingresses on one host decide together the host's fallback, conflicts,
// canaries, certificate and host settings; two Ingresses with one backend
// share its resolution (and its one warning); an alias or a www twin
// claims a host name that a rule may declare. Those names are an Ingress's
// links. Ingresses joined by links, directly or through others, form a
// group; groups compile independently of each other, so a change
// recompiles only the groups it touches.
//
// An Ingress's refs name the Secrets and ConfigMaps it may read: a change
// to one of them recompiles the Ingresses that may read it. Refs
// over-approximate (every word of every annotation value), which costs a
// needless recompile at worst, never a missed one.

// Link kinds: a host name (rules, TLS hosts, aliases, www twins; "h:" is
// the rules without a host and the catch-all default backend), a Service
// ("s:namespace/name").
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
		if s := spec.DefaultBackend.Service; s != nil {
			add(serviceLink + ing.Namespace + "/" + s.Name)
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
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if s := p.Backend.Service; s != nil {
				add(serviceLink + ing.Namespace + "/" + s.Name)
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
	if name := strings.TrimSpace(ing.Annotations[o.annotation("default-backend")]); name != "" {
		add(serviceLink + ing.Namespace + "/" + name)
	}
	return out
}

// linkHost folds a host the way the routing table does (ASCII case, one
// trailing dot), so that two spellings of one host are one link.
func linkHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// refs returns the Secrets and ConfigMaps ing may read, as
// "o:namespace/name": its TLS Secrets, and every word of its annotation
// values taken as a name in its namespace or as namespace/name.
func refs(ing Ingress) []string {
	var out []string
	seen := map[string]bool{}
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
