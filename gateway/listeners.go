package gateway

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// gatewayGroup is the API group of the Gateway API kinds.
const gatewayGroup = gatewayv1.GroupName

// gatewayState is a served Gateway while routes attach to it.
type gatewayState struct {
	obj       ingress.Gateway
	listeners []*listenerState
}

func (g *gatewayState) key() string { return g.obj.Namespace + "/" + g.obj.Name }

// listenerState is one listener of a served Gateway.
type listenerState struct {
	gw   *gatewayState
	spec gatewayv1.Listener
	// kinds are the route kinds the listener accepts.
	kinds []gatewayv1.RouteGroupKind
	// accepted, resolved and conflicted are the listener's conditions.
	accepted, resolved metav1.Condition
	conflicted         *metav1.Condition
	attached           int32
	certs              []string // "namespace/name" of the usable certificate Secrets
	hostname           string
	// accepts says routes may attach: the listener is accepted, not
	// conflicted, and has a route kind. usable says it is also served: an
	// HTTPS listener needs a usable certificate. Routes attached to a
	// listener that is not served count in its attachedRoutes, as the
	// specification asks, but serve nothing.
	accepts, usable bool
	// routeHosts are the hostnames routes serve through the listener,
	// for the certificates of an HTTPS listener without a hostname.
	routeHosts []string
	plain      bool // HTTP, as opposed to HTTPS
	allowed    func(namespace string) bool
}

// gateways reads the Gateways of the served classes and their listeners.
func (c *compiler) gateways() {
	for _, g := range c.set.Gateways {
		if !c.served[string(g.Spec.GatewayClassName)] {
			continue
		}
		gs := &gatewayState{obj: g}
		c.gws[gs.key()] = gs
		c.gwOrder = append(c.gwOrder, gs)
		for _, l := range g.Spec.Listeners {
			gs.listeners = append(gs.listeners, c.listener(gs, l))
		}
		c.conflicts(gs)
		if len(g.Spec.Addresses) > 0 || hasParameters(g) {
			// Not Accepted (see gatewayStatus): nothing of it is served.
			for _, ls := range gs.listeners {
				ls.accepts, ls.usable = false, false
			}
		}
	}
}

// hasParameters reports whether g's infrastructure names parameters,
// which this controller has none of.
func hasParameters(g ingress.Gateway) bool {
	return g.Spec.Infrastructure != nil && g.Spec.Infrastructure.ParametersRef != nil
}

// listener checks one listener: protocol, certificates, route kinds and
// namespaces.
func (c *compiler) listener(gs *gatewayState, l gatewayv1.Listener) *listenerState {
	gen := gs.obj.Generation
	ls := &listenerState{gw: gs, spec: l}
	if l.Hostname != nil {
		ls.hostname = strings.ToLower(string(*l.Hostname))
	}
	ls.accepted = c.cond(string(gatewayv1.ListenerConditionAccepted), true, string(gatewayv1.ListenerReasonAccepted), "", gen)
	ls.resolved = c.cond(string(gatewayv1.ListenerConditionResolvedRefs), true, string(gatewayv1.ListenerReasonResolvedRefs), "", gen)
	switch l.Protocol {
	case gatewayv1.HTTPProtocolType:
		ls.plain = true
	case gatewayv1.HTTPSProtocolType:
		c.listenerTLS(ls)
	default:
		ls.accepted = c.cond(string(gatewayv1.ListenerConditionAccepted), false, string(gatewayv1.ListenerReasonUnsupportedProtocol),
			fmt.Sprintf("protocol %s is not supported: only HTTP and HTTPS are", l.Protocol), gen)
	}
	c.routeKinds(ls)
	if !ls.plain && l.Protocol != gatewayv1.HTTPSProtocolType {
		ls.kinds = nil // no route kind is supported on a protocol not served
	}
	ls.allowed = c.allowedNamespaces(ls)
	return ls
}

