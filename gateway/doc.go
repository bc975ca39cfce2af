// Package gateway is ingressmux's Gateway API front end: it compiles the
// gateway.networking.k8s.io/v1 objects of an ingress.Set (GatewayClass,
// Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy), loaded
// from the same files and directories as Ingresses, into a routing table
// whose rules carry *proxy.Route values (the model the Ingress front end
// emits too, so that one proxy.Handler serves both), together with the
// status of every object as the Gateway API specification defines it.
//
// # What is served
//
// A GatewayClass is served when its controllerName is
// DefaultControllerName ("github.com/ingressmux/ingressmux/gateway") or
// Options.ControllerName; Gateways of other classes, and routes attached
// only to them, are left alone and get no status.
//
// Routes attach to a listener that is accepted even when its certificate
// references do not resolve, and count in its attachedRoutes, but such a
// listener is not programmed and serves nothing.
//
// Gateway listeners of protocol HTTP are served on the program's plain
// listener and HTTPS listeners on its TLS listener, whatever their port
// numbers, which are recorded (Compiled.Listeners) for reports. An HTTPS
// listener terminates TLS with the certificates of its
// tls.certificateRefs (kubernetes.io/tls Secrets; in another namespace
// only with a ReferenceGrant), listed in Compiled.TLS per listener
// hostname for the program's certificate store. allowedRoutes selects
// namespaces (Same by default, All, or a label Selector on the loaded
// Namespaces; every namespace has the label kubernetes.io/metadata.name)
// and kinds (HTTPRoute and GRPCRoute).
//
// A route attaches to the listeners its parentRefs select (by
// sectionName and port) that allow it, for the hostnames the route's and
// the listener's have in common: a listener hostname "*.example.com"
// covers any number of labels, unlike an Ingress wildcard. In a table
// with Ingresses, the most specific wildcard covering a host wins (an
// Ingress "*.b.example.com" before a route "*.example.com"); an Ingress
// wildcard and a route wildcard of the same name share one host entry,
// which then covers any number of labels for both. The listeners
// of one Gateway served on the same listener of the program are isolated:
// a hostname that a more specific one covers is served by its routes only.
// An HTTPS listener without a hostname serves its certificate for the
// hostnames of its routes, and as the default certificate. An HTTPS
// listener "*.example.com" serves its certificate for one label below it
// ("www.example.com") and for every deeper hostname its routes name
// ("a.b.example.com", "*.b.example.com"); a deeper name that no route
// names gets the default certificate, as a certificate "*.example.com"
// does not cover it anyway. A route
// attached only to HTTP listeners answers only requests received on the
// program's plain-HTTP listener, and one attached only to HTTPS listeners
// only requests received on its TLS listener: the usual pair of an HTTP
// listener whose route redirects to HTTPS and an HTTPS listener whose
// route serves the same hostname works as written.
//
// HTTPRoute matches (path Exact, PathPrefix and RegularExpression;
// headers and query parameters Exact and RegularExpression; method)
// become the route package's paths and Conditions, ordered as Gateway
// API orders them: hostname specificity, Exact path, longest prefix,
// method, number of header matches, of query matches, then the oldest
// route, its namespace/name and the rule order (route.Tiebreak). A
// GRPCRoute's method match becomes a match of the request path
// "/service/method": service and method an Exact path, a service alone a
// prefix, a method alone or regular expressions a RegularExpression
// path, which the route package tries before prefixes, so a method-only
// match wins over a service-only one where the specification ranks the
// service first. An HTTPRoute and a GRPCRoute with hostnames in common
// are not both accepted on one listener: the oldest (then the first by
// namespace/name) is, and the other is not Accepted there
// (NotAllowedByListeners), as the specification requires.
//
// backendRefs name Services (resolved as for Ingresses: overrides,
// the Resolver, EndpointSlices, cluster DNS) and split the requests by
// weight. A backendRef that does not resolve (BackendNotFound,
// InvalidKind, RefNotPermitted: another namespace without a
// ReferenceGrant) answers 500 for its share of the requests, as does a
// rule without backends. A Service port with appProtocol
// kubernetes.io/h2c (or h2c, grpc), and every GRPCRoute backend, is
// spoken to over HTTP/2 without TLS; kubernetes.io/wss and https mean
// TLS, verified against the Service's cluster DNS name; kubernetes.io/ws
// and http mean HTTP/1.1. Any other appProtocol, or HTTP/1.1 for a
// GRPCRoute, makes the backend invalid (UnsupportedProtocol), answering
// 500 for its share. A BackendTLSPolicy makes the proxy speak HTTPS (or
// HTTP/2 over TLS) to the Services it targets, with its hostname as SNI
// and verified name, trusting the CA certificates of its ConfigMap or
// Secret references (key ca.crt) or the system's; a policy whose CA
// cannot be read makes the backend answer 500.
//
// Filters: RequestHeaderModifier and ResponseHeaderModifier (set
// replaces, add appends to what was sent as "sent,added", remove
// deletes) and CORS are applied. RequestRedirect answers with the
// request's URL with its scheme, hostname, port and path replaced (a
// ReplacePrefixMatch replaces what the match's prefix matched; with no
// port, a scheme's well-known port, else the port the client addressed,
// and a default port left out of Location), with 302 unless statusCode
// says otherwise. URLRewrite sets the Host sent to the backend and
// replaces its path (ReplaceFullPath, or ReplacePrefixMatch element by
// element: "/prefix/one" becomes "/one", "/prefix" becomes "/").
// RequestMirror (HTTPRoute and GRPCRoute) sends a copy of each request,
// or of the share its percent or fraction says, to one endpoint of its
// Service, fire and forget, without ever delaying or failing the
// request; a mirror whose backendRef does not resolve is dropped and
// makes ResolvedRefs false. timeouts.request bounds the whole request and
// timeouts.backendRequest each attempt at the backend (504 when exceeded;
// "0s" turns them off). A RequestHeaderModifier on a backendRef edits the
// requests sent to that backend alone. A rule with a filter that is not
// applied (other filters on a backendRef, ExternalAuth, ExtensionRef)
// answers 500 rather than serve requests without it, with a warning and
// the route's PartiallyInvalid condition. retry and sessionPersistence
// are ignored with a warning.
//
// # Status
//
// Compile returns the status of each served GatewayClass (Accepted),
// Gateway (Accepted, Programmed; per listener Accepted, Conflicted,
// Programmed, ResolvedRefs and the number of attached routes), route
// (per parent Accepted, ResolvedRefs, PartiallyInvalid) and
// BackendTLSPolicy (per Gateway Accepted, ResolvedRefs), with the
// specification's reasons (NotAllowedByListeners,
// NoMatchingListenerHostname, NoMatchingParent, RefNotPermitted,
// BackendNotFound, InvalidKind, InvalidCertificateRef, InvalidRouteKinds,
// HostnameConflict, ProtocolConflict, UnsupportedProtocol,
// NoValidCACertificate, InvalidCACertificateRef, ...), as the types of
// sigs.k8s.io/gateway-api, sorted, and the same from run to run.
//
// # Validation
//
// Validate, ValidateSource and ValidateObject check Gateway API objects as
// a kube-apiserver with the Gateway API CRDs installed does: the CRDs'
// OpenAPI schemas and CEL rules, with the apiserver's field paths.
// Compile validates every object it reads so, and leaves out those the
// apiserver would refuse, reporting each problem with its file, line,
// object and field path.
//
// # Conformance
//
// The tests of this package port the Gateway API conformance suite's
// tests (GATEWAY-HTTP profile) that apply without a cluster: their
// manifests, adapted, are loaded beside the suite's base objects and their
// requests go through proxy.Handler to echo backends on 127.0.0.1,
// checking the backend, the request as it saw it, the response and the
// status conditions the test asserts. Covered: GatewayHTTPListenerIsolation,
// HTTPRouteCORS, HTTPRouteCrossNamespace, HTTPRouteDisallowedKind,
// HTTPRouteExactPathMatching, HTTPRouteHeaderMatching,
// HTTPRouteHostnameIntersection, HTTPRouteInvalidBackendRefUnknownKind,
// HTTPRouteInvalidCrossNamespaceBackendRef,
// HTTPRouteInvalidCrossNamespaceParentRef,
// HTTPRouteInvalidNonExistentBackendRef,
// HTTPRouteInvalidParentRefNotMatchingListenerPort,
// HTTPRouteInvalidParentRefNotMatchingSectionName,
// HTTPRouteInvalidReferenceGrant, HTTPRouteListenerHostnameMatching,
// HTTPRouteMatching, HTTPRouteMatchingAcrossRoutes,
// HTTPRouteMethodMatching, HTTPRouteNamedRule, HTTPRouteOmittedBackendRefs,
// HTTPRouteBackendProtocolH2C, HTTPRouteBackendProtocolWebSocket,
// HTTPRoutePartiallyInvalidViaInvalidReferenceGrant,
// HTTPRoutePathMatchOrder, HTTPRouteQueryParamMatching,
// HTTPRouteReferenceGrant, HTTPRouteRequestHeaderModifier,
// HTTPRouteResponseHeaderModifier, HTTPRouteSimpleSameNamespace,
// HTTPRouteWeight, HTTPRoute303Redirect, HTTPRoute307Redirect,
// HTTPRoute308Redirect, HTTPRouteRedirectHostAndStatus,
// HTTPRouteRedirectPath, HTTPRouteRedirectPort, HTTPRouteRedirectScheme,
// HTTPRouteRedirectPortAndScheme (both HTTP listeners are served on the
// program's plain listener, and the port a client addressed is the one in
// its Host header), HTTPRouteRewriteHost, HTTPRouteRewritePath,
// HTTPRouteRequestMirror, HTTPRouteRequestMultipleMirrors,
// HTTPRouteRequestPercentageMirror (the copies counted at the mirror's
// echo backend instead of in its logs), HTTPRouteRequestTimeout,
// HTTPRouteBackendRequestTimeout,
// HTTPRouteRequestHeaderModifierBackendWeights, and of the Gateway's own
// status,
// GatewayWithAttachedRoutes, GatewayInvalidRouteKind,
// GatewayInvalidTLSConfiguration, GatewaySecretMissingReferenceGrant, GatewaySecretInvalidReferenceGrant,
// GatewaySecretReferenceGrantSpecific,
// GatewaySecretReferenceGrantAllInNamespace and
// GatewayInvalidParametersRef (no parameters are supported, so a Gateway
// that names any is not Accepted), and of GRPCRoute,
// GRPCExactMethodMatching, GRPCRouteHeaderMatching and
// GRPCRouteListenerHostnameMatching.
//
// Not covered, and why:
//   - HTTPRouteBackendRequestRedirect and HTTPRouteBackendURLRewrite
//     (redirects and rewrites on a backendRef; in the suite after v1.6):
//     only a RequestHeaderModifier is applied on a backendRef;
//   - the observed-generation and modification tests
//     (GatewayClassObservedGenerationBump, GatewayObservedGenerationBump,
//     HTTPRouteObservedGenerationBump, GatewayModifyListeners): they change
//     objects in a cluster; here every condition carries the object's
//     metadata.generation, which is what they check;
//   - HTTPRouteHTTPSListenerDetectMisdirectedRequests and the frontend
//     client-certificate tests: they need the program's TLS listener to
//     check SNI against Host and client certificates, which it does not;
//     HTTPRouteHTTPSListener is ported by the tests of package ingressmux,
//     which serve a Mux on a TLS listener;
//   - GatewayStaticAddresses, GatewayInfrastructure,
//     GatewayOptionalAddressValue: spec.addresses is not supported (the
//     program listens where it is told to; the Gateway is not Accepted);
//   - GRPCRouteWeight, GRPCRouteNamedRule, GRPCRouteRequestHeaderModifier
//     and the BackendTLSPolicy GRPCRoute test: they read the gRPC echo
//     server's answers with a gRPC client, which is not a dependency of
//     this module; GRPCExactMethodMatching, GRPCRouteHeaderMatching and
//     GRPCRouteListenerHostnameMatching are ported with the calls sent as
//     HTTP/2 POSTs of the gRPC path (a 404 is what a gRPC client reads as
//     Unimplemented);
//   - the BackendTLSPolicy tests: they need the suite's TLS backends; a
//     test here serves HTTPS on 127.0.0.1 and checks SNI, verification
//     and the policy status instead;
//   - HTTPRouteServiceTypes: it needs Services with real EndpointSlices;
//   - HTTPRouteMultipleGateways and HTTPRouteListenerPortMatching: they
//     tell Gateways and listeners apart by address and port, and this
//     package serves every Gateway's HTTP listeners from one table on one
//     listener of the program;
//   - Experimental features (retry, session persistence, external auth,
//     ListenerSet, TLSRoute, TCPRoute, UDPRoute): not implemented.
package gateway
