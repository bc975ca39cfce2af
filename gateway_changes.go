package ingressmux

import (
	"fmt"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Changes to the Gateway API objects of a Mux. The ingress Tracker keeps
// the Ingresses and the core objects; the Mux keeps the Gateway API
// objects and Namespaces beside it, applies their changes in order (an
// update in place, an add at the end, as the Tracker orders objects), and
// learns from the Tracker whether an object they name changed.

// namedObject is a Gateway API object or Namespace, in the ingress
// package's wrapper type.
type namedObject interface {
	GetNamespace() string
	GetName() string
}

// asGatewayObject returns the object of c in its wrapper type, and
// whether c is a change to a Gateway API object or Namespace at all.
func asGatewayObject(c ingress.Change) (namedObject, bool, error) {
	var obj namedObject
	var isNil bool
	switch v := c.Object.(type) {
	case *gatewayv1.GatewayClass:
		obj, isNil = ingress.GatewayClass{GatewayClass: v}, v == nil
	case ingress.GatewayClass:
		obj, isNil = v, v.GatewayClass == nil
	case *gatewayv1.Gateway:
		obj, isNil = ingress.Gateway{Gateway: v}, v == nil
	case ingress.Gateway:
		obj, isNil = v, v.Gateway == nil
	case *gatewayv1.HTTPRoute:
		obj, isNil = ingress.HTTPRoute{HTTPRoute: v}, v == nil
	case ingress.HTTPRoute:
		obj, isNil = v, v.HTTPRoute == nil
	case *gatewayv1.GRPCRoute:
		obj, isNil = ingress.GRPCRoute{GRPCRoute: v}, v == nil
	case ingress.GRPCRoute:
		obj, isNil = v, v.GRPCRoute == nil
	case *gatewayv1.ReferenceGrant:
		obj, isNil = ingress.ReferenceGrant{ReferenceGrant: v}, v == nil
	case ingress.ReferenceGrant:
		obj, isNil = v, v.ReferenceGrant == nil
	case *gatewayv1.BackendTLSPolicy:
		obj, isNil = ingress.BackendTLSPolicy{BackendTLSPolicy: v}, v == nil
	case ingress.BackendTLSPolicy:
		obj, isNil = v, v.BackendTLSPolicy == nil
	case *corev1.Namespace:
		obj, isNil = ingress.Namespace{Namespace: v}, v == nil
	case ingress.Namespace:
		obj, isNil = v, v.Namespace == nil
	default:
		return nil, false, nil
	}
	switch {
	case isNil:
		return nil, true, fmt.Errorf("ingressmux: change %s: object is a nil %T", c.Op, c.Object)
	case c.Op > ingress.Deleted:
		return nil, true, fmt.Errorf("ingressmux: change of %s/%s: unknown operation %s", obj.GetNamespace(), obj.GetName(), c.Op)
	}
	return obj, true, nil
}

// splitChanges separates the changes to Gateway API objects and Namespaces
// from the others, which the Tracker applies.
func splitChanges(changes []ingress.Change) (others []ingress.Change, gw []ingress.Change, err error) {
	var errs []error
	for _, c := range changes {
		_, ok, cerr := asGatewayObject(c)
		switch {
		case cerr != nil:
			errs = append(errs, cerr)
		case ok:
			gw = append(gw, c)
		default:
			others = append(others, c)
		}
	}
	if len(errs) > 0 {
		return nil, nil, errorList(errs)
	}
	return others, gw, nil
}

// errorList joins errs as an ingress.ErrorList, as the Tracker reports them.
func errorList(errs []error) error {
	var list ingress.ErrorList
	for _, err := range errs {
		list = append(list, &ingress.Error{Err: err})
	}
	return list
}

// applyGatewayChanges returns objs with changes applied in order; objs
// is not modified.
func applyGatewayChanges(objs *ingress.Set, changes []ingress.Change) *ingress.Set {
	out := *objs
	for _, c := range changes {
		obj, _, _ := asGatewayObject(c) // checked by splitChanges
		switch v := obj.(type) {
		case ingress.GatewayClass:
			out.GatewayClasses = applyOne(out.GatewayClasses, c.Op, v)
		case ingress.Gateway:
			out.Gateways = applyOne(out.Gateways, c.Op, v)
		case ingress.HTTPRoute:
			out.HTTPRoutes = applyOne(out.HTTPRoutes, c.Op, v)
		case ingress.GRPCRoute:
			out.GRPCRoutes = applyOne(out.GRPCRoutes, c.Op, v)
		case ingress.ReferenceGrant:
			out.ReferenceGrants = applyOne(out.ReferenceGrants, c.Op, v)
		case ingress.BackendTLSPolicy:
			out.BackendTLSPolicies = applyOne(out.BackendTLSPolicies, c.Op, v)
		case ingress.Namespace:
			out.Namespaces = applyOne(out.Namespaces, c.Op, v)
		}
	}
	return &out
}

// applyOne applies one change to list, a copy of it when it changes: an
// object of the same namespace and name is replaced in place or deleted,
// a new one is added at the end.
func applyOne[T namedObject](list []T, op ingress.Op, obj T) []T {
	i := slices.IndexFunc(list, func(o T) bool { return o.GetNamespace() == obj.GetNamespace() && o.GetName() == obj.GetName() })
	switch {
	case op == ingress.Deleted && i < 0:
		return list
	case op == ingress.Deleted:
		return slices.Delete(slices.Clone(list), i, i+1)
	case i < 0:
		return append(slices.Clip(list), obj)
	}
	list = slices.Clone(list)
	list[i] = obj
	return list
}

// sameGatewayObjects reports whether the Gateway API objects and
// Namespaces of set are those of objs, in the same order: the very
// objects, or equal ones decoded again from the same place.
func sameGatewayObjects(objs, set *ingress.Set) bool {
	return sameList(objs.GatewayClasses, set.GatewayClasses, func(o ingress.GatewayClass) (any, ingress.Source) { return o.GatewayClass, o.Source }) &&
		sameList(objs.Gateways, set.Gateways, func(o ingress.Gateway) (any, ingress.Source) { return o.Gateway, o.Source }) &&
		sameList(objs.HTTPRoutes, set.HTTPRoutes, func(o ingress.HTTPRoute) (any, ingress.Source) { return o.HTTPRoute, o.Source }) &&
		sameList(objs.GRPCRoutes, set.GRPCRoutes, func(o ingress.GRPCRoute) (any, ingress.Source) { return o.GRPCRoute, o.Source }) &&
		sameList(objs.ReferenceGrants, set.ReferenceGrants, func(o ingress.ReferenceGrant) (any, ingress.Source) { return o.ReferenceGrant, o.Source }) &&
		sameList(objs.BackendTLSPolicies, set.BackendTLSPolicies, func(o ingress.BackendTLSPolicy) (any, ingress.Source) { return o.BackendTLSPolicy, o.Source }) &&
		sameList(objs.Namespaces, set.Namespaces, func(o ingress.Namespace) (any, ingress.Source) { return o.Namespace, o.Source })
}

// sameList compares two lists of one kind with the object and source of
// each.
func sameList[T any](a, b []T, parts func(T) (any, ingress.Source)) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, xs := parts(a[i])
		y, ys := parts(b[i])
		if xs != ys || x != y && !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// identities lists what tr holds under refs: the very objects, so that
// two lists are equal exactly when none of them changed.
func identities(tr *ingress.Tracker, refs gateway.References) []any {
	var out []any
	for _, key := range refs.Services {
		svc, _ := tr.Service(key)
		out = append(out, svc.Service)
		for _, s := range tr.EndpointSlicesOf(key) {
			out = append(out, s.EndpointSlice)
		}
		out = append(out, nil) // the end of a Service's slices
	}
	for _, key := range refs.Secrets {
		s, _ := tr.Secret(key)
		out = append(out, s.Secret)
	}
	for _, key := range refs.ConfigMaps {
		cm, _ := tr.ConfigMap(key)
		out = append(out, cm.ConfigMap)
	}
	return out
}

// referencedSet is what compiling objs reads: objs, and the objects of tr
// they name.
func referencedSet(tr *ingress.Tracker, objs *ingress.Set, refs gateway.References) *ingress.Set {
	set := *objs
	for _, key := range refs.Services {
		if svc, ok := tr.Service(key); ok {
			set.Services = append(set.Services, svc)
		}
		set.EndpointSlices = append(set.EndpointSlices, tr.EndpointSlicesOf(key)...)
	}
	for _, key := range refs.Secrets {
		if s, ok := tr.Secret(key); ok {
			set.Secrets = append(set.Secrets, s)
		}
	}
	for _, key := range refs.ConfigMaps {
		if cm, ok := tr.ConfigMap(key); ok {
			set.ConfigMaps = append(set.ConfigMaps, cm)
		}
	}
	return &set
}

// changedHosts adds to into the hosts whose rules differ between the
// tables a and b (either may be nil).
func changedHosts(a, b *route.Table, into map[string]bool) {
	byHost := func(t *route.Table) map[string][]route.Rule {
		out := map[string][]route.Rule{}
		if t != nil {
			for _, r := range t.Rules() {
				out[r.Host] = append(out[r.Host], r)
			}
		}
		return out
	}
	was, now := byHost(a), byHost(b)
	for host, rules := range was {
		if !sameRules(rules, now[host]) {
			into[host] = true
		}
	}
	for host := range now {
		if _, ok := was[host]; !ok {
			into[host] = true
		}
	}
}

// sameRules reports whether two lists of rules are equal, their routes
// included.
func sameRules(a, b []route.Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		rx, okx := x.Value.(*proxy.Route)
		ry, oky := y.Value.(*proxy.Route)
		if !okx || !oky {
			return false
		}
		x.Value, y.Value = nil, nil
		if !reflect.DeepEqual(x, y) || !sameRoute(rx, ry) {
			return false
		}
	}
	return true
}
