package gateway

import (
	"reflect"
	"slices"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// References are the core objects that the Gateway API objects of a Set
// name, each as "namespace/name": what Compile may read besides the
// Gateway API objects and Namespaces. A program that keeps a compiled
// result up to date change by change compiles again when one of them
// changes, and only then.
type References struct {
	// Services are the Services named by backendRefs (of rules, filters
	// and mirrors) and by policy targetRefs; their EndpointSlices count
	// too.
	Services []string
	// Secrets are the Secrets named by certificateRefs, CA certificate
	// references and any other Secret reference.
	Secrets []string
	// ConfigMaps are the ConfigMaps named by CA certificate references.
	ConfigMaps []string
}

// ReferencesOf lists the core objects the Gateway API objects of set name,
// wherever in their specs the reference is (a reference of a kind Compile
// does not resolve is listed when it names a Service, Secret or
// ConfigMap, which costs a needless compile at worst). Each list is
// sorted, without duplicates.
func ReferencesOf(set *ingress.Set) References {
	var w refWalker
	for _, o := range set.Gateways {
		w.walk(reflect.ValueOf(&o.Spec).Elem(), o.Namespace)
	}
	for _, o := range set.HTTPRoutes {
		w.walk(reflect.ValueOf(&o.Spec).Elem(), o.Namespace)
	}
	for _, o := range set.GRPCRoutes {
		w.walk(reflect.ValueOf(&o.Spec).Elem(), o.Namespace)
	}
	for _, o := range set.BackendTLSPolicies {
		w.walk(reflect.ValueOf(&o.Spec).Elem(), o.Namespace)
	}
	for _, l := range []*[]string{&w.out.Services, &w.out.Secrets, &w.out.ConfigMaps} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return w.out
}

// refWalker collects the references of object specs.
type refWalker struct{ out References }

var (
	backendRefType = reflect.TypeFor[gatewayv1.BackendObjectReference]()
	secretRefType  = reflect.TypeFor[gatewayv1.SecretObjectReference]()
	objectRefType  = reflect.TypeFor[gatewayv1.ObjectReference]()
	localRefType   = reflect.TypeFor[gatewayv1.LocalObjectReference]()
	targetRefType  = reflect.TypeFor[gatewayv1.LocalPolicyTargetReference]()
)

// walk visits v, a part of the spec of an object in namespace ns.
func (w *refWalker) walk(v reflect.Value, ns string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), ns)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), ns)
		}
	case reflect.Struct:
		if w.reference(v, ns) {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				w.walk(v.Field(i), ns)
			}
		}
	}
}

// reference records v when it is a reference, and reports whether it is.
func (w *refWalker) reference(v reflect.Value, ns string) bool {
	var group, kind, name string
	namespace := ns
	switch v.Type() {
	case backendRefType:
		r := v.Interface().(gatewayv1.BackendObjectReference)
		group, kind, name = deref(r.Group, ""), deref(r.Kind, "Service"), string(r.Name)
		namespace = deref(r.Namespace, ns)
	case secretRefType:
		r := v.Interface().(gatewayv1.SecretObjectReference)
		group, kind, name = deref(r.Group, ""), deref(r.Kind, "Secret"), string(r.Name)
		namespace = deref(r.Namespace, ns)
	case objectRefType:
		r := v.Interface().(gatewayv1.ObjectReference)
		group, kind, name = string(r.Group), string(r.Kind), string(r.Name)
		namespace = deref(r.Namespace, ns)
	case localRefType:
		r := v.Interface().(gatewayv1.LocalObjectReference)
		group, kind, name = string(r.Group), string(r.Kind), string(r.Name)
	case targetRefType:
		r := v.Interface().(gatewayv1.LocalPolicyTargetReference)
		group, kind, name = string(r.Group), string(r.Kind), string(r.Name)
	default:
		return false
	}
	if group != "" && group != "core" {
		return true
	}
	key := namespace + "/" + name
	switch kind {
	case "Service":
		w.out.Services = append(w.out.Services, key)
	case "Secret":
		w.out.Secrets = append(w.out.Secrets, key)
	case "ConfigMap":
		w.out.ConfigMaps = append(w.out.ConfigMaps, key)
	}
	return true
}
