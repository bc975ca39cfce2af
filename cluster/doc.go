// Package cluster serves the Ingresses and Gateway API objects of a live
// Kubernetes cluster: a Source watches the apiserver with client-go shared
// informers and feeds every change, as a whole object set, to a Target (an
// *ingressmux.Mux), which validates and compiles it exactly as it does
// files.
//
// # What is watched
//
// Ingresses, Services, EndpointSlices, Secrets and ConfigMaps in every
// namespace, or in those of Config.Namespaces (one informer per kind and
// namespace), and the cluster-scoped IngressClasses. Which Ingresses are
// served is decided as for files, by the Target's ingress.Options
// (IngressClass, the default IngressClass, RejectClassless).
//
// To save memory, every object loses its managedFields and kubectl's
// last-applied-configuration annotation before it is cached. Secrets of
// the types routing never reads (Helm releases, service account tokens,
// registry credentials, bootstrap tokens) are left out of the watch by a
// field selector; of the rest, only kubernetes.io/tls, Opaque and
// kubernetes.io/basic-auth Secrets keep their data (TLS certificates,
// proxy-ssl-secret, auth-secret). A watch on every Secret of a type that
// may be referenced is chosen over fetching referenced Secrets on demand:
// an Ingress that starts referencing a Secret, or a Secret that is
// created after the Ingress naming it, takes effect at once, and the
// permissions needed stay list and watch.
//
// # Changes
//
// Event handlers only enqueue; a workqueue waits Config.Debounce (100 ms)
// after a change for the ones that follow, so that a burst of changes, or
// an informer's re-list after the apiserver comes back, costs one
// compile. Updates that change nothing routing reads (an Ingress's status,
// a resync) cause none. A failed compile is retried with exponential
// back-off. The Source is ready (Source.Ready) once every informer has
// listed its kind and the first set has been handed over.
//
// # Invalid objects
//
// An Ingress that fails validation or compilation is left out, with a
// warning in the log and a Warning Event on it (reason Invalid). When an
// update breaks an Ingress that compiled before, its last good version
// keeps serving in its place, with an Event of reason KeptLastGood that
// names both resource versions; a Normal Event (reason Sync) says when it
// is valid again. Each problem is said once, not on every compile. An
// object of another kind that the Target refuses is left out with a
// warning, and everything else is served.
//
// # Status and leader election
//
// With Config.Status, the replica holding a coordination.k8s.io Lease
// (Config.Election: 15 s lease, 10 s renew deadline, 2 s retry period, as
// Kubernetes' own controllers use) writes status.loadBalancer.ingress of
// the Ingresses served: the given addresses, or those of a Service's load
// balancer, as ingress-nginx's --publish-status-address and
// --publish-service do. It writes when it takes the Lease, after every
// change, and when the published Service changes; only where the value
// differs, retrying on conflicts. Every replica serves traffic, leader or
// not; a replica that loses the Lease keeps serving and stands again.
//
// # The apiserver going away
//
// The Target keeps serving the last table. Informers re-list when their
// watches can resume (also when the resource version they held has
// expired), and what changed meanwhile is compiled like any change. A
// probe of the apiserver's /readyz every Config.ProbeInterval notices its
// return; Source.Health reports the state, and the log says when it goes
// and when it comes back.
//
// # Gateway API
//
// With Config.Gateway, the Source asks discovery which kinds of
// gateway.networking.k8s.io/v1 the apiserver serves, and watches
// GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes, ReferenceGrants and
// BackendTLSPolicies (those of them it serves; ReferenceGrants in v1beta1
// where the CRDs of releases before v1.5 serve them only there) and
// Namespaces, whose labels listeners select routes by. They go in the same set as the
// Ingresses, so that both are served from one table. An apiserver without
// the Gateway API CRDs is said so once in the log, and the Ingresses are
// served alone; discovery is asked again every Config.ProbeInterval, and
// once the CRDs are installed their objects are watched and served
// (kinds missing from a partial install are picked up on the next start).
// Discovery never holds the Ingresses back: when the apiserver does not
// answer it at the start, it is asked again once the other informers have
// listed, before the first set is compiled.
// Updates that change only an object's status (generation, labels and
// annotations unchanged) cost no compile. An object that the Target
// refuses (one the Gateway API CRDs of v1.6.3 would not admit, stored by
// an apiserver with other CRDs) is handled as an invalid Ingress is: an
// update keeps the last good version serving (Event KeptLastGood), a new
// object is left out (Event Invalid), and everything else is served.
// Problems the specification reports in status (a missing backend, a
// reference without a ReferenceGrant) are reported there, not as Events.
//
// With Config.Status, the leader also writes the status the Target
// computed (see GatewayTarget) to the status subresources: the
// GatewayClasses of Config.GatewayController, their Gateways (conditions,
// listeners, and the published addresses), the parent entries of this
// controller in HTTPRoutes and GRPCRoutes, and its ancestor entries in
// BackendTLSPolicies. Entries of other controllers are left as they are;
// entries of this controller for parents no longer served are removed. A
// condition whose status did not change keeps its lastTransitionTime;
// observedGeneration is the generation compiled; an object is written only
// when its status differs in something other than the times.
//
// # Permissions
//
// The verbs the Source uses: list and watch of ingresses, ingressclasses,
// services, endpointslices, secrets and configmaps; get of ingresses and
// update of ingresses/status (status writes); create and patch of events;
// get, create and update of leases in the election namespace. With the
// Gateway API: list and watch of gatewayclasses, gateways, httproutes,
// grpcroutes, referencegrants, backendtlspolicies and namespaces; get of
// gatewayclasses, gateways, httproutes, grpcroutes and backendtlspolicies
// and update of their status subresources (status writes).
package cluster
