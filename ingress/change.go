package ingress

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Op is what happened to an object.
type Op uint8

// The operations of a Change. Added and Updated both store the object,
// replacing any object of the same kind, namespace and name, as an
// informer's resync may deliver an add for an object already known.
const (
	Added Op = iota
	Updated
	Deleted
)

// String returns "added", "updated" or "deleted".
func (o Op) String() string {
	switch o {
	case Added:
		return "added"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Change is one object added, updated or deleted: what a cluster watch
// delivers, or what a file reload found different.
type Change struct {
	// Op says whether Object was added, updated or deleted.
	Op Op
	// Object is the object, one of Ingress, IngressClass, Service,
	// EndpointSlice, Secret or ConfigMap of this package, or a pointer to
	// the Kubernetes type they wrap (*networkingv1.Ingress, *corev1.Service
	// and so on), which then has no Source. For Deleted only its kind,
	// namespace and name matter. A Tracker takes these kinds; the root
	// package's Mux.Apply also takes the Gateway API kinds of this package
	// (GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant,
	// BackendTLSPolicy) and Namespace, or the types they wrap.
	Object any
}

// Add returns the Change that adds obj.
func Add(obj any) Change { return Change{Op: Added, Object: obj} }

// Update returns the Change that updates obj.
func Update(obj any) Change { return Change{Op: Updated, Object: obj} }

// Delete returns the Change that deletes obj.
func Delete(obj any) Change { return Change{Op: Deleted, Object: obj} }

// kind numbers the kinds of object a Tracker keeps.
type kind uint8

const (
	kindIngress kind = iota
	kindIngressClass
	kindService
	kindEndpointSlice
	kindSecret
	kindConfigMap
)

// normalized is a Change's object in this package's wrapper types, with
// the key it is stored under.
type normalized struct {
	kind kind
	key  string // "namespace/name", or the name of a cluster-scoped object
	obj  any    // Ingress, IngressClass, Service, EndpointSlice, Secret or ConfigMap
}

// normalize wraps c.Object and names it; an object of another type, or a
// nil one, is an error naming the change.
func normalize(c Change) (normalized, error) {
	o := c.Object
	switch v := o.(type) {
	case *networkingv1.Ingress:
		if v != nil {
			o = Ingress{Ingress: v}
		}
	case *networkingv1.IngressClass:
		if v != nil {
			o = IngressClass{IngressClass: v}
		}
	case *corev1.Service:
		if v != nil {
			o = Service{Service: v}
		}
	case *discoveryv1.EndpointSlice:
		if v != nil {
			o = EndpointSlice{EndpointSlice: v}
		}
	case *corev1.Secret:
		if v != nil {
			o = Secret{Secret: v}
		}
	case *corev1.ConfigMap:
		if v != nil {
			o = ConfigMap{ConfigMap: v}
		}
	}
	switch v := o.(type) {
	case Ingress:
		if v.Ingress != nil {
			return normalized{kindIngress, objectKey(v.Namespace, v.Name), v}, nil
		}
	case IngressClass:
		if v.IngressClass != nil {
			return normalized{kindIngressClass, objectKey(v.Namespace, v.Name), v}, nil
		}
	case Service:
		if v.Service != nil {
			return normalized{kindService, objectKey(v.Namespace, v.Name), v}, nil
		}
	case EndpointSlice:
		if v.EndpointSlice != nil {
			return normalized{kindEndpointSlice, objectKey(v.Namespace, v.Name), v}, nil
		}
	case Secret:
		if v.Secret != nil {
			return normalized{kindSecret, objectKey(v.Namespace, v.Name), v}, nil
		}
	case ConfigMap:
		if v.ConfigMap != nil {
			return normalized{kindConfigMap, objectKey(v.Namespace, v.Name), v}, nil
		}
	}
	// The root package's Mux.Apply hands this package every change that
	// is not of its own kinds, so the message lists those too.
	return normalized{}, fmt.Errorf("ingress: change %s: object is %T, want an Ingress, IngressClass, Service, EndpointSlice, Secret or ConfigMap "+
		"(or, for Mux.Apply, a GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant or BackendTLSPolicy of gateway.networking.k8s.io/v1, or a Namespace)", c.Op, c.Object)
}

// source returns where the object of n came from.
func (n normalized) source() Source {
	switch v := n.obj.(type) {
	case Ingress:
		return v.Source
	case IngressClass:
		return v.Source
	case Service:
		return v.Source
	case EndpointSlice:
		return v.Source
	case Secret:
		return v.Source
	case ConfigMap:
		return v.Source
	}
	return Source{}
}

// validate checks the object of n alone, as Set.Validate does.
func (n normalized) validate() ErrorList {
	var s Set
	switch v := n.obj.(type) {
	case Ingress:
		s.Ingresses = []Ingress{v}
	case IngressClass:
		s.IngressClasses = []IngressClass{v}
	case Service:
		s.Services = []Service{v}
	case EndpointSlice:
		s.EndpointSlices = []EndpointSlice{v}
	case Secret:
		s.Secrets = []Secret{v}
	case ConfigMap:
		s.ConfigMaps = []ConfigMap{v}
	}
	errs, _ := s.Validate().(ErrorList)
	return errs
}

// objectKey is how a Tracker files an object of a kind.
func objectKey(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}
