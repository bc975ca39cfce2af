// Package ingressmux serves Kubernetes Ingress routing from any Go program.
//
// People describe HTTP routing as networking.k8s.io/v1 Ingress YAML: hosts,
// paths, Service backends, TLS secrets and ingress-nginx annotations. This
// module turns that YAML into a typed, validated routing table and an
// http.Handler, with no cluster and no controller, and never templates
// configuration text.
//
// # Serving a directory of Ingress YAML
//
// The ten-line program:
//
//	func main() {
//		mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"./manifests"}})
//		if err != nil {
//			log.Fatal(err) // every problem, with file, line, object and field
//		}
//		srv := &http.Server{Addr: ":8443", Handler: mux, TLSConfig: mux.TLSConfig(),
//			ReadHeaderTimeout: 10 * time.Second}
//		go http.ListenAndServe(":8080", mux) // plain HTTP: redirects hosts that have TLS
//		log.Fatal(srv.ListenAndServeTLS("", ""))
//	}
//
// Load reads files and directories (or an fs.FS such as embed.FS),
// validates them as the apiserver would, merges the Ingresses, resolves
// their backends and returns a Mux: an http.Handler (the reverse proxy of
// package proxy) and, through TLSConfig, the certificates of the
// Ingresses' TLS secrets chosen by SNI. Reload re-reads the same sources and
// swaps the new routing in only if it builds; a bad edit never replaces a
// good table. Reload decodes only the files whose content changed and
// compiles only the Ingresses those changes touch. Warnings (what loaded
// but deserves attention) are returned by Warnings and reported nowhere
// else. Close releases the proxy's connections once the server has shut
// down.
//
// Objects that do not come from files (a live cluster, through the cluster
// package; a database; a test) go in with LoadObjects and ReplaceObjects,
// whole sets at a time, through the same validation and compilation; only
// what differs from the set being served is compiled again.
//
// Mux.Apply takes changes to single objects (an Ingress, Service,
// EndpointSlice, Secret, ConfigMap or IngressClass added, updated or
// deleted), as a cluster watch delivers them, and applies them the same
// way; a change that only moves endpoints gives the upstreams their new
// endpoints without a new route table. Mux.SetEndpoints does that for
// endpoints learnt by other means.
//
// # Gateway API beside Ingress
//
// The same sources may hold Gateway API objects (GatewayClass, Gateway,
// HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy of
// gateway.networking.k8s.io/v1): those of the GatewayClasses whose
// controllerName is Config.GatewayController (by default
// "github.com/ingressmux/ingressmux/gateway") are compiled by package
// gateway and served from the same table and certificate store as the
// Ingresses. Where an Ingress rule and an HTTPRoute rule have the same
// host, path and type, the Ingress's is served and the HTTPRoute's is
// reported in the warnings. Mux.Gateway returns their listeners and
// status; the Gateway API routes are compiled whole on every build.
//
// # Where backends are
//
// Outside a cluster, Services have no addresses of their own. A backend
// "namespace/service:port" resolves, in order: to the Backends overrides
// of Config.Options (such as "http://127.0.0.1:8080"), to
// Config.Resolver, to a loaded ExternalName Service, to the ready
// endpoints of loaded EndpointSlices, and last to the cluster DNS name,
// with a warning. Resolve asks again without re-reading the sources.
//
// # Watching and shaping requests
//
// Config.Hooks observe every request (proxy.Info: the rule, Ingress,
// backend, endpoints tried, statuses, sizes and timings) and shape the
// proxying as httputil.ReverseProxy's hooks do: a transport wrapper per
// upstream, ModifyResponse, and an ErrorHandler for the 502, 503 and 504
// pages. A middleware wrapping the Mux reads the same Info with
// proxy.WithInfo.
//
// # Asking what would happen
//
// Explain and ExplainRequest tell what the Mux would do with a request,
// without sending it anywhere: the rule that matched and why, the action
// (proxy, redirect, deny, auth, rate-limit, not-found...), and the request
// the backend would receive. Package ingressmuxtest turns that into
// one-line assertions for routing tests.
//
// # The packages
//
//	ingress    decode and validate YAML into typed objects, merge, annotations
//	gateway    the Gateway API front end: routes, status and validation of Gateway API objects
//	route      the compiled, immutable host/path matcher
//	proxy      the http.Handler that serves a route table as a reverse proxy
//	tlsconfig  certificates by SNI, client TLS to HTTPS backends
//	rewrite    path, host and header rewriting, redirects
//	metrics    Prometheus metrics under ingress-nginx's names (feed it from Hooks.Observe and Hooks.Reloaded)
//	tracing    OpenTelemetry spans per request and per attempt (its Handler and Hooks.WrapTransport)
//	statuspage the routes page: table, endpoint health (Mux.Upstreams), warnings, last reload
//	ingressmuxtest  routing assertions for tests
//
// This package wires them: Ingress and Gateway API in, proxy out.
package ingressmux
