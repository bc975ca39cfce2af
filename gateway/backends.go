package gateway

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// unresolvedStatus is what Gateway API answers for a backendRef that does
// not resolve: 500.
const unresolvedStatus = 500

// refProblem is the first reference of a route that did not resolve, for
// its ResolvedRefs condition.
type refProblem struct {
	reason  gatewayv1.RouteConditionReason
	message string
}

// note keeps the first problem.
func (p *refProblem) note(reason gatewayv1.RouteConditionReason, message string) {
	if p.reason == "" {
		p.reason, p.message = reason, message
	}
}

// backend is one backendRef, resolved or not.
type backend struct {
	weight int32
	// upstream is where its share of the requests goes; for a backendRef
	// that did not resolve, a stand-in that answers 500.
	upstream *proxy.Upstream
	// name is "namespace/service:port", for dumps.
	name route.Backend
	// headers are the backendRef's own request header edits.
	headers proxy.HeaderRules
}

// backendRef resolves one backendRef of ro: kind, ReferenceGrant, Service,
// port, addresses, and BackendTLSPolicy. A reference that does not
// resolve becomes a stand-in that answers 500, and its reason is noted.
func (c *compiler) backendRef(ro routeObject, ref gatewayv1.BackendRef, grpc bool, field string, refs *refProblem) backend {
	group, kind, ns := deref(ref.Group, ""), deref(ref.Kind, "Service"), deref(ref.Namespace, ro.meta.Namespace)
	b := backend{weight: 1, name: route.Backend{Namespace: ns, Service: string(ref.Name)}}
	if ref.Weight != nil {
		b.weight = *ref.Weight
	}
	if ref.Port != nil {
		b.name.Port = strconv.Itoa(int(*ref.Port))
	}
	fail := func(reason gatewayv1.RouteConditionReason, message string) backend {
		refs.note(reason, field+": "+message)
		c.warn(ro.source, ro.ref, field, message+unresolvedEffect(field))
		b.upstream = &proxy.Upstream{Name: "unresolved " + b.name.String(), Status: unresolvedStatus}
		return b
	}
	switch {
	case group != "" || kind != "Service":
		return fail(gatewayv1.RouteReasonInvalidKind, fmt.Sprintf("%s is not a supported backend kind: only Services are", kindName(group, kind)))
	case !c.grants.permits(reference{gatewayGroup, ro.kind, ro.meta.Namespace, "", "Service", ns, string(ref.Name)}):
		return fail(gatewayv1.RouteReasonRefNotPermitted, fmt.Sprintf("service %s/%s is in another namespace and no ReferenceGrant there allows %ss from %s to use it", ns, ref.Name, ro.kind, ro.meta.Namespace))
	case ref.Port == nil:
		return fail(gatewayv1.RouteReasonUnsupportedValue, fmt.Sprintf("service %s/%s: a port is required", ns, ref.Name))
	}
	target, warning, err := c.backends.Resolve(b.name)
	svc := c.backends.Service(ns, string(ref.Name))
	switch {
	case err != nil:
		return fail(gatewayv1.RouteReasonBackendNotFound, err.Error())
	case svc == nil && target.Via != "override" && target.Via != "resolver":
		return fail(gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("service %s/%s is not loaded", ns, ref.Name))
	case target.Via == "unresolved":
		return fail(gatewayv1.RouteReasonBackendNotFound, warning)
	}
	if warning != "" {
		c.warn(ro.source, ro.ref, field, warning)
	}
	protocol, appProtocol, ok := protocolOf(svc, *ref.Port, grpc)
	if !ok {
		return fail(gatewayv1.RouteReasonUnsupportedProtocol, fmt.Sprintf("service %s/%s port %d: appProtocol %q cannot carry %s requests",
			ns, ref.Name, *ref.Port, appProtocol, ro.kind))
	}
	up := &proxy.Upstream{Name: b.name.String(), Protocol: protocol, Endpoints: target.Addresses}
	if target.Scheme == "https" {
		// An override such as "https://10.0.0.1:8443" asks for TLS.
		up.Protocol = proxy.HTTPS
		if protocol == proxy.GRPC || protocol == proxy.GRPCS {
			up.Protocol = proxy.GRPCS
		}
	}
	if up.Protocol == proxy.HTTPS || up.Protocol == proxy.GRPCS {
		up.TLS.ServerName = target.DNSName
	}
	c.tls.used(ns, string(ref.Name), ro)
	if p := c.tls.lookup(ns, string(ref.Name), svc, *ref.Port); p != nil {
		if p.failure != "" {
			return fail(gatewayv1.RouteReasonBackendNotFound, fmt.Sprintf("backendtlspolicy %s/%s is not usable: %s", p.obj.Namespace, p.obj.Name, p.failure))
		}
		up.TLS = p.client
		if up.Protocol == proxy.GRPC || grpc {
			up.Protocol = proxy.GRPCS
		} else {
			up.Protocol = proxy.HTTPS
		}
	}
	b.upstream = up
	return b
}

// protocolOf chooses how to speak to a Service port: by its appProtocol,
// the Kubernetes standard names (kubernetes.io/h2c, kubernetes.io/ws,
// kubernetes.io/wss) and the plain ones (http, https, h2c, grpc), else
// HTTP/1.1, or h2c for a GRPCRoute, since gRPC needs HTTP/2. ok is false
// for an appProtocol the route cannot be served with: one not listed, or
// HTTP/1.1 for gRPC.
func protocolOf(svc *corev1.Service, port int32, grpc bool) (protocol proxy.Protocol, appProtocol string, ok bool) {
	protocol = proxy.HTTP
	if grpc {
		protocol = proxy.GRPC
	}
	if svc == nil {
		return protocol, "", true
	}
	for _, p := range svc.Spec.Ports {
		if p.Port != port || p.AppProtocol == nil {
			continue
		}
		switch ap := *p.AppProtocol; strings.ToLower(ap) {
		case "kubernetes.io/h2c", "h2c", "grpc":
			return proxy.GRPC, ap, true
		case "kubernetes.io/ws", "http":
			return proxy.HTTP, ap, !grpc
		case "kubernetes.io/wss", "https":
			if grpc {
				return proxy.GRPCS, ap, true
			}
			return proxy.HTTPS, ap, true
		default:
			return protocol, ap, false
		}
	}
	return protocol, "", true
}

// program puts the backends of a rule on its route: one backend of
// positive weight and without filters of its own as the Upstream,
// otherwise weighted Backends (a zero weight gets nothing, a backend that
// did not resolve answers its share with 500, only zero weights answer
// 500), none as 500.
func program(rt *proxy.Route, backends []backend) {
	switch {
	case len(backends) == 0:
		rt.Upstream = &proxy.Upstream{Name: "no backend", Status: unresolvedStatus}
	case len(backends) == 1 && backends[0].weight > 0 && !hasHeaderRules(backends[0].headers):
		rt.Upstream = backends[0].upstream
	default:
		for _, b := range backends {
			rt.Backends = append(rt.Backends, proxy.WeightedBackend{Upstream: b.upstream, Weight: int(b.weight), RequestHeaders: b.headers})
		}
	}
}

// unresolvedEffect says what a backendRef that did not resolve does, for
// its warning: a request mirror's is dropped, a backend's share gets 500.
func unresolvedEffect(field string) string {
	if strings.HasSuffix(field, ".requestMirror.backendRef") {
		return "; no copies are sent to it"
	}
	return "; its share of the requests gets 500"
}
