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

// statusUpdate is how the status of one object of kind T is read and
// written.
type statusUpdate[T metav1.Object] struct {
	// get reads the object from the apiserver, after a conflict.
	get func(ctx context.Context) (T, error)
	// update writes the object's status subresource.
	update func(ctx context.Context, obj T) error
	// desired returns a copy of have with the status to write, and false
	// when have's status is already what it should be.
	desired func(have T) (T, bool)
}

// writeObjectStatus writes the status of one object, starting from its
// cached version, when it differs from the one to write; on a conflict
// it reads the object again and merges once more. It reports whether it
// wrote. An object deleted or re-created meanwhile is left to the next
// sync.
func writeObjectStatus[T metav1.Object](ctx context.Context, cached T, u statusUpdate[T]) (bool, error) {
	current, uid, wrote := cached, cached.GetUID(), false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		next, change := u.desired(current)
		if !change {
			return nil
		}
		err := u.update(ctx, next)
		if apierrors.IsConflict(err) {
			fresh, getErr := u.get(ctx)
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

// writeGatewayStatus writes the status the Target computed to the
// GatewayClasses and Gateways served, and to the parent entries of this
// controller in every HTTPRoute and GRPCRoute and the ancestor entries in
// every BackendTLSPolicy: routes and policies no longer attached lose the
// entries they had from this controller. The leader alone writes.
func (s *Source) writeGatewayStatus(ctx context.Context, published []networkingv1.IngressLoadBalancerIngress) error {
	g := s.informers.gateway.Load()
	if g == nil || s.cfg.Gateway == nil {
		return nil
	}
	s.servedMu.Lock()
	compiled := s.gatewayCompiled
	s.servedMu.Unlock()
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
	api := w.client.GatewayClasses()
	for _, want := range st.GatewayClasses {
		have, err := w.g.classes.Get(want.Name)
		if err != nil || !w.leading(ctx) {
			continue // deleted since: nothing to write
		}
		w.count(writeObjectStatus(ctx, have, statusUpdate[*gatewayv1.GatewayClass]{
			get: func(ctx context.Context) (*gatewayv1.GatewayClass, error) {
				return api.Get(ctx, want.Name, metav1.GetOptions{})
			},
			update: func(ctx context.Context, o *gatewayv1.GatewayClass) error {
				_, err := api.UpdateStatus(ctx, o, metav1.UpdateOptions{})
				return err
			},
			desired: func(have *gatewayv1.GatewayClass) (*gatewayv1.GatewayClass, bool) {
				next := gatewayClassStatus(have.Status, want.Status, w.now)
				if sameGatewayClassStatus(have.Status, next) {
					return nil, false
				}
				out := have.DeepCopy()
				out.Status = next
				return out, true
			},
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
		api := w.client.Gateways(want.Namespace)
		w.count(writeObjectStatus(ctx, have, statusUpdate[*gatewayv1.Gateway]{
			get: func(ctx context.Context) (*gatewayv1.Gateway, error) {
				return api.Get(ctx, want.Name, metav1.GetOptions{})
			},
			update: func(ctx context.Context, o *gatewayv1.Gateway) error {
				_, err := api.UpdateStatus(ctx, o, metav1.UpdateOptions{})
				return err
			},
			desired: func(have *gatewayv1.Gateway) (*gatewayv1.Gateway, bool) {
				next := gatewayStatus(have.Status, want.Status, w.addresses, w.now)
				if sameGatewayStatus(have.Status, next) {
					return nil, false
				}
				out := have.DeepCopy()
				out.Status = next
				return out, true
			},
		}))
	}
}

func (w *gatewayStatusWriter) httpRoutes(ctx context.Context, st gateway.Status) {
	wants := routeStatusByKey(st.HTTPRoutes)
	for _, sc := range w.g.scopes {
		if sc.httpRoutes == nil {
			continue
		}
		routes, _ := sc.httpRoutes.List(labels.Everything())
		for _, have := range routes {
			if !w.leading(ctx) {
				return
			}
			want := wants[key(have.Namespace, have.Name)]
			api := w.client.HTTPRoutes(have.Namespace)
			w.count(writeObjectStatus(ctx, have, statusUpdate[*gatewayv1.HTTPRoute]{
				get: func(ctx context.Context) (*gatewayv1.HTTPRoute, error) {
					return api.Get(ctx, have.Name, metav1.GetOptions{})
				},
				update: func(ctx context.Context, o *gatewayv1.HTTPRoute) error {
					_, err := api.UpdateStatus(ctx, o, metav1.UpdateOptions{})
					return err
				},
				desired: func(have *gatewayv1.HTTPRoute) (*gatewayv1.HTTPRoute, bool) {
					next := routeParents(have.Status.Parents, want, w.controller, w.now)
					if sameRouteParents(have.Status.Parents, next) {
						return nil, false
					}
					out := have.DeepCopy()
					out.Status.Parents = next
					return out, true
				},
			}))
		}
	}
}

func (w *gatewayStatusWriter) grpcRoutes(ctx context.Context, st gateway.Status) {
	wants := routeStatusByKey(st.GRPCRoutes)
	for _, sc := range w.g.scopes {
		if sc.grpcRoutes == nil {
			continue
		}
		routes, _ := sc.grpcRoutes.List(labels.Everything())
		for _, have := range routes {
			if !w.leading(ctx) {
				return
			}
			want := wants[key(have.Namespace, have.Name)]
			api := w.client.GRPCRoutes(have.Namespace)
			w.count(writeObjectStatus(ctx, have, statusUpdate[*gatewayv1.GRPCRoute]{
				get: func(ctx context.Context) (*gatewayv1.GRPCRoute, error) {
					return api.Get(ctx, have.Name, metav1.GetOptions{})
				},
				update: func(ctx context.Context, o *gatewayv1.GRPCRoute) error {
					_, err := api.UpdateStatus(ctx, o, metav1.UpdateOptions{})
					return err
				},
				desired: func(have *gatewayv1.GRPCRoute) (*gatewayv1.GRPCRoute, bool) {
					next := routeParents(have.Status.Parents, want, w.controller, w.now)
					if sameRouteParents(have.Status.Parents, next) {
						return nil, false
					}
					out := have.DeepCopy()
					out.Status.Parents = next
					return out, true
				},
			}))
		}
	}
}

func (w *gatewayStatusWriter) policies(ctx context.Context, st gateway.Status) {
	wants := map[string][]gatewayv1.PolicyAncestorStatus{}
	for _, p := range st.BackendTLSPolicies {
		wants[key(p.Namespace, p.Name)] = p.Status.Ancestors
	}
	for _, sc := range w.g.scopes {
		if sc.policies == nil {
			continue
		}
		policies, _ := sc.policies.List(labels.Everything())
		for _, have := range policies {
			if !w.leading(ctx) {
				return
			}
			want := wants[key(have.Namespace, have.Name)]
			api := w.client.BackendTLSPolicies(have.Namespace)
			w.count(writeObjectStatus(ctx, have, statusUpdate[*gatewayv1.BackendTLSPolicy]{
				get: func(ctx context.Context) (*gatewayv1.BackendTLSPolicy, error) {
					return api.Get(ctx, have.Name, metav1.GetOptions{})
				},
				update: func(ctx context.Context, o *gatewayv1.BackendTLSPolicy) error {
					_, err := api.UpdateStatus(ctx, o, metav1.UpdateOptions{})
					return err
				},
				desired: func(have *gatewayv1.BackendTLSPolicy) (*gatewayv1.BackendTLSPolicy, bool) {
					next := policyAncestors(have.Status.Ancestors, want, w.controller, w.now)
					if samePolicyAncestors(have.Status.Ancestors, next) {
						return nil, false
					}
					out := have.DeepCopy()
					out.Status.Ancestors = next
					return out, true
				},
			}))
		}
	}
}

// routeStatusByKey indexes route statuses by "namespace/name".
func routeStatusByKey(list []gateway.RouteStatus) map[string][]gatewayv1.RouteParentStatus {
	out := make(map[string][]gatewayv1.RouteParentStatus, len(list))
	for _, r := range list {
		out[key(r.Namespace, r.Name)] = r.Status.Parents
	}
	return out
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
