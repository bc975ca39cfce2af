// Package ingressmux serves Kubernetes Ingress routing from any Go program.
//
// People describe HTTP routing as networking.k8s.io/v1 Ingress YAML: hosts,
// paths, Service backends, TLS secrets and ingress-nginx annotations. This
// module turns that YAML into a typed, validated routing table and an
// http.Handler, with no cluster and no controller.
//
// The pipeline, one package per step:
//
//	ingress  decode and validate YAML into typed objects (the only package that knows Kubernetes)
//	route    the compiled, immutable host/path matcher
//	proxy    the http.Handler that serves a route table as a reverse proxy
//	tlsconfig, rewrite  TLS on both sides; path, host and header rewriting
//
// This package will hold the one-call facade that wires them together:
// sources in, a ready handler out. Until it lands, use the ingress package
// directly to load and check manifests.
package ingressmux
