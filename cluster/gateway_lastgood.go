package cluster

import (
	"maps"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// A Gateway API object the Target refuses (one the apiserver's CRDs let
// through but those of the gateway package do not: other CRD versions, or
// none installed by the apiserver's validation) is handled as an Ingress
// that fails: an update of an object that was served keeps its last good
// version serving, with a Warning Event (KeptLastGood); a new one is left
// out (Invalid); a Normal Event (Sync) says when it is valid again. What
// the specification reports in status (a missing backend, a refused
// reference) is not a failure here: the route is served as the
// specification says and its status tells.

// gatewayObject is a Gateway API object as the Set holds it.
type gatewayObject interface {
	runtime.Object
	metav1.Object
}

// badGatewayObject is a Gateway API object the Target refused.
type badGatewayObject struct {
	resourceVersion string
	reason          string
}

// mapGatewayObjects returns a copy of set in which every Gateway API
// object is what f returns for it (and its "kind namespace/name"): itself,
// another version of it, or nil to leave it out. set is not changed.
func mapGatewayObjects(set *ingress.Set, f func(ref string, obj gatewayObject) gatewayObject) *ingress.Set {
	out := *set
	out.GatewayClasses = mapList(set.GatewayClasses, func(w *ingress.GatewayClass) **gatewayv1.GatewayClass { return &w.GatewayClass }, f)
	out.Gateways = mapList(set.Gateways, func(w *ingress.Gateway) **gatewayv1.Gateway { return &w.Gateway }, f)
	out.HTTPRoutes = mapList(set.HTTPRoutes, func(w *ingress.HTTPRoute) **gatewayv1.HTTPRoute { return &w.HTTPRoute }, f)
	out.GRPCRoutes = mapList(set.GRPCRoutes, func(w *ingress.GRPCRoute) **gatewayv1.GRPCRoute { return &w.GRPCRoute }, f)
	out.ReferenceGrants = mapList(set.ReferenceGrants, func(w *ingress.ReferenceGrant) **gatewayv1.ReferenceGrant { return &w.ReferenceGrant }, f)
	out.BackendTLSPolicies = mapList(set.BackendTLSPolicies, func(w *ingress.BackendTLSPolicy) **gatewayv1.BackendTLSPolicy {
		return &w.BackendTLSPolicy
	}, f)
	return &out
}

// mapList is mapGatewayObjects for one kind; field points into a wrapper
// at its object.
func mapList[W interface{ Ref() string }, T gatewayObject](list []W, field func(*W) *T, f func(string, gatewayObject) gatewayObject) []W {
	if list == nil {
		return nil
	}
	out := make([]W, 0, len(list))
	for _, w := range list {
		p := field(&w)
		next := f(w.Ref(), *p)
		if next == nil {
			continue
		}
		*p = next.(T)
		out = append(out, w)
	}
	return out
}

// isGatewayRef reports whether ref ("kind namespace/name") names a Gateway
// API object.
func isGatewayRef(ref string) bool {
	kind, _, _ := strings.Cut(ref, " ")
	switch kind {
	case "gatewayclass", "gateway", "httproute", "grpcroute", "referencegrant", "backendtlspolicy":
		return true
	}
	return false
}

// withoutBadGateway returns set with each Gateway API object that is bad
// (or, with its resource version, known to be bad from an earlier sync)
// replaced by its last good version, or left out when it has none.
func (s *Source) withoutBadGateway(set *ingress.Set, bad map[string]string) *ingress.Set {
	return mapGatewayObjects(set, func(ref string, obj gatewayObject) gatewayObject {
		if _, now := bad[ref]; !now {
			known, ok := s.syncs.gatewayBad[ref]
			if !ok || known.resourceVersion != obj.GetResourceVersion() {
				return obj
			}
			bad[ref] = known.reason
		}
		if good := s.syncs.gatewayGood[ref]; good != nil && good.GetUID() == obj.GetUID() {
			return good
		}
		return nil
	})
}

// gatewayApplied records, after the Target took served (in which the bad
// objects were replaced or left out), the last good version of each
// Gateway API object, and reports the bad ones: once each, in the log and
// in an Event.
func (s *Source) gatewayApplied(current, served *ingress.Set, bad map[string]string) {
	objects := map[string]gatewayObject{}
	mapGatewayObjects(current, func(ref string, obj gatewayObject) gatewayObject { objects[ref] = obj; return obj })
	mapGatewayObjects(served, func(ref string, obj gatewayObject) gatewayObject {
		if _, isBad := bad[ref]; !isBad {
			s.syncs.gatewayGood[ref] = obj
		}
		return obj
	})
	maps.DeleteFunc(s.syncs.gatewayGood, func(ref string, _ gatewayObject) bool { return objects[ref] == nil })
	next := map[string]badGatewayObject{}
	problems := map[string]problem{}
	for ref, reason := range bad {
		obj := objects[ref]
		if obj == nil || !isGatewayRef(ref) {
			continue
		}
		next[ref] = badGatewayObject{resourceVersion: obj.GetResourceVersion(), reason: reason}
		p := problem{obj: obj, reason: ReasonInvalid, msg: "left out, not served: " + reason}
		if good := s.syncs.gatewayGood[ref]; good != nil && good.GetUID() == obj.GetUID() {
			p.reason = ReasonKeptLastGood
			p.msg = keptLastGood(obj.GetResourceVersion(), good.GetResourceVersion(), reason)
		}
		problems[ref] = p
	}
	s.announce(s.syncs.gatewayReported, "object", func(ref string) string { return ref }, problems,
		func(ref string) eventObject {
			if obj := objects[ref]; obj != nil {
				return obj
			}
			return nil
		})
	s.syncs.gatewayBad = next
}
