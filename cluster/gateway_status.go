package cluster

import (
	"context"
	"errors"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/retry"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1client "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/typed/apis/v1"

	"github.com/ingressmux/ingressmux/gateway"
)

// GatewayTarget is a Target that compiles the Gateway API objects of a set
// too, and says what it made of them; *ingressmux.Mux is one. The leader
// writes the status the Target computed to the objects.
type GatewayTarget interface {
	Target
	// Gateway returns what the last successful replace compiled of the
	// Gateway API objects, nil when the set held none.
	Gateway() *gateway.Compiled
}

// statusClient reads and writes objects of type T: the typed client of a
// kind, in a namespace.
type statusClient[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// writeObjectStatus writes the status of one object, starting from its
// cached version, when desired says it differs from the one to write
// (desired returns a copy with the status to write, or false); on a
// conflict it reads the object again and merges once more. It reports
// whether it wrote. An object deleted or re-created meanwhile is left to
// the next sync.
func writeObjectStatus[T metav1.Object](ctx context.Context, cached T, api statusClient[T], desired func(have T) (T, bool)) (bool, error) {
	current, uid, wrote := cached, cached.GetUID(), false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		next, change := desired(current)
		if !change {
			return nil
		}
		_, err := api.UpdateStatus(ctx, next, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			fresh, getErr := api.Get(ctx, cached.GetName(), metav1.GetOptions{})
			if getErr != nil {
				return getErr
			}
			if fresh.GetUID() != uid {
				return nil
			}
			current = fresh
			return err
		}
		wrote = err == nil
		return err
	})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("status of %s/%s: %w", cached.GetNamespace(), cached.GetName(), err)
	}
	return wrote, nil
}

// writeEach writes the status of every object the lists return (one list
// per watched namespace), as desired says, while this replica leads.
func writeEach[T metav1.Object](ctx context.Context, w *gatewayStatusWriter, lists []func(labels.Selector) ([]T, error),
	api func(namespace string) statusClient[T], desired func(have T) (T, bool)) {
	for _, list := range lists {
		objs, _ := list(labels.Everything())
		for _, have := range objs {
			if !w.leading(ctx) {
				return
			}
			w.count(writeObjectStatus(ctx, have, api(have.GetNamespace()), desired))
		}
	}
}

// writeGatewayStatus writes the status the Target computed to the
// GatewayClasses and Gateways served, and to the parent entries of this
// controller in every HTTPRoute and GRPCRoute and the ancestor entries in
// every BackendTLSPolicy: routes and policies no longer attached lose the
// entries they had from this controller. The leader alone writes.
func (s *Source) writeGatewayStatus(ctx context.Context, published []networkingv1.IngressLoadBalancerIngress) error {
	g := s.informers.gateway.Load()
	if _, computes := s.cfg.Target.(GatewayTarget); g == nil || !computes {
		return nil // without the Target's status, writing would only remove entries
	}
	s.servedMu.Lock()
	compiled, synced := s.gatewayCompiled, s.gatewaySynced
	s.servedMu.Unlock()
	if !synced {
		// No sync has applied the Gateway API objects yet (the first one
		// failed, or the CRDs came after the last one): the status is not
		// known, and writing none would remove every route's entries.
		return nil
	}
	var st gateway.Status
	if compiled != nil {
		st = compiled.Status
	}
	var addresses []string
	for _, lb := range published {
		addresses = append(addresses, lb.IP+lb.Hostname)
	}
	w := &gatewayStatusWriter{s: s, g: g, client: s.cfg.Gateway.GatewayV1(), controller: s.gatewayController(),
		now: metav1.Now(), addresses: gatewayAddresses(addresses)}
	for _, steps := range []func(context.Context, gateway.Status){w.classes, w.gateways, w.httpRoutes, w.grpcRoutes, w.policies} {
		if ctx.Err() != nil || !s.leader.Load() {
			return nil // the next leader writes what is left
		}
		steps(ctx, st)
	}
	if w.written > 0 {
		s.logger.Info("cluster: gateway API status written", "objects", w.written)
	}
	return errors.Join(w.errs...)
}

// gatewayStatusWriter is one pass of writeGatewayStatus.
type gatewayStatusWriter struct {
	s          *Source
	g          *gatewayWatchers
	client     gatewayv1client.GatewayV1Interface
	controller string
	now        metav1.Time
	addresses  []gatewayv1.GatewayStatusAddress
	written    int
	errs       []error
}

// count records the outcome of one object's write.
func (w *gatewayStatusWriter) count(wrote bool, err error) {
	if wrote {
		w.written++
	}
	if err != nil {
		w.errs = append(w.errs, err)
	}
}

// leading reports whether the writes may go on.
func (w *gatewayStatusWriter) leading(ctx context.Context) bool {
	return ctx.Err() == nil && w.s.leader.Load()
}

func (w *gatewayStatusWriter) classes(ctx context.Context, st gateway.Status) {
	if w.g.classes == nil {
		return
	}
	for _, want := range st.GatewayClasses {
		have, err := w.g.classes.Get(want.Name)
		if err != nil || !w.leading(ctx) {
			continue // deleted since: nothing to write
		}
		w.count(writeObjectStatus(ctx, have, w.client.GatewayClasses(), func(have *gatewayv1.GatewayClass) (*gatewayv1.GatewayClass, bool) {
			next := gatewayClassStatus(have.Status, want.Status, w.now)
			if sameGatewayClassStatus(have.Status, next) {
				return nil, false
			}
			out := have.DeepCopy()
			out.Status = next
			return out, true
		}))
	}
}

