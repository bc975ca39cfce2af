package cluster

import (
	"net/netip"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// The Gateway API status a leader writes is the library's, merged into
// what the object holds as the specification asks: a condition whose
// status did not change keeps its lastTransitionTime, and the entries of
// route parents and policy ancestors that other controllers own are left
// as they are.

// mergeConditions returns want with the lastTransitionTime of each
// condition taken from the condition of the same type in have when its
// status is the same, and set to now when it changed or is new.
func mergeConditions(have, want []metav1.Condition, now metav1.Time) []metav1.Condition {
	if want == nil {
		return nil
	}
	out := make([]metav1.Condition, len(want))
	for i, c := range want {
		c.LastTransitionTime = now
		for _, h := range have {
			if h.Type == c.Type && h.Status == c.Status && !h.LastTransitionTime.IsZero() {
				c.LastTransitionTime = h.LastTransitionTime
				break
			}
		}
		out[i] = c
	}
	return out
}

// sameConditions compares two lists of conditions by everything but the
// lastTransitionTime.
func sameConditions(a, b []metav1.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.LastTransitionTime, y.LastTransitionTime = metav1.Time{}, metav1.Time{}
		if x != y {
			return false
		}
	}
	return true
}

// mergeEntries returns have with each entry that ours claims replaced by
// the entry of want for the same reference (same says which), merged by
// merge, or dropped when want has none; the entries of want that have did
// not hold are appended. Other controllers' entries stay where they are.
func mergeEntries[E any](have, want []E, ours func(E) bool, same func(a, b E) bool, merge func(have, want E) E) []E {
	var out []E
	used := make([]bool, len(want))
	for _, h := range have {
		if !ours(h) {
			out = append(out, h)
			continue
		}
		for i, w := range want {
			if !used[i] && same(h, w) {
				out = append(out, merge(h, w))
				used[i] = true
				break
			}
		}
	}
	var none E
	for i, w := range want {
		if !used[i] {
			out = append(out, merge(none, w))
		}
	}
	return out
}

// gatewayClassStatus is want merged into have.
func gatewayClassStatus(have, want gatewayv1.GatewayClassStatus, now metav1.Time) gatewayv1.GatewayClassStatus {
	want.Conditions = mergeConditions(have.Conditions, want.Conditions, now)
	return want
}

// gatewayStatus is want merged into have, with the published addresses
// when there are any.
func gatewayStatus(have, want gatewayv1.GatewayStatus, addresses []gatewayv1.GatewayStatusAddress, now metav1.Time) gatewayv1.GatewayStatus {
	want.Conditions = mergeConditions(have.Conditions, want.Conditions, now)
	listeners := make([]gatewayv1.ListenerStatus, len(want.Listeners))
	for i, l := range want.Listeners {
		var before []metav1.Condition
		for _, h := range have.Listeners {
			if h.Name == l.Name {
				before = h.Conditions
			}
		}
		l.Conditions = mergeConditions(before, l.Conditions, now)
		listeners[i] = l
	}
	want.Listeners = listeners
	if len(addresses) > 0 {
		want.Addresses = addresses
	}
	return want
}

// routeParents is have's parent entries with those of controller replaced
// by want's.
func routeParents(have, want []gatewayv1.RouteParentStatus, controller string, now metav1.Time) []gatewayv1.RouteParentStatus {
	return mergeEntries(have, want,
		func(e gatewayv1.RouteParentStatus) bool { return string(e.ControllerName) == controller },
		func(a, b gatewayv1.RouteParentStatus) bool {
			return equality.Semantic.DeepEqual(a.ParentRef, b.ParentRef)
		},
		func(h, w gatewayv1.RouteParentStatus) gatewayv1.RouteParentStatus {
			w.Conditions = mergeConditions(h.Conditions, w.Conditions, now)
			return w
		})
}

// policyAncestors is have's ancestor entries with those of controller
// replaced by want's.
func policyAncestors(have, want []gatewayv1.PolicyAncestorStatus, controller string, now metav1.Time) []gatewayv1.PolicyAncestorStatus {
	return mergeEntries(have, want,
		func(e gatewayv1.PolicyAncestorStatus) bool { return string(e.ControllerName) == controller },
		func(a, b gatewayv1.PolicyAncestorStatus) bool {
			return equality.Semantic.DeepEqual(a.AncestorRef, b.AncestorRef)
		},
		func(h, w gatewayv1.PolicyAncestorStatus) gatewayv1.PolicyAncestorStatus {
			w.Conditions = mergeConditions(h.Conditions, w.Conditions, now)
			return w
		})
}

// sameGatewayStatus, sameRouteParents and samePolicyAncestors compare
// statuses by everything but the conditions' lastTransitionTime.
func sameGatewayStatus(a, b gatewayv1.GatewayStatus) bool {
	if !sameConditions(a.Conditions, b.Conditions) ||
		!sameEntries(a.Listeners, b.Listeners, func(l *gatewayv1.ListenerStatus) *[]metav1.Condition { return &l.Conditions }) {
		return false
	}
	a.Conditions, b.Conditions, a.Listeners, b.Listeners = nil, nil, nil, nil
	return equality.Semantic.DeepEqual(a, b)
}

func sameGatewayClassStatus(a, b gatewayv1.GatewayClassStatus) bool {
	return sameConditions(a.Conditions, b.Conditions) && equality.Semantic.DeepEqual(a.SupportedFeatures, b.SupportedFeatures)
}

func sameRouteParents(a, b []gatewayv1.RouteParentStatus) bool {
	return sameEntries(a, b, func(e *gatewayv1.RouteParentStatus) *[]metav1.Condition { return &e.Conditions })
}

func samePolicyAncestors(a, b []gatewayv1.PolicyAncestorStatus) bool {
	return sameEntries(a, b, func(e *gatewayv1.PolicyAncestorStatus) *[]metav1.Condition { return &e.Conditions })
}

// sameEntries compares two lists entry by entry, the conditions of each
// (which conditions points at) by everything but the lastTransitionTime.
func sameEntries[E any](a, b []E, conditions func(*E) *[]metav1.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		cx, cy := conditions(&x), conditions(&y)
		if !sameConditions(*cx, *cy) {
			return false
		}
		*cx, *cy = nil, nil
		if !equality.Semantic.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// gatewayAddresses turns the published addresses into Gateway status
// addresses: IPAddress for IPs, Hostname for names.
func gatewayAddresses(published []string) []gatewayv1.GatewayStatusAddress {
	var out []gatewayv1.GatewayStatusAddress
	for _, a := range published {
		t := gatewayv1.HostnameAddressType
		if _, err := netip.ParseAddr(a); err == nil {
			t = gatewayv1.IPAddressType
		}
		out = append(out, gatewayv1.GatewayStatusAddress{Type: &t, Value: a})
	}
	return out
}
