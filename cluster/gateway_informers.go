package cluster

import (
	"errors"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"
	gatewayinformers "sigs.k8s.io/gateway-api/pkg/client/informers/externalversions"
	gatewaylisters "sigs.k8s.io/gateway-api/pkg/client/listers/apis/v1"
	gatewaylistersv1beta1 "sigs.k8s.io/gateway-api/pkg/client/listers/apis/v1beta1"

	"github.com/ingressmux/ingressmux/ingress"
)

// gatewayGroupVersion is the API version of the Gateway API kinds watched.
var gatewayGroupVersion = gatewayv1.GroupVersion.String()

// The resources of gateway.networking.k8s.io/v1 a Source watches, by the
// name discovery lists them under.
const (
	resGatewayClasses     = "gatewayclasses"
	resGateways           = "gateways"
	resHTTPRoutes         = "httproutes"
	resGRPCRoutes         = "grpcroutes"
	resReferenceGrants    = "referencegrants"
	resBackendTLSPolicies = "backendtlspolicies"
	// resReferenceGrantsBeta marks ReferenceGrants served in v1beta1 only,
	// as by the CRDs of Gateway API releases before v1.5.
	resReferenceGrantsBeta = "referencegrants.v1beta1"
)

var gatewayResources = []string{resGatewayClasses, resGateways, resHTTPRoutes, resGRPCRoutes, resReferenceGrants, resBackendTLSPolicies}

// gatewayWatchers holds the listers of the Gateway API kinds the cluster
// serves; a lister is nil when its kind is not served (its CRD is not
// installed, or not in version v1).
type gatewayWatchers struct {
	classes    gatewaylisters.GatewayClassLister
	namespaces corelisters.NamespaceLister
	scopes     []gatewayScope
}

// gatewayScope is the Gateway API listers of one namespace, or of all.
type gatewayScope struct {
	namespace  string
	gateways   gatewaylisters.GatewayLister
	httpRoutes gatewaylisters.HTTPRouteLister
	grpcRoutes gatewaylisters.GRPCRouteLister
	grants     gatewaylisters.ReferenceGrantLister
	grantsBeta gatewaylistersv1beta1.ReferenceGrantLister
	policies   gatewaylisters.BackendTLSPolicyLister
}

// registerFunc adds an informer's event handler and watch error handler,
// and its HasSynced to the list a start waits for.
type registerFunc func(cache.SharedIndexInformer, cache.ResourceEventHandler) error

// newGatewayWatchers creates the informers of the served Gateway API
// resources and of Namespaces, registered with register, and returns
// their listers and factories, not started.
func (s *Source) newGatewayWatchers(served map[string]bool, register registerFunc) (*gatewayWatchers, []factory, error) {
	var missing []string
	for _, r := range gatewayResources {
		if !served[r] && (r != resReferenceGrants || !served[resReferenceGrantsBeta]) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		s.logger.Warn("cluster: the apiserver serves only part of the Gateway API; not watched", "missing", strings.Join(missing, ","), "version", gatewayGroupVersion)
	}
	handler := gatewayChangeHandler(s)
	g := &gatewayWatchers{}
	var errs []error
	var factories []factory
	cluster := gatewayinformers.NewSharedInformerFactoryWithOptions(s.cfg.Gateway, 0, gatewayinformers.WithTransform(trimObject))
	factories = append(factories, cluster)
	if served[resGatewayClasses] {
		g.classes = cluster.Gateway().V1().GatewayClasses().Lister()
		errs = append(errs, register(cluster.Gateway().V1().GatewayClasses().Informer(), handler))
	}
	core := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0, informers.WithTransform(trimObject))
	factories = append(factories, core)
	g.namespaces = core.Core().V1().Namespaces().Lister()
	errs = append(errs, register(core.Core().V1().Namespaces().Informer(), handler))

	for _, ns := range s.watchedNamespaces() {
		f := gatewayinformers.NewSharedInformerFactoryWithOptions(s.cfg.Gateway, 0,
			gatewayinformers.WithNamespace(ns), gatewayinformers.WithTransform(trimObject))
		factories = append(factories, f)
		v1 := f.Gateway().V1()
		sc := gatewayScope{namespace: ns}
		if served[resGateways] {
			sc.gateways = v1.Gateways().Lister()
			errs = append(errs, register(v1.Gateways().Informer(), handler))
		}
		if served[resHTTPRoutes] {
			sc.httpRoutes = v1.HTTPRoutes().Lister()
			errs = append(errs, register(v1.HTTPRoutes().Informer(), handler))
		}
		if served[resGRPCRoutes] {
			sc.grpcRoutes = v1.GRPCRoutes().Lister()
			errs = append(errs, register(v1.GRPCRoutes().Informer(), handler))
		}
		switch {
		case served[resReferenceGrants]:
			sc.grants = v1.ReferenceGrants().Lister()
			errs = append(errs, register(v1.ReferenceGrants().Informer(), handler))
		case served[resReferenceGrantsBeta]:
			beta := f.Gateway().V1beta1().ReferenceGrants()
			sc.grantsBeta = beta.Lister()
			errs = append(errs, register(beta.Informer(), handler))
		}
		if served[resBackendTLSPolicies] {
			sc.policies = v1.BackendTLSPolicies().Lister()
			errs = append(errs, register(v1.BackendTLSPolicies().Informer(), handler))
		}
		g.scopes = append(g.scopes, sc)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	s.logger.Info("cluster: watching the Gateway API", "version", gatewayGroupVersion, "controller", s.gatewayController())
	return g, factories, nil
}

