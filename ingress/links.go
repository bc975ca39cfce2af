package ingress

import (
	"slices"
	"strings"

	"github.com/ingressmux/ingressmux/route"

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
	spec := &ing.Spec
	// Sized for one link per rule and TLS entry, the common case.
	out := uniqueList{list: make([]string, 0, len(spec.Rules)+len(spec.TLS)+1)}
	addHost := func(h string) { out.add(hostLink + linkHost(h)) }
	if spec.DefaultBackend != nil {
		if len(spec.Rules) == 0 {
			addHost("")
		}
	}
	www := ing.Annotations[o.linkAnnotation(wwwRedirectAnnotation)] != ""
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
	for alias := range strings.SplitSeq(ing.Annotations[o.linkAnnotation(serverAliasAnnotation)], ",") {
		if alias = strings.TrimSpace(alias); alias != "" {
			addHost(alias)
		}
	}
	return out.list
}

// The annotations links reads, and their keys under the default prefix,
// made once rather than for every Ingress.
const (
	wwwRedirectAnnotation = "from-to-www-redirect"
	serverAliasAnnotation = "server-alias"
)

var defaultLinkAnnotations = map[string]string{
	wwwRedirectAnnotation: DefaultAnnotationPrefix + "/" + wwwRedirectAnnotation,
	serverAliasAnnotation: DefaultAnnotationPrefix + "/" + serverAliasAnnotation,
}

// linkAnnotation is o.annotation(name) for the annotations links reads.
func (o *Options) linkAnnotation(name string) string {
	if o.AnnotationPrefix == "" || o.AnnotationPrefix == DefaultAnnotationPrefix {
		return defaultLinkAnnotations[name]
	}
	return o.annotation(name)
}

// uniqueList is a list of strings without repeats, in the order first
// added. The links and refs of an Ingress are a handful: a list that
// short is searched, and a longer one gets an index.
type uniqueList struct {
	list []string
	seen map[string]struct{}
}

// maxSearched is the longest uniqueList without an index.
const maxSearched = 16

func (u *uniqueList) has(s string) bool {
	if u.seen != nil {
		_, ok := u.seen[s]
		return ok
	}
	return slices.Contains(u.list, s)
}

func (u *uniqueList) add(s string) {
	if u.has(s) {
		return
	}
	u.list = append(u.list, s)
	switch {
	case u.seen != nil:
		u.seen[s] = struct{}{}
	case len(u.list) > maxSearched:
		u.seen = make(map[string]struct{}, 2*len(u.list))
		for _, l := range u.list {
			u.seen[l] = struct{}{}
		}
	}
}

// linkHost folds a host as the routing table does, so that two spellings
// of one host are one link.
func linkHost(h string) string { return route.NormalizeHost(h) }

// refs returns the Services ing routes to, as "s:namespace/name", and the
// Secrets, ConfigMaps and Services it may read, as "o:namespace/name": its
// TLS Secrets, and every word of its annotation values taken as a name in
// its namespace or as namespace/name.
func refs(ing Ingress) []string {
	// Sized for a Service per path, a Secret per TLS entry and a word per
	// annotation.
	size := len(ing.Spec.TLS) + len(ing.Annotations) + 1
	for _, r := range ing.Spec.Rules {
		if r.HTTP != nil {
			size += len(r.HTTP.Paths)
		}
	}
	out := uniqueList{list: make([]string, 0, size)}
	// Each ref is looked up before it is kept: the lookup's string does
	// not outlive it, so a repeat costs no allocation when it is short.
	service := func(s *networkingv1.IngressServiceBackend) {
		if s != nil && !out.has(serviceLink+ing.Namespace+"/"+s.Name) {
			out.add(serviceLink + ing.Namespace + "/" + s.Name)
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
		switch {
		case word == "":
		case strings.Contains(word, "/"):
			if !out.has(objectRef + word) {
				out.add(objectRef + word)
			}
		case !out.has(objectRef + ing.Namespace + "/" + word):
			out.add(objectRef + ing.Namespace + "/" + word)
		}
	}
	for _, t := range ing.Spec.TLS {
		add(t.SecretName)
	}
	for _, v := range ing.Annotations {
		for word := range strings.FieldsFuncSeq(v, isRefSeparator) {
			add(word)
		}
	}
	return out.list
}

// isRefSeparator reports whether r separates the words of an annotation
// value that refs takes as names.
func isRefSeparator(r rune) bool {
	return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
}

// sliceService returns the "namespace/name" of the Service an
// EndpointSlice belongs to, or "" when it names none.
func sliceService(s EndpointSlice) string {
	if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
		return s.Namespace + "/" + svc
	}
	return ""
}