// listenerTLS checks an HTTPS listener's certificate references.
func (c *compiler) listenerTLS(ls *listenerState) {
	gen := ls.gw.obj.Generation
	tls := ls.spec.TLS
	if tls == nil || len(tls.CertificateRefs) == 0 {
		ls.resolved = c.cond(string(gatewayv1.ListenerConditionResolvedRefs), false, string(gatewayv1.ListenerReasonInvalidCertificateRef),
			"an HTTPS listener needs tls.certificateRefs", gen)
		return
	}
	if tls.Mode != nil && *tls.Mode != gatewayv1.TLSModeTerminate {
		ls.accepted = c.cond(string(gatewayv1.ListenerConditionAccepted), false, string(gatewayv1.ListenerReasonUnsupportedValue),
			fmt.Sprintf("tls.mode %s is not supported: HTTPS listeners terminate TLS", *tls.Mode), gen)
		return
	}
	var problems []string
	reason := gatewayv1.ListenerReasonInvalidCertificateRef
	for i, ref := range tls.CertificateRefs {
		group, kind, ns := deref(ref.Group, ""), deref(ref.Kind, "Secret"), deref(ref.Namespace, ls.gw.obj.Namespace)
		key := ns + "/" + string(ref.Name)
		switch {
		case group != "" || kind != "Secret":
			problems = append(problems, fmt.Sprintf("certificateRefs[%d]: %s %s is not a Secret", i, kindName(group, kind), key))
		case !c.grants.permits(reference{gatewayGroup, "Gateway", ls.gw.obj.Namespace, "", "Secret", ns, string(ref.Name)}):
			problems = append(problems, fmt.Sprintf("certificateRefs[%d]: secret %s is in another namespace and no ReferenceGrant allows it", i, key))
			reason = gatewayv1.ListenerReasonRefNotPermitted
		default:
			if err := c.certificate(key); err != nil {
				problems = append(problems, fmt.Sprintf("certificateRefs[%d]: %v", i, err))
				continue
			}
			ls.certs = append(ls.certs, key)
		}
	}
	if len(problems) > 0 {
		ls.resolved = c.cond(string(gatewayv1.ListenerConditionResolvedRefs), false, string(reason), strings.Join(problems, "; "), gen)
	}
}

// certificate checks that the Secret key is loaded and holds a key pair.
func (c *compiler) certificate(key string) error {
	s := c.secrets[key]
	if s == nil {
		return fmt.Errorf("secret %s is not loaded", key)
	}
	if _, err := tlsconfig.KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]); err != nil {
		return fmt.Errorf("secret %s: %v", key, err)
	}
	return nil
}

// kindName spells group and kind for messages, such as "Service" or
// "example.com/Widget".
func kindName(group, kind string) string {
	if group == "" {
		return kind
	}
	return group + "/" + kind
}

// routeKinds reads allowedRoutes.kinds: HTTPRoute and GRPCRoute are
// supported; the default is both.
func (c *compiler) routeKinds(ls *listenerState) {
	supported := []string{"HTTPRoute", "GRPCRoute"}
	group := gatewayv1.Group(gatewayGroup)
	if ls.spec.AllowedRoutes == nil || len(ls.spec.AllowedRoutes.Kinds) == 0 {
		for _, k := range supported {
			ls.kinds = append(ls.kinds, gatewayv1.RouteGroupKind{Group: &group, Kind: gatewayv1.Kind(k)})
		}
		return
	}
	var invalid []string
	for _, k := range ls.spec.AllowedRoutes.Kinds {
		g := deref(k.Group, gatewayGroup)
		if g != gatewayGroup || !slices.Contains(supported, string(k.Kind)) {
			invalid = append(invalid, kindName(g, string(k.Kind)))
			continue
		}
		ls.kinds = append(ls.kinds, gatewayv1.RouteGroupKind{Group: &group, Kind: k.Kind})
	}
	if len(invalid) > 0 {
		ls.resolved = c.cond(string(gatewayv1.ListenerConditionResolvedRefs), false, string(gatewayv1.ListenerReasonInvalidRouteKinds),
			"route kinds not supported: "+strings.Join(invalid, ", "), ls.gw.obj.Generation)
	}
}

