package gateway

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// routeObject is what attachment needs of an HTTPRoute or a GRPCRoute.
type routeObject struct {
	kind      string // "HTTPRoute" or "GRPCRoute"
	meta      metav1.ObjectMeta
	ref       string // "httproute namespace/name"
	source    ingress.Source
	parents   []gatewayv1.ParentReference
	hostnames []gatewayv1.Hostname
}

func (r routeObject) key() string { return r.meta.Namespace + "/" + r.meta.Name }

// servedHost is a hostname a route serves ("" for any), and whether HTTP
// listeners (plain) and HTTPS listeners (secure) serve it.
type servedHost struct {
	host          string
	plain, secure bool
}

// scheme is the route.Conditions Scheme of the host's rules: "" when both
// kinds of listener serve it, else the one that does.
func (h servedHost) scheme() string {
	switch {
	case h.plain && h.secure:
		return ""
	case h.plain:
		return "http"
	}
	return "https"
}

// parentResult is the outcome of one parentRef that names a served
// Gateway.
type parentResult struct {
	ref      gatewayv1.ParentReference
	accepted metav1.Condition
	// lostTo says which route of the other kind took the listeners
	// through this parent (see kindConflicts).
	lostTo string
}

// attachment is where a route is served.
type attachment struct {
	hosts   []servedHost
	parents []parentResult
	// links are the listeners the route attached to.
	links []link
}

// link is a route attached to one listener through parents[parent]: the
// hostnames it has in common with the listener, and of those the ones
// served through it (not isolated by a more specific listener).
type link struct {
	ls                  *listenerState
	parent              int
	common, servedHosts []string
}

// attach resolves a route's parentRefs against the served Gateways:
// section name and port, allowed namespaces and kinds, and the
// intersection of hostnames. ParentRefs to Gateways of other controllers
// are left out, status included.
func (c *compiler) attach(ro routeObject) attachment {
	var att attachment
	gen := ro.meta.Generation
	for _, pr := range ro.parents {
		gs := c.parentGateway(ro, pr)
		if gs == nil {
			continue
		}
		reason, message := c.attachTo(ro, pr, gs, len(att.parents), &att)
		ok := reason == gatewayv1.RouteReasonAccepted
		att.parents = append(att.parents, parentResult{ref: pr, accepted: c.cond(string(gatewayv1.RouteConditionAccepted), ok, string(reason), message, gen)})
	}
	return att
}

// parentGateway is the served Gateway a parentRef of ro names; nil for
// any other parent.
func (c *compiler) parentGateway(ro routeObject, pr gatewayv1.ParentReference) *gatewayState {
	if deref(pr.Group, gatewayGroup) != gatewayGroup || deref(pr.Kind, "Gateway") != "Gateway" {
		return nil
	}
	return c.gws[deref(pr.Namespace, ro.meta.Namespace)+"/"+string(pr.Name)]
}

// attachTo attaches a route to the listeners of gs that parentRef pr
// selects and returns the Accepted reason.
func (c *compiler) attachTo(ro routeObject, pr gatewayv1.ParentReference, gs *gatewayState, parent int, att *attachment) (gatewayv1.RouteConditionReason, string) {
	var candidates []*listenerState
	for _, ls := range gs.listeners {
		if (pr.SectionName == nil || *pr.SectionName == ls.spec.Name) && (pr.Port == nil || *pr.Port == ls.spec.Port) {
			candidates = append(candidates, ls)
		}
	}
	if len(candidates) == 0 {
		return gatewayv1.RouteReasonNoMatchingParent, fmt.Sprintf("gateway %s has no listener %s", gs.key(), describeParent(pr))
	}
	var allowed []*listenerState
	for _, ls := range candidates {
		if ls.accepts && ls.allowed(ro.meta.Namespace) && slices.ContainsFunc(ls.kinds, func(k gatewayv1.RouteGroupKind) bool { return string(k.Kind) == ro.kind }) {
			allowed = append(allowed, ls)
		}
	}
	if len(allowed) == 0 {
		return gatewayv1.RouteReasonNotAllowedByListeners, fmt.Sprintf("no listener of gateway %s %s accepts %ss from namespace %s", gs.key(), describeParent(pr), ro.kind, ro.meta.Namespace)
	}
	routeHosts := ro.hostnames
	if len(routeHosts) == 0 {
		routeHosts = []gatewayv1.Hostname{""}
	}
	attached := false
	for _, ls := range allowed {
		l := link{ls: ls, parent: parent}
		for _, rh := range routeHosts {
			host, ok := intersect(ls.hostname, string(rh))
			if !ok {
				continue
			}
			l.common = append(l.common, host)
			// A hostname that a more specific listener isolates attaches
			// the route but is not served through this listener.
			if ls.usable && !isolated(gs, ls, host) {
				l.servedHosts = append(l.servedHosts, host)
			}
		}
		if len(l.common) > 0 {
			att.links = append(att.links, l)
			attached = true
		}
	}
	if !attached {
		return gatewayv1.RouteReasonNoMatchingListenerHostname, "no hostname of the route matches a listener's hostname"
	}
	return gatewayv1.RouteReasonAccepted, ""
}

