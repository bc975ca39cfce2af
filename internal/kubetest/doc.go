// Package kubetest runs a real Kubernetes control plane for integration
// tests: etcd and kube-apiserver as child processes on loopback, with free
// ports and temporary directories, plus the pieces a test of an ingress
// controller needs around them.
//
// # Binaries
//
// The control plane needs an etcd and a kube-apiserver binary. They are
// taken from the environment variables INGRESSMUX_ETCD and
// INGRESSMUX_KUBE_APISERVER when set, else etcd from PATH and kube-apiserver
// from the cache the repository's CI script fills
// (${XDG_CACHE_HOME:-$HOME/.cache}/ingressmux/kube-apiserver-VERSION, where
// VERSION is the Kubernetes release matching the k8s.io/api module this test
// binary was built with). A missing binary fails the test with a message
// naming the script that provides it.
//
// # Control plane
//
// Start runs etcd and kube-apiserver with RBAC authorization, a static
// administrator token and a service-account signing key, waits for /readyz,
// and registers cleanup with the test: both processes are stopped and their
// directories removed when the test ends, whether it passed or not. The
// administrator client is for the test's own setup; the program under test
// gets a kubeconfig for a ServiceAccount instead, whose rights are what the
// applied manifests grant (ControlPlane.ServiceAccountKubeconfig), so a test
// proves a shipped ClusterRole sufficient. StopAPIServer and StartAPIServer
// restart kube-apiserver on the same address, for tests of clients that must
// ride out an apiserver restart. ControlPlane.InstallCRDs applies
// CustomResourceDefinitions and waits until discovery serves them.
//
// # Network namespaces
//
// kube-apiserver refuses loopback addresses in EndpointSlices. NewNetns makes
// a network namespace joined to the host by a veth pair with addresses from
// the benchmarking range 198.18.0.0/15, and Netns.Listen opens a listening
// socket inside it, so test backends served by the test process itself are
// reachable from the host at a non-loopback address. The namespace is always
// deleted when the test ends; namespaces left behind by test processes that
// died are deleted by the next NewNetns. Creating namespaces needs root
// (CAP_NET_ADMIN and CAP_SYS_ADMIN).
//
// The package is for tests only: every function that takes a testing.TB ends
// the test through tb.Fatal on failure.
package kubetest
