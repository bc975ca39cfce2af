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
//		mux, err := ingressmux.Load(ingressmux.Config{Paths: []string{"./manifests"}})
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
// their backends and returns a Mux: an http.Handler (a reverse proxy built
// on net/http/httputil) and, through TLSConfig, the certificates of the
// Ingresses' TLS secrets chosen by SNI. Reload re-reads the same sources and
// swaps the new routing in only if it builds; a bad edit never replaces a
// good table.
//
// Objects that do not come from files (a live cluster, through the cluster
// package; a database; a test) go in with LoadObjects and ReplaceObjects,
// whole sets at a time, through the same validation and compilation.
//
// # Where backends are
//
// Outside a cluster, Services have no addresses of their own. A backend
// "namespace/service:port" resolves, in order: to Config.Backends (an
// override such as "http://127.0.0.1:8080"), to Config.Resolver, to a loaded
// ExternalName Service, to the ready endpoints of loaded EndpointSlices, and
// last to the cluster DNS name, with a warning.
//
// # The packages
//
//	ingress    decode and validate YAML into typed objects, merge, annotations (the only package that knows Kubernetes)
//	route      the compiled, immutable host/path matcher
//	proxy      the http.Handler that serves a route table as a reverse proxy
//	tlsconfig  certificates by SNI, client TLS to HTTPS backends
//	rewrite    path, host and header rewriting, redirects
//
// This package wires them: ingress in, proxy out.
package ingressmux