// allowedNamespaces reads allowedRoutes.namespaces: Same (the default),
// All, or Selector on the labels of the route's Namespace. A Namespace
// that is not loaded has only the label kubernetes.io/metadata.name,
// which Kubernetes gives every namespace.
func (c *compiler) allowedNamespaces(ls *listenerState) func(string) bool {
	own := ls.gw.obj.Namespace
	same := func(ns string) bool { return ns == own }
	ar := ls.spec.AllowedRoutes
	if ar == nil || ar.Namespaces == nil || ar.Namespaces.From == nil {
		return same
	}
	switch *ar.Namespaces.From {
	case gatewayv1.NamespacesFromAll:
		return func(string) bool { return true }
	case gatewayv1.NamespacesFromSelector:
		if ar.Namespaces.Selector == nil {
			return func(string) bool { return false }
		}
		sel, err := metav1.LabelSelectorAsSelector(ar.Namespaces.Selector)
		if err != nil {
			ls.accepted = c.cond(string(gatewayv1.ListenerConditionAccepted), false, string(gatewayv1.ListenerReasonUnsupportedValue),
				"allowedRoutes.namespaces.selector: "+err.Error(), ls.gw.obj.Generation)
			return func(string) bool { return false }
		}
		return func(ns string) bool {
			set := labels.Set{corev1.LabelMetadataName: ns}
			for k, v := range c.namespaceLabels[ns] {
				set[k] = v
			}
			return sel.Matches(set)
		}
	case gatewayv1.NamespacesFromNone:
		return func(string) bool { return false }
	}
	return same
}

// conflicts marks listeners of one Gateway that share a port: with
// different protocols (ProtocolConflict) or the same hostname
// (HostnameConflict). Conflicted listeners are not served.
func (c *compiler) conflicts(gs *gatewayState) {
	gen := gs.obj.Generation
	for i, a := range gs.listeners {
		for j, b := range gs.listeners {
			if i == j || a.spec.Port != b.spec.Port {
				continue
			}
			var reason gatewayv1.ListenerConditionReason
			switch {
			case a.spec.Protocol != b.spec.Protocol:
				reason = gatewayv1.ListenerReasonProtocolConflict
			case a.hostname == b.hostname:
				reason = gatewayv1.ListenerReasonHostnameConflict
			default:
				continue
			}
			cond := c.cond(string(gatewayv1.ListenerConditionConflicted), true, string(reason),
				fmt.Sprintf("listener %s has the same port %d", b.spec.Name, b.spec.Port), gen)
			a.conflicted = &cond
		}
	}
	for _, ls := range gs.listeners {
		ls.accepts = ls.conflicted == nil && ls.accepted.Status == metav1.ConditionTrue && len(ls.kinds) > 0
		ls.usable = ls.accepts && (ls.plain || len(ls.certs) > 0)
	}
}

