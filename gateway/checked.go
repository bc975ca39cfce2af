package gateway

import (
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// checked returns a copy of set whose Gateway API objects are validated
// copies, as the apiserver would store them (CRD defaults applied), without
// the objects the apiserver would refuse, whose problems are returned. The
// objects of set are not changed: a file cache may share them with the
// next load.
func checked(set *ingress.Set) (*ingress.Set, ingress.ErrorList) {
	out := *set
	var errs ingress.ErrorList
	n := len(set.GatewayClasses) + len(set.Gateways) + len(set.HTTPRoutes) + len(set.GRPCRoutes) +
		len(set.ReferenceGrants) + len(set.BackendTLSPolicies)
	results.reserve(n, cacheBytes/cacheEntries)
	identities.reserve(n, cacheBytes/cacheEntries)
	out.GatewayClasses = checkList(set.GatewayClasses, &errs, func(o *ingress.GatewayClass) (**gatewayv1.GatewayClass, ingress.Source, func(string) int) {
		return &o.GatewayClass, o.Source, o.FieldLine
	})
	out.Gateways = checkList(set.Gateways, &errs, func(o *ingress.Gateway) (**gatewayv1.Gateway, ingress.Source, func(string) int) {
		return &o.Gateway, o.Source, o.FieldLine
	})
	out.HTTPRoutes = checkList(set.HTTPRoutes, &errs, func(o *ingress.HTTPRoute) (**gatewayv1.HTTPRoute, ingress.Source, func(string) int) {
		return &o.HTTPRoute, o.Source, o.FieldLine
	})
	out.GRPCRoutes = checkList(set.GRPCRoutes, &errs, func(o *ingress.GRPCRoute) (**gatewayv1.GRPCRoute, ingress.Source, func(string) int) {
		return &o.GRPCRoute, o.Source, o.FieldLine
	})
	out.ReferenceGrants = checkList(set.ReferenceGrants, &errs, func(o *ingress.ReferenceGrant) (**gatewayv1.ReferenceGrant, ingress.Source, func(string) int) {
		return &o.ReferenceGrant, o.Source, o.FieldLine
	})
	out.BackendTLSPolicies = checkList(set.BackendTLSPolicies, &errs, func(o *ingress.BackendTLSPolicy) (**gatewayv1.BackendTLSPolicy, ingress.Source, func(string) int) {
		return &o.BackendTLSPolicy, o.Source, o.FieldLine
	})
	return &out, errs
}

// checkList validates a copy of each object of list (the object is what
// open points at) and returns the valid ones, holding their copies.
func checkList[W any, P runtime.Object](list []W, errs *ingress.ErrorList, open func(*W) (*P, ingress.Source, func(string) int)) []W {
	var out []W
	for _, w := range list {
		obj, src, line := open(&w)
		cp, e := validatedCopy(src, *obj, line)
		if len(e) > 0 {
			*errs = append(*errs, e...)
			continue
		}
		*obj = cp
		out = append(out, w)
	}
	return out
}
