package gateway

import (
	"cmp"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Status is the status of every object a Compile owns, in the types and
// with the conditions and reasons of the Gateway API specification, sorted
// by namespace and name. A cluster source writes it to the objects'
// status subresources; -check prints it.
type Status struct {
	// GatewayClasses are the GatewayClasses whose controllerName is ours.
	GatewayClasses []GatewayClassStatus `json:"gatewayClasses,omitempty"`
	// Gateways are the Gateways of those classes.
	Gateways []GatewayStatus `json:"gateways,omitempty"`
	// HTTPRoutes and GRPCRoutes are the routes with a parentRef to one
	// of those Gateways; their status holds only our parents' entries.
	HTTPRoutes []RouteStatus `json:"httpRoutes,omitempty"`
	GRPCRoutes []RouteStatus `json:"grpcRoutes,omitempty"`
	// BackendTLSPolicies are the policies whose targets a served route
	// uses; their status holds only our ancestors' entries.
	BackendTLSPolicies []PolicyStatus `json:"backendTLSPolicies,omitempty"`
}

// GatewayClassStatus is the status of one served GatewayClass.
type GatewayClassStatus struct {
	// Name is the GatewayClass's name (it has no namespace).
	Name string `json:"name"`
	// Status is what its status subresource should hold.
	Status gatewayv1.GatewayClassStatus `json:"status"`
}

// GatewayStatus is the status of one served Gateway: its conditions and
// those of each listener.
type GatewayStatus struct {
	// Namespace and Name name the object.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Status is what its status subresource should hold.
	Status gatewayv1.GatewayStatus `json:"status"`
}

// RouteStatus is the status of one HTTPRoute or GRPCRoute: an entry per
// parentRef that names a served Gateway.
type RouteStatus struct {
	// Namespace and Name name the object.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Status is what its status subresource should hold.
	Status gatewayv1.RouteStatus `json:"status"`
}

// PolicyStatus is the status of one BackendTLSPolicy: an entry per
// Gateway whose routes use a Service it targets.
type PolicyStatus struct {
	// Namespace and Name name the object.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Status is what its status subresource should hold.
	Status gatewayv1.PolicyStatus `json:"status"`
}

// cond builds a condition. The lastTransitionTime is Options.Now.
func (c *compiler) cond(typ string, ok bool, reason, message string, generation int64) metav1.Condition {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: metav1.NewTime(c.opts.Now)}
}

// sort orders every list by namespace and name.
func (s *Status) sort() {
	slices.SortStableFunc(s.GatewayClasses, func(a, b GatewayClassStatus) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Gateways, func(a, b GatewayStatus) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	byName := func(a, b RouteStatus) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	}
	slices.SortStableFunc(s.HTTPRoutes, byName)
	slices.SortStableFunc(s.GRPCRoutes, byName)
	slices.SortStableFunc(s.BackendTLSPolicies, func(a, b PolicyStatus) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}