func (w *gatewayStatusWriter) gateways(ctx context.Context, st gateway.Status) {
	for _, want := range st.Gateways {
		sc := w.g.scopeOf(want.Namespace)
		if sc == nil || sc.gateways == nil || !w.leading(ctx) {
			continue
		}
		have, err := sc.gateways.Gateways(want.Namespace).Get(want.Name)
		if err != nil {
			continue
		}
		w.count(writeObjectStatus(ctx, have, w.client.Gateways(want.Namespace), func(have *gatewayv1.Gateway) (*gatewayv1.Gateway, bool) {
			next := gatewayStatus(have.Status, want.Status, w.addresses, w.now)
			if sameGatewayStatus(have.Status, next) {
				return nil, false
			}
			out := have.DeepCopy()
			out.Status = next
			return out, true
		}))
	}
}

// httpRoutes, grpcRoutes and policies go through every object of their
// kind, not only those the Target reports: those no longer attached to a
// served Gateway lose this controller's entries.
func (w *gatewayStatusWriter) httpRoutes(ctx context.Context, st gateway.Status) {
	var lists []func(labels.Selector) ([]*gatewayv1.HTTPRoute, error)
	for _, sc := range w.g.scopes {
		if sc.httpRoutes != nil {
			lists = append(lists, sc.httpRoutes.List)
		}
	}
	writeRouteParents(ctx, w, st.HTTPRoutes, lists, func(ns string) statusClient[*gatewayv1.HTTPRoute] { return w.client.HTTPRoutes(ns) },
		func(r *gatewayv1.HTTPRoute) *[]gatewayv1.RouteParentStatus { return &r.Status.Parents }, (*gatewayv1.HTTPRoute).DeepCopy)
}

func (w *gatewayStatusWriter) grpcRoutes(ctx context.Context, st gateway.Status) {
	var lists []func(labels.Selector) ([]*gatewayv1.GRPCRoute, error)
	for _, sc := range w.g.scopes {
		if sc.grpcRoutes != nil {
			lists = append(lists, sc.grpcRoutes.List)
		}
	}
	writeRouteParents(ctx, w, st.GRPCRoutes, lists, func(ns string) statusClient[*gatewayv1.GRPCRoute] { return w.client.GRPCRoutes(ns) },
		func(r *gatewayv1.GRPCRoute) *[]gatewayv1.RouteParentStatus { return &r.Status.Parents }, (*gatewayv1.GRPCRoute).DeepCopy)
}

// writeRouteParents writes this controller's parent entries of every route
// of one kind: the ones of statuses, none for the routes it does not
// list. parents points into a route at its status's entries.
func writeRouteParents[T metav1.Object](ctx context.Context, w *gatewayStatusWriter, statuses []gateway.RouteStatus,
	lists []func(labels.Selector) ([]T, error), api func(namespace string) statusClient[T],
	parents func(T) *[]gatewayv1.RouteParentStatus, deepCopy func(T) T) {
	wants := make(map[string][]gatewayv1.RouteParentStatus, len(statuses))
	for _, r := range statuses {
		wants[key(r.Namespace, r.Name)] = r.Status.Parents
	}
	writeEach(ctx, w, lists, api, func(have T) (T, bool) {
		next := routeParents(*parents(have), wants[key(have.GetNamespace(), have.GetName())], w.controller, w.now)
		if sameRouteParents(*parents(have), next) {
			var unchanged T
			return unchanged, false
		}
		out := deepCopy(have)
		*parents(out) = next
		return out, true
	})
}

func (w *gatewayStatusWriter) policies(ctx context.Context, st gateway.Status) {
	wants := map[string][]gatewayv1.PolicyAncestorStatus{}
	for _, p := range st.BackendTLSPolicies {
		wants[key(p.Namespace, p.Name)] = p.Status.Ancestors
	}
	var lists []func(labels.Selector) ([]*gatewayv1.BackendTLSPolicy, error)
	for _, sc := range w.g.scopes {
		if sc.policies != nil {
			lists = append(lists, sc.policies.List)
		}
	}
	writeEach(ctx, w, lists, func(ns string) statusClient[*gatewayv1.BackendTLSPolicy] { return w.client.BackendTLSPolicies(ns) },
		func(have *gatewayv1.BackendTLSPolicy) (*gatewayv1.BackendTLSPolicy, bool) {
			next := policyAncestors(have.Status.Ancestors, wants[key(have.Namespace, have.Name)], w.controller, w.now)
			if samePolicyAncestors(have.Status.Ancestors, next) {
				return nil, false
			}
			out := have.DeepCopy()
			out.Status.Ancestors = next
			return out, true
		})
}

// scopeOf returns the scope that watches namespace, nil if none does.
func (g *gatewayWatchers) scopeOf(namespace string) *gatewayScope {
	for i, sc := range g.scopes {
		if sc.namespace == "" || sc.namespace == namespace {
			return &g.scopes[i]
		}
	}
	return nil
}
