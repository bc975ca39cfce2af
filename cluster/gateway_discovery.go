package cluster

import (
	"context"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"
)

// Whether the apiserver serves the Gateway API is asked of discovery: at
// the start, and every ProbeInterval until it does, so that CRDs installed
// after the start are picked up and the Ingresses are never held back.

// discoverGatewayResources asks discovery once; nil without the CRDs.
func (s *Source) discoverGatewayResources() (map[string]bool, error) {
	list, err := s.cfg.Client.Discovery().ServerResourcesForGroupVersion(gatewayGroupVersion)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	served := map[string]bool{}
	for _, r := range list.APIResources {
		if slices.Contains(gatewayResources, r.Name) {
			served[r.Name] = true
		}
	}
	if len(served) > 0 && !served[resReferenceGrants] {
		beta, err := s.cfg.Client.Discovery().ServerResourcesForGroupVersion(gatewayv1beta1.GroupVersion.String())
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if err == nil && slices.ContainsFunc(beta.APIResources, func(r metav1.APIResource) bool { return r.Name == resReferenceGrants }) {
			served[resReferenceGrantsBeta] = true
		}
	}
	return served, nil
}

// addGatewayInformers adds to w the informers of the Gateway API kinds the
// apiserver serves, and of Namespaces (whose labels listeners select
// routes by), when Config.Gateway is set. When it serves none, or does not
// answer, the Source asks again later (see awaitGatewayAPI): the start of
// the Ingress informers never waits for it.
func (s *Source) addGatewayInformers(w *watchers, register registerFunc) error {
	if s.cfg.Gateway == nil {
		return nil
	}
	served, err := s.discoverGatewayResources()
	if err != nil {
		s.health.watchFailed(s, "discovery of "+gatewayGroupVersion, err)
		w.awaitGateway, w.gatewayUnknown = true, true
		return nil
	}
	if len(served) == 0 {
		s.notServed()
		w.awaitGateway = true
		return nil
	}
	g, factories, err := s.newGatewayWatchers(served, register)
	if err != nil {
		return err
	}
	w.factories = append(w.factories, factories...)
	w.gateway.Store(g)
	return nil
}

// notServed says, once, that the apiserver does not serve the Gateway API.
func (s *Source) notServed() {
	if !s.saidNotServed.Swap(true) {
		s.logger.Info("cluster: the apiserver does not serve the Gateway API (" + gatewayGroupVersion + "): serving Ingresses; watching for its CRDs")
	}
}

// watchGatewayAPI asks discovery once whether the apiserver serves the
// Gateway API and, if it does, starts its informers, waits until they have
// listed, and makes them the Source's, with a compile of what they hold.
// It reports whether the Gateway API is watched now.
func (s *Source) watchGatewayAPI(ctx context.Context, w *watchers) bool {
	served, err := s.discoverGatewayResources()
	switch {
	case err != nil:
		return false // unreachable: the probe and the informers say so
	case len(served) == 0:
		s.notServed()
		return false
	}
	var synced []cache.InformerSynced
	g, factories, err := s.newGatewayWatchers(served, s.register(&synced))
	if err != nil {
		s.logger.Error("cluster: watching the Gateway API", "err", err)
		return false
	}
	if !w.startLate(ctx, factories) || !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return false // stopping
	}
	w.gateway.Store(g)
	s.changed()
	return true
}

// awaitGatewayAPI asks discovery every ProbeInterval whether the apiserver
// serves the Gateway API, until it does (its CRDs were installed after
// the Source started) and its objects are watched, or ctx is done.
func (s *Source) awaitGatewayAPI(ctx context.Context, w *watchers) {
	t := time.NewTicker(s.cfg.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.watchGatewayAPI(ctx, w) {
			return
		}
	}
}