// watchedNamespaces is Config.Namespaces, or every namespace.
func (s *Source) watchedNamespaces() []string {
	if len(s.cfg.Namespaces) == 0 {
		return []string{metav1.NamespaceAll}
	}
	return s.cfg.Namespaces
}

// gatewayChangeHandler enqueues a compile when a Gateway API object (or a
// Namespace) changes in what routing reads: its spec (the generation),
// labels or annotations. Status writes, ours and other controllers', leave
// those alone and cost no compile; objects without a generation (a fake
// clientset does not count them) count every update.
func gatewayChangeHandler(s *Source) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { s.changed() },
		UpdateFunc: func(oldObj, newObj any) {
			o, err1 := meta.Accessor(oldObj)
			n, err2 := meta.Accessor(newObj)
			if err1 != nil || err2 != nil {
				s.changed()
				return
			}
			_, namespace := newObj.(*corev1.Namespace)
			sameSpec := o.GetGeneration() == n.GetGeneration() && (o.GetGeneration() != 0 || namespace)
			if o.GetUID() == n.GetUID() && sameSpec && maps.Equal(o.GetLabels(), n.GetLabels()) &&
				maps.Equal(o.GetAnnotations(), n.GetAnnotations()) {
				return
			}
			s.changed()
		},
		DeleteFunc: func(any) { s.changed() },
	}
}

// snapshotGateway lists the Gateway API objects and Namespaces from the
// caches into set, sorted by namespace and name.
func (g *gatewayWatchers) snapshot(set *ingress.Set) error {
	if g == nil {
		return nil
	}
	var errs []error
	if g.classes != nil {
		errs = append(errs, collect(&set.GatewayClasses, g.classes.List, func(o *gatewayv1.GatewayClass) (ingress.GatewayClass, bool) {
			return ingress.GatewayClass{GatewayClass: o, Source: source}, true
		}))
	}
	errs = append(errs, collect(&set.Namespaces, g.namespaces.List, func(o *corev1.Namespace) (ingress.Namespace, bool) {
		return ingress.Namespace{Namespace: o, Source: source}, true
	}))
	for _, sc := range g.scopes {
		if sc.gateways != nil {
			errs = append(errs, collect(&set.Gateways, sc.gateways.List, func(o *gatewayv1.Gateway) (ingress.Gateway, bool) {
				return ingress.Gateway{Gateway: o, Source: source}, true
			}))
		}
		if sc.httpRoutes != nil {
			errs = append(errs, collect(&set.HTTPRoutes, sc.httpRoutes.List, func(o *gatewayv1.HTTPRoute) (ingress.HTTPRoute, bool) {
				return ingress.HTTPRoute{HTTPRoute: o, Source: source}, true
			}))
		}
		if sc.grpcRoutes != nil {
			errs = append(errs, collect(&set.GRPCRoutes, sc.grpcRoutes.List, func(o *gatewayv1.GRPCRoute) (ingress.GRPCRoute, bool) {
				return ingress.GRPCRoute{GRPCRoute: o, Source: source}, true
			}))
		}
		if sc.grants != nil {
			errs = append(errs, collect(&set.ReferenceGrants, sc.grants.List, func(o *gatewayv1.ReferenceGrant) (ingress.ReferenceGrant, bool) {
				return ingress.ReferenceGrant{ReferenceGrant: o, Source: source}, true
			}))
		}
		if sc.grantsBeta != nil {
			errs = append(errs, collect(&set.ReferenceGrants, sc.grantsBeta.List, func(o *gatewayv1beta1.ReferenceGrant) (ingress.ReferenceGrant, bool) {
				// The same fields in both versions: the cached object is
				// shared, not changed.
				v1 := &gatewayv1.ReferenceGrant{TypeMeta: o.TypeMeta, ObjectMeta: o.ObjectMeta, Spec: o.Spec}
				v1.APIVersion, v1.Kind = gatewayGroupVersion, "ReferenceGrant"
				return ingress.ReferenceGrant{ReferenceGrant: v1, Source: source}, true
			}))
		}
		if sc.policies != nil {
			errs = append(errs, collect(&set.BackendTLSPolicies, sc.policies.List, func(o *gatewayv1.BackendTLSPolicy) (ingress.BackendTLSPolicy, bool) {
				return ingress.BackendTLSPolicy{BackendTLSPolicy: o, Source: source}, true
			}))
		}
	}
	return errors.Join(errs...)
}