// gatewayStatus writes the status of a Gateway and its listeners, once
// routes have attached, and its certificates into Compiled.TLS.
func (c *compiler) gatewayStatus(gs *gatewayState) {
	gen := gs.obj.Generation
	st := GatewayStatus{Namespace: gs.obj.Namespace, Name: gs.obj.Name}
	anyUsable, anyInvalid := false, false
	for _, ls := range gs.listeners {
		anyInvalid = anyInvalid || ls.accepted.Status != metav1.ConditionTrue || ls.conflicted != nil
		programmed := c.cond(string(gatewayv1.ListenerConditionProgrammed), true, string(gatewayv1.ListenerReasonProgrammed), "", gen)
		served := ServedPlain
		if !ls.plain {
			served = ServedTLS
		}
		if !ls.usable {
			programmed = c.cond(string(gatewayv1.ListenerConditionProgrammed), false, string(gatewayv1.ListenerReasonInvalid), "the listener is not served", gen)
			served = NotServed
		} else {
			anyUsable = true
		}
		conflicted := c.cond(string(gatewayv1.ListenerConditionConflicted), false, string(gatewayv1.ListenerReasonNoConflicts), "", gen)
		if ls.conflicted != nil {
			conflicted = *ls.conflicted
		}
		st.Status.Listeners = append(st.Status.Listeners, gatewayv1.ListenerStatus{
			Name: ls.spec.Name, SupportedKinds: ls.kinds, AttachedRoutes: ls.attached,
			Conditions: []metav1.Condition{ls.accepted, conflicted, programmed, ls.resolved},
		})
		c.out.Listeners = append(c.out.Listeners, Listener{Gateway: gs.key(), Name: string(ls.spec.Name), Protocol: string(ls.spec.Protocol),
			Port: ls.spec.Port, Hostname: ls.hostname, Served: served, AttachedRoutes: ls.attached})
		if ls.usable {
			c.serveCertificates(ls)
		}
	}
	accepted := c.cond(string(gatewayv1.GatewayConditionAccepted), true, string(gatewayv1.GatewayReasonAccepted), "", gen)
	programmed := c.cond(string(gatewayv1.GatewayConditionProgrammed), true, string(gatewayv1.GatewayReasonProgrammed), "", gen)
	switch {
	case len(gs.obj.Spec.Addresses) > 0:
		accepted = c.cond(string(gatewayv1.GatewayConditionAccepted), false, string(gatewayv1.GatewayReasonUnsupportedAddress),
			"spec.addresses is not supported: the program listens where it is told to", gen)
		programmed = c.cond(string(gatewayv1.GatewayConditionProgrammed), false, string(gatewayv1.GatewayReasonAddressNotAssigned), "", gen)
	case hasParameters(gs.obj):
		ref := gs.obj.Spec.Infrastructure.ParametersRef
		msg := fmt.Sprintf("spec.infrastructure.parametersRef %s %s is not supported: this controller has no parameters", kindName(string(ref.Group), string(ref.Kind)), ref.Name)
		accepted = c.cond(string(gatewayv1.GatewayConditionAccepted), false, string(gatewayv1.GatewayReasonInvalidParameters), msg, gen)
		programmed = c.cond(string(gatewayv1.GatewayConditionProgrammed), false, string(gatewayv1.GatewayReasonInvalid), msg, gen)
	case !anyUsable:
		accepted = c.cond(string(gatewayv1.GatewayConditionAccepted), false, string(gatewayv1.GatewayReasonListenersNotValid), "no listener can be served", gen)
		programmed = c.cond(string(gatewayv1.GatewayConditionProgrammed), false, string(gatewayv1.GatewayReasonInvalid), "no listener can be served", gen)
	case anyInvalid:
		// Accepted, as the listeners that can be are served; the reason
		// says some are not.
		accepted = c.cond(string(gatewayv1.GatewayConditionAccepted), true, string(gatewayv1.GatewayReasonListenersNotValid),
			"some listeners are not accepted or conflict; the others are served", gen)
	}
	st.Status.Conditions = []metav1.Condition{accepted, programmed}
	c.out.Status.Gateways = append(c.out.Status.Gateways, st)
}

// serveCertificates puts the certificates of a served HTTPS listener into
// Compiled.TLS, for each of its certificate hosts.
func (c *compiler) serveCertificates(ls *listenerState) {
	origin := fmt.Sprintf("%s listener %s", ls.gw.obj.Ref(), ls.spec.Name)
	for _, host := range ls.certificateHosts() {
		for _, s := range ls.certs {
			c.out.TLS = append(c.out.TLS, ingress.TLSHost{Host: host, Secret: s, Origin: origin, Source: ls.gw.obj.Source})
		}
	}
}

// certificateHosts are the hostnames an HTTPS listener's certificates
// serve: its hostname, or, for a listener without one, every hostname its
// routes serve and then "" (any other name). A wildcard hostname covers
// any number of labels in Gateway API but one label in a certificate
// store, so the deeper hostnames its routes serve ("a.b.example.com",
// "*.b.example.com" under "*.example.com") are listed too.
func (ls *listenerState) certificateHosts() []string {
	hosts := slices.Clone(ls.routeHosts)
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	if ls.hostname != "" {
		deeper := slices.DeleteFunc(hosts, func(h string) bool { return h == "" || !storeMisses(ls.hostname, h) })
		return append([]string{ls.hostname}, deeper...)
	}
	hosts = slices.DeleteFunc(hosts, func(h string) bool { return h == "" })
	return append(hosts, "")
}

// storeMisses reports whether a certificate store that holds the listener
// hostname listener would not find its certificate for host, a hostname
// the listener covers: host is more than one label below a wildcard.
func storeMisses(listener, host string) bool {
	suffix, ok := strings.CutPrefix(listener, "*")
	if !ok || host == listener {
		return false
	}
	head := strings.TrimSuffix(host, suffix)
	return strings.Contains(head, ".")
}
