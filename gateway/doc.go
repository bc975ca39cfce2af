// Package gateway is ingressmux's Gateway API front end: it compiles the
// gateway.networking.k8s.io objects of an ingress.Set (GatewayClass,
// Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy) into a
// routing table of *proxy.Route values, the same model the Ingress front
// end emits, with the status of every object as the Gateway API
// specification defines it.
package gateway