// settle counts the route on the listeners it stays attached to and
// lists the hostnames it serves through them. A parent whose every link
// was given up (see kindConflicts) is not Accepted.
func (c *compiler) settle(ro routeObject, att *attachment) {
	linked := make([]bool, len(att.parents))
	for _, l := range att.links {
		linked[l.parent] = true
		l.ls.attached++
		l.ls.routeHosts = append(l.ls.routeHosts, l.servedHosts...)
		for _, h := range l.servedHosts {
			att.add(servedHost{host: h, plain: l.ls.plain, secure: !l.ls.plain})
		}
	}
	for i := range att.parents {
		if p := &att.parents[i]; p.accepted.Status == metav1.ConditionTrue && !linked[i] {
			p.accepted = c.cond(string(gatewayv1.RouteConditionAccepted), false, string(gatewayv1.RouteReasonNotAllowedByListeners),
				p.lostTo, ro.meta.Generation)
		}
	}
}

// add records a served host once, served by the listeners of every kind
// that serve it.
func (a *attachment) add(h servedHost) {
	for i := range a.hosts {
		if a.hosts[i].host == h.host {
			a.hosts[i].plain = a.hosts[i].plain || h.plain
			a.hosts[i].secure = a.hosts[i].secure || h.secure
			return
		}
	}
	a.hosts = append(a.hosts, h)
}

// describeParent spells the listener selection of a parentRef.
func describeParent(pr gatewayv1.ParentReference) string {
	var parts []string
	if pr.SectionName != nil {
		parts = append(parts, "named "+string(*pr.SectionName))
	}
	if pr.Port != nil {
		parts = append(parts, fmt.Sprintf("on port %d", *pr.Port))
	}
	if len(parts) == 0 {
		return "at all"
	}
	return strings.Join(parts, " ")
}

// routeStatus builds the status of a route: for every parent, Accepted,
// ResolvedRefs and, when some rules are not served as written,
// PartiallyInvalid.
func (c *compiler) routeStatus(ro routeObject, att attachment, refs refProblem, partial []string) RouteStatus {
	gen := ro.meta.Generation
	st := RouteStatus{Namespace: ro.meta.Namespace, Name: ro.meta.Name}
	resolved := c.cond(string(gatewayv1.RouteConditionResolvedRefs), true, string(gatewayv1.RouteReasonResolvedRefs), "", gen)
	if refs.reason != "" {
		resolved = c.cond(string(gatewayv1.RouteConditionResolvedRefs), false, string(refs.reason), refs.message, gen)
	}
	for _, p := range att.parents {
		conds := []metav1.Condition{p.accepted, resolved}
		if len(partial) > 0 {
			conds = append(conds, c.cond(string(gatewayv1.RouteConditionPartiallyInvalid), true, string(gatewayv1.RouteReasonUnsupportedValue),
				strings.Join(partial, "; "), gen))
		}
		st.Status.Parents = append(st.Status.Parents, gatewayv1.RouteParentStatus{
			ParentRef: p.ref, ControllerName: gatewayv1.GatewayController(c.opts.controller()), Conditions: conds,
		})
	}
	return st
}

// isolated reports whether requests for host belong to another listener of
// gs than ls: one served on the same listener of the program (HTTP or
// HTTPS, whatever their ports) whose hostname is more specific than ls's
// and covers host. Gateway API isolates listeners so: a request is served
// by the routes of the most specific listener that matches it only.
func isolated(gs *gatewayState, ls *listenerState, host string) bool {
	for _, other := range gs.listeners {
		h := other.hostname
		if other == ls || !other.usable || other.plain != ls.plain || h == "" || h == ls.hostname {
			continue
		}
		moreSpecific := ls.hostname == "" || covers(ls.hostname, h)
		if moreSpecific && (host == h || covers(h, host)) {
			return true
		}
	}
	return false
}
