// Package clustertest holds the integration tests of ingress-proxy's cluster
// mode: the program, built once, runs as two replicas (separate processes)
// against a real kube-apiserver and etcd, with the rights the shipped RBAC
// manifests grant and nothing more, and serves Ingresses created through the
// API to echo backends in a network namespace of the test's own; with the
// Gateway API CRDs installed into the apiserver while the replicas run, it
// serves a GatewayClass, Gateway and HTTPRoutes beside them, and the leader
// alone writes their status.
//
// The tests and the propagation benchmark build only with the integration
// tag, need root (for the network namespace) and the binaries that the
// repository's .ci/kube-apiserver.sh provides:
//
//	.ci/kube-apiserver.sh
//	go test -tags integration -count=1 ./examples/ingress-proxy/clustertest
//	go test -tags integration -run '^$' -bench Propagation -benchtime 200x ./examples/ingress-proxy/clustertest
//
// The package has no code of its own besides its tests.
package clustertest
