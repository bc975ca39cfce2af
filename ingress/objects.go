package ingress

import (
	"iter"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Ingress is a decoded networking.k8s.io/v1 Ingress and where it came from.
// Older API versions are converted to v1 on decoding.
type Ingress struct {
	*networkingv1.Ingress
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// IngressClass is a decoded networking.k8s.io/v1 IngressClass.
type IngressClass struct {
	*networkingv1.IngressClass
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// Service is a decoded v1 Service.
type Service struct {
	*corev1.Service
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// EndpointSlice is a decoded discovery.k8s.io/v1 EndpointSlice.
type EndpointSlice struct {
	*discoveryv1.EndpointSlice
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// Secret is a decoded v1 Secret. Its stringData, if any, has been merged into
// data, as the apiserver does on write.
type Secret struct {
	*corev1.Secret
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// ConfigMap is a decoded v1 ConfigMap.
type ConfigMap struct {
	*corev1.ConfigMap
	// Source is where the object was read from.
	Source Source
	doc    *docRef
}

// Set holds every object of a load, each kind in load order (files in the
// order given, directories walked in lexical order, documents in file order).
// Load order is what breaks ties between Ingresses that have no
// creationTimestamp, so it is kept exactly.
type Set struct {
	// The objects of networking.k8s.io/v1, v1 and discovery.k8s.io/v1
	// that Compile reads, in the order they were decoded.
	Ingresses      []Ingress
	IngressClasses []IngressClass
	Services       []Service
	EndpointSlices []EndpointSlice
	Secrets        []Secret
	ConfigMaps     []ConfigMap
	// The Gateway API objects (gateway.networking.k8s.io), for a Gateway
	// API front end; Compile does not read them.
	GatewayClasses     []GatewayClass
	Gateways           []Gateway
	HTTPRoutes         []HTTPRoute
	GRPCRoutes         []GRPCRoute
	ReferenceGrants    []ReferenceGrant
	BackendTLSPolicies []BackendTLSPolicy
	// Namespaces are read for their labels, which Gateway listeners
	// select routes by.
	Namespaces []Namespace
	// Warnings lists everything that was skipped, converted or looks wrong
	// but does not stop the load.
	Warnings []Warning

	// partial holds, as far as they could be read, the objects that failed
	// to decode. Validate checks them so that one pass reports every
	// problem; nothing else sees them.
	partial *Set
}

// partialSet returns s.partial, creating it on first use.
func (s *Set) partialSet() *Set {
	if s.partial == nil {
		s.partial = &Set{}
	}
	return s.partial
}

// Add appends the objects and warnings of other to s, after s's own, as if
// other had been loaded after s.
func (s *Set) Add(other *Set) {
	if other == nil {
		return
	}
	s.Ingresses = append(s.Ingresses, other.Ingresses...)
	s.IngressClasses = append(s.IngressClasses, other.IngressClasses...)
	s.Services = append(s.Services, other.Services...)
	s.EndpointSlices = append(s.EndpointSlices, other.EndpointSlices...)
	s.Secrets = append(s.Secrets, other.Secrets...)
	s.ConfigMaps = append(s.ConfigMaps, other.ConfigMaps...)
	s.addGateway(other)
	s.Warnings = append(s.Warnings, other.Warnings...)
	if other.partial != nil {
		s.partialSet().Add(other.partial)
	}
}

// grow makes room in s for the objects and warnings of others, so that
// adding the sets of a thousand files one by one does not copy the
// slices a dozen times over (a tenth of a gigabyte at 100,000 Ingresses).
func (s *Set) grow(others iter.Seq[*Set]) {
	var n struct{ ingresses, classes, services, endpointSlices, secrets, configMaps, warnings int }
	for o := range others {
		n.ingresses += len(o.Ingresses)
		n.classes += len(o.IngressClasses)
		n.services += len(o.Services)
		n.endpointSlices += len(o.EndpointSlices)
		n.secrets += len(o.Secrets)
		n.configMaps += len(o.ConfigMaps)
		n.warnings += len(o.Warnings)
	}
	s.Ingresses = slices.Grow(s.Ingresses, n.ingresses)
	s.IngressClasses = slices.Grow(s.IngressClasses, n.classes)
	s.Services = slices.Grow(s.Services, n.services)
	s.EndpointSlices = slices.Grow(s.EndpointSlices, n.endpointSlices)
	s.Secrets = slices.Grow(s.Secrets, n.secrets)
	s.ConfigMaps = slices.Grow(s.ConfigMaps, n.configMaps)
	s.Warnings = slices.Grow(s.Warnings, n.warnings)
}

// Len returns the number of objects in s.
func (s *Set) Len() int {
	return len(s.Ingresses) + len(s.IngressClasses) + len(s.Services) +
		len(s.EndpointSlices) + len(s.Secrets) + len(s.ConfigMaps) + s.lenGateway()
}

// objectName renders "kind namespace/name" (or "kind name" for cluster-scoped
// kinds), the way every error and warning names an object.
func objectName(kind, namespace, name string) string {
	if name == "" {
		name = "<unnamed>"
	}
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

// Ref returns "ingress namespace/name".
func (i Ingress) Ref() string { return objectName("ingress", i.Namespace, i.Name) }

// Ref returns "ingressclass name".
func (c IngressClass) Ref() string { return objectName("ingressclass", "", c.Name) }

// Ref returns "service namespace/name".
func (s Service) Ref() string { return objectName("service", s.Namespace, s.Name) }

// Ref returns "endpointslice namespace/name".
func (e EndpointSlice) Ref() string { return objectName("endpointslice", e.Namespace, e.Name) }

// Ref returns "secret namespace/name".
func (s Secret) Ref() string { return objectName("secret", s.Namespace, s.Name) }

// Ref returns "configmap namespace/name".
func (c ConfigMap) Ref() string { return objectName("configmap", c.Namespace, c.Name) }
