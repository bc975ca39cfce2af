package ingress

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"
)

// Gateway API objects (gateway.networking.k8s.io) decoded beside the
// Ingresses of the same files, for a Gateway API front end to compile.

// GatewayClass is a decoded gateway.networking.k8s.io/v1 GatewayClass.
type GatewayClass struct {
	*gatewayv1.GatewayClass
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// Gateway is a decoded gateway.networking.k8s.io/v1 Gateway.
type Gateway struct {
	*gatewayv1.Gateway
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// HTTPRoute is a decoded gateway.networking.k8s.io/v1 HTTPRoute.
type HTTPRoute struct {
	*gatewayv1.HTTPRoute
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// GRPCRoute is a decoded gateway.networking.k8s.io/v1 GRPCRoute.
type GRPCRoute struct {
	*gatewayv1.GRPCRoute
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// ReferenceGrant is a decoded gateway.networking.k8s.io ReferenceGrant;
// v1beta1 objects, which have the same fields, are converted to v1.
type ReferenceGrant struct {
	*gatewayv1.ReferenceGrant
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// BackendTLSPolicy is a decoded gateway.networking.k8s.io/v1
// BackendTLSPolicy.
type BackendTLSPolicy struct {
	*gatewayv1.BackendTLSPolicy
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// gatewayGroup is the API group of the Gateway API kinds.
const gatewayGroup = gatewayv1.GroupName

func init() {
	kinds[typeMeta{gatewayGroup + "/v1", "GatewayClass"}] = typed(false, func(set *Set, obj *gatewayv1.GatewayClass, src Source, ref *docRef) {
		set.GatewayClasses = append(set.GatewayClasses, GatewayClass{GatewayClass: obj, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1", "Gateway"}] = typed(true, func(set *Set, obj *gatewayv1.Gateway, src Source, ref *docRef) {
		set.Gateways = append(set.Gateways, Gateway{Gateway: obj, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1", "HTTPRoute"}] = typed(true, func(set *Set, obj *gatewayv1.HTTPRoute, src Source, ref *docRef) {
		set.HTTPRoutes = append(set.HTTPRoutes, HTTPRoute{HTTPRoute: obj, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1", "GRPCRoute"}] = typed(true, func(set *Set, obj *gatewayv1.GRPCRoute, src Source, ref *docRef) {
		set.GRPCRoutes = append(set.GRPCRoutes, GRPCRoute{GRPCRoute: obj, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1", "ReferenceGrant"}] = typed(true, func(set *Set, obj *gatewayv1.ReferenceGrant, src Source, ref *docRef) {
		set.ReferenceGrants = append(set.ReferenceGrants, ReferenceGrant{ReferenceGrant: obj, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1beta1", "ReferenceGrant"}] = typed(true, func(set *Set, obj *gatewayv1beta1.ReferenceGrant, src Source, ref *docRef) {
		v1 := &gatewayv1.ReferenceGrant{TypeMeta: obj.TypeMeta, ObjectMeta: obj.ObjectMeta, Spec: gatewayv1.ReferenceGrantSpec(obj.Spec)}
		v1.APIVersion = gatewayGroup + "/v1"
		set.ReferenceGrants = append(set.ReferenceGrants, ReferenceGrant{ReferenceGrant: v1, Source: src, doc: ref})
	})
	// The v1beta1 versions the CRDs still serve have the v1 spec types;
	// they load as v1, as the apiserver converts them.
	kinds[typeMeta{gatewayGroup + "/v1beta1", "GatewayClass"}] = typed(false, func(set *Set, obj *gatewayv1beta1.GatewayClass, src Source, ref *docRef) {
		v1 := &gatewayv1.GatewayClass{TypeMeta: obj.TypeMeta, ObjectMeta: obj.ObjectMeta, Spec: obj.Spec}
		v1.APIVersion = gatewayGroup + "/v1"
		set.GatewayClasses = append(set.GatewayClasses, GatewayClass{GatewayClass: v1, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1beta1", "Gateway"}] = typed(true, func(set *Set, obj *gatewayv1beta1.Gateway, src Source, ref *docRef) {
		v1 := &gatewayv1.Gateway{TypeMeta: obj.TypeMeta, ObjectMeta: obj.ObjectMeta, Spec: obj.Spec}
		v1.APIVersion = gatewayGroup + "/v1"
		set.Gateways = append(set.Gateways, Gateway{Gateway: v1, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1beta1", "HTTPRoute"}] = typed(true, func(set *Set, obj *gatewayv1beta1.HTTPRoute, src Source, ref *docRef) {
		v1 := &gatewayv1.HTTPRoute{TypeMeta: obj.TypeMeta, ObjectMeta: obj.ObjectMeta, Spec: obj.Spec}
		v1.APIVersion = gatewayGroup + "/v1"
		set.HTTPRoutes = append(set.HTTPRoutes, HTTPRoute{HTTPRoute: v1, Source: src, doc: ref})
	})
	kinds[typeMeta{gatewayGroup + "/v1", "BackendTLSPolicy"}] = typed(true, func(set *Set, obj *gatewayv1.BackendTLSPolicy, src Source, ref *docRef) {
		set.BackendTLSPolicies = append(set.BackendTLSPolicies, BackendTLSPolicy{BackendTLSPolicy: obj, Source: src, doc: ref})
	})
}

// Ref returns "gatewayclass name".
func (c GatewayClass) Ref() string { return objectName("gatewayclass", "", c.Name) }

// Ref returns "gateway namespace/name".
func (g Gateway) Ref() string { return objectName("gateway", g.Namespace, g.Name) }

// Ref returns "httproute namespace/name".
func (r HTTPRoute) Ref() string { return objectName("httproute", r.Namespace, r.Name) }

// Ref returns "grpcroute namespace/name".
func (r GRPCRoute) Ref() string { return objectName("grpcroute", r.Namespace, r.Name) }

// Ref returns "referencegrant namespace/name".
func (g ReferenceGrant) Ref() string { return objectName("referencegrant", g.Namespace, g.Name) }

// Ref returns "backendtlspolicy namespace/name".
func (p BackendTLSPolicy) Ref() string { return objectName("backendtlspolicy", p.Namespace, p.Name) }

// addGateway appends the Gateway API objects of other to s.
func (s *Set) addGateway(other *Set) {
	s.GatewayClasses = append(s.GatewayClasses, other.GatewayClasses...)
	s.Gateways = append(s.Gateways, other.Gateways...)
	s.HTTPRoutes = append(s.HTTPRoutes, other.HTTPRoutes...)
	s.GRPCRoutes = append(s.GRPCRoutes, other.GRPCRoutes...)
	s.ReferenceGrants = append(s.ReferenceGrants, other.ReferenceGrants...)
	s.BackendTLSPolicies = append(s.BackendTLSPolicies, other.BackendTLSPolicies...)
	s.Namespaces = append(s.Namespaces, other.Namespaces...)
}

// lenGateway counts the Gateway API objects of s.
func (s *Set) lenGateway() int {
	return len(s.GatewayClasses) + len(s.Gateways) + len(s.HTTPRoutes) + len(s.GRPCRoutes) +
		len(s.ReferenceGrants) + len(s.BackendTLSPolicies) + len(s.Namespaces)
}

// Namespace is a decoded v1 Namespace. Only its labels are used: Gateway
// listeners select the namespaces whose routes they accept by label.
type Namespace struct {
	*corev1.Namespace
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// Ref returns "namespace name".
func (n Namespace) Ref() string { return objectName("namespace", "", n.Name) }

func init() {
	kinds[typeMeta{"v1", "Namespace"}] = typed(false, func(set *Set, obj *corev1.Namespace, src Source, ref *docRef) {
		set.Namespaces = append(set.Namespaces, Namespace{Namespace: obj, Source: src, doc: ref})
	})
}

// sameKindFamily reports whether two apiVersions of one kind name the same
// API, so that a wrong version is reported as such: a kind of another
// group that happens to be called Gateway is simply not used. The
// Kubernetes groups that served Ingress count as one.
func sameKindFamily(a, b string) bool {
	group := func(v string) string {
		g, _, found := strings.Cut(v, "/")
		switch {
		case !found:
			return "" // the core group
		case g == "extensions":
			return "networking.k8s.io"
		}
		return g
	}
	return group(a) == group(b)
}

// FieldLine returns the line of a field path (such as "spec.listeners[0].port")
// in the file the object was decoded from, 0 when unknown.
func (c GatewayClass) FieldLine(fieldPath string) int { return c.doc.line(fieldPath) }

// FieldLine returns the line of a field path in the object's file, 0 when
// unknown.
func (g Gateway) FieldLine(fieldPath string) int { return g.doc.line(fieldPath) }

// FieldLine returns the line of a field path in the object's file, 0 when
// unknown.
func (r HTTPRoute) FieldLine(fieldPath string) int { return r.doc.line(fieldPath) }

// FieldLine returns the line of a field path in the object's file, 0 when
// unknown.
func (r GRPCRoute) FieldLine(fieldPath string) int { return r.doc.line(fieldPath) }

// FieldLine returns the line of a field path in the object's file, 0 when
// unknown.
func (g ReferenceGrant) FieldLine(fieldPath string) int { return g.doc.line(fieldPath) }

// FieldLine returns the line of a field path in the object's file, 0 when
// unknown.
func (p BackendTLSPolicy) FieldLine(fieldPath string) int { return p.doc.line(fieldPath) }
