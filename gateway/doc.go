// Package gateway is the Gateway API front end of ingressmux: it reads
// gateway.networking.k8s.io objects (GatewayClass, Gateway, HTTPRoute,
// GRPCRoute, ReferenceGrant, BackendTLSPolicy), validates them as a
// kube-apiserver with the Gateway API CRDs installed does, and turns them
// into routes.
package gateway
