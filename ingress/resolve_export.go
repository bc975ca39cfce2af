package ingress

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/route"
)

// Backends resolves Service backends from the Services and EndpointSlices
// of a Set exactly as Compile does (Options.Backends first, then
// Options.Resolver, then the loaded Services and their EndpointSlices,
// then cluster DNS), for other front ends that route to the same
// Services, such as a Gateway API one.
type Backends struct {
	r *resolver
}

// NewBackends indexes the Services and EndpointSlices of set. Of opts only
// Backends, Resolver and ClusterDomain are used.
func NewBackends(set *Set, opts Options) *Backends {
	return &Backends{r: newResolver(set, &opts, 0)}
}

// Resolve returns where b is, with a warning, the first time b is asked
// for, when the answer may not be what the user expects (a missing
// Service, no ready endpoint). Target.Via says how it was resolved.
func (b *Backends) Resolve(backend route.Backend) (Target, string, error) {
	return b.r.resolve(backend)
}

// Service returns the loaded Service namespace/name, or nil.
func (b *Backends) Service(namespace, name string) *corev1.Service {
	return b.r.services[namespace+"/"+name]
}
