//go:build integration

package clustertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/ingressmux/ingressmux/internal/kubetest"
	"github.com/ingressmux/ingressmux/internal/testpki"
)

// appNamespace holds the test's Services, EndpointSlices, Secrets and
// Ingresses.
const appNamespace = "shop"

// statusAddress is the load balancer address the test gives the Service
// the shipped Deployment publishes (-publish-service), as a cloud's load
// balancer controller would, and so what the replicas write into Ingress
// status. No traffic goes to it: it is only written into the API.
const statusAddress = "198.19.255.254"

// cluster is a control plane with the shipped manifests applied, a network
// namespace of echo backends, and what the tests need to know about both.
type cluster struct {
	cp *kubetest.ControlPlane
	ns *kubetest.Netns
	// echoes are the backends, by name, listening inside ns.
	echoes map[string]*kubetest.Echo
	// class is the IngressClass the manifests install.
	class string
	// serviceAccount is the namespace and name of the ServiceAccount the
	// manifests bind to the ClusterRole; the replicas run with its tokens.
	serviceAccount [2]string
	// args are the program's arguments in the shipped Deployment.
	args []string
	// electionNamespace and electionID name the replicas' Lease, as the
	// Deployment's arguments say.
	electionNamespace, electionID string
	// ca signs the certificates of the TLS Secrets.
	ca *testpki.CA
}

// newCluster starts a control plane, applies the shipped deploy manifests to
// it, and serves one echo backend per name inside a new network namespace.
func newCluster(tb testing.TB, echoNames ...string) *cluster {
	tb.Helper()
	c := &cluster{cp: kubetest.Start(tb), echoes: map[string]*kubetest.Echo{}, ca: testpki.NewCA(tb, "clustertest")}
	c.readManifests(tb, c.cp.ApplyFiles(tb, shippedManifests(tb)...))
	c.publishLoadBalancer(tb)
	c.ns = kubetest.NewNetns(tb)
	for _, name := range echoNames {
		c.echoes[name] = kubetest.ServeEcho(tb, c.ns.MustListen(tb), name)
	}
	c.create(tb, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNamespace}})
	return c
}

// readManifests finds, in the applied manifests, the names the replicas'
// flags and the test's objects must agree with.
func (c *cluster) readManifests(tb testing.TB, objs []*unstructured.Unstructured) {
	tb.Helper()
	for _, obj := range objs {
		switch obj.GetKind() {
		case "IngressClass":
			c.class = obj.GetName()
		case "ServiceAccount":
			c.serviceAccount = [2]string{obj.GetNamespace(), obj.GetName()}
		case "Deployment":
			containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
			if len(containers) != 1 {
				tb.Fatalf("Deployment %s: want one container, found %d", obj.GetName(), len(containers))
			}
			args, _, err := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
			if err != nil {
				tb.Fatalf("Deployment %s: container args: %v", obj.GetName(), err)
			}
			c.args = args
		}
	}
	c.electionNamespace = flagValue(c.args, "election-namespace", "default")
	c.electionID = flagValue(c.args, "election-id", "ingressmux-leader")
	if c.class == "" || c.serviceAccount[1] == "" || c.args == nil {
		tb.Fatalf("the deploy manifests should hold an IngressClass, a ServiceAccount and a Deployment with args; found class %q, ServiceAccount %q, args %q",
			c.class, c.serviceAccount, c.args)
	}
	if flagValue(c.args, "ingress-class", "") != c.class {
		tb.Fatalf("the Deployment serves -ingress-class %q, the manifests' IngressClass is %q", flagValue(c.args, "ingress-class", ""), c.class)
	}
}

// publishLoadBalancer gives the Service that the Deployment's
// -publish-service names the load balancer address statusAddress, as a
// cloud's controller would; with -publish-status-address the Deployment
// must publish statusAddress itself.
func (c *cluster) publishLoadBalancer(tb testing.TB) {
	tb.Helper()
	if addr := flagValue(c.args, "publish-status-address", ""); addr != "" {
		if addr != statusAddress {
			tb.Fatalf("the Deployment publishes %q; the test expects %q in Ingress status", addr, statusAddress)
		}
		return
	}
	ns, name, ok := strings.Cut(flagValue(c.args, "publish-service", ""), "/")
	if !ok {
		tb.Fatalf("the Deployment publishes no status address: its args %q have neither -publish-service NS/NAME nor -publish-status-address", c.args)
	}
	services := c.cp.Admin.CoreV1().Services(ns)
	svc, err := services.Get(apiContext(tb), name, metav1.GetOptions{})
	if err != nil {
		tb.Fatalf("the Service -publish-service names: %v", err)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: statusAddress}}
	if _, err := services.UpdateStatus(apiContext(tb), svc, metav1.UpdateOptions{}); err != nil {
		tb.Fatalf("setting the load balancer address of Service %s/%s: %v", ns, name, err)
	}
}

// flagValue returns the value of -name (or --name) in args, given as
// -name=value or -name value, or def if args do not set it.
func flagValue(args []string, name, def string) string {
	for i, arg := range args {
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || flagName != name {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}

// withoutFlags returns args without the flags named in drop (and their
// values).
func withoutFlags(args []string, drop ...string) []string {
	var kept []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if strings.HasPrefix(args[i], "-") && slices.Contains(drop, name) {
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		}
		kept = append(kept, args[i])
	}
	return kept
}

// shippedManifests returns the deploy manifests to apply: the resources
// their kustomization.yaml lists, in its order, as `kubectl apply -k` would
// apply them, or else every *.yaml file.
func shippedManifests(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(*deployDir, "kustomization.yaml"))
	if errors.Is(err, os.ErrNotExist) {
		paths, err := filepath.Glob(filepath.Join(*deployDir, "*.yaml"))
		if err != nil || len(paths) == 0 {
			tb.Fatalf("no deploy manifests in %s (%v)", *deployDir, err)
		}
		return paths
	}
	if err != nil {
		tb.Fatal(err)
	}
	// Strict: a kustomization doing more than list resources (patches, a
	// namespace, generators) would make the test apply something other
	// than what users apply.
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		tb.Fatalf("%s/kustomization.yaml: only a list of resources is supported here: %v", *deployDir, err)
	}
	var paths []string
	for _, r := range k.Resources {
		paths = append(paths, filepath.Join(*deployDir, r))
	}
	return paths
}

// apiContext returns a context for one API call.
func apiContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// create creates obj through the API as the administrator.
func (c *cluster) create(tb testing.TB, obj any) {
	tb.Helper()
	ctx, admin, err := apiContext(tb), c.cp.Admin, error(nil)
	opts := metav1.CreateOptions{}
	switch o := obj.(type) {
	case *corev1.Namespace:
		_, err = admin.CoreV1().Namespaces().Create(ctx, o, opts)
	case *corev1.Service:
		_, err = admin.CoreV1().Services(o.Namespace).Create(ctx, o, opts)
	case *corev1.Secret:
		_, err = admin.CoreV1().Secrets(o.Namespace).Create(ctx, o, opts)
	case *discoveryv1.EndpointSlice:
		_, err = admin.DiscoveryV1().EndpointSlices(o.Namespace).Create(ctx, o, opts)
	case *networkingv1.Ingress:
		_, err = admin.NetworkingV1().Ingresses(o.Namespace).Create(ctx, o, opts)
	default:
		tb.Fatalf("create: unexpected %T", obj)
	}
	if err != nil {
		tb.Fatalf("creating %T: %v", obj, err)
	}
}

// addService creates Service name in appNamespace with port 80 ("http"),
// and its EndpointSlice pointing at the named echo backend.
func (c *cluster) addService(tb testing.TB, name, echo string) {
	tb.Helper()
	c.create(tb, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: name},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{
			Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http"),
		}}},
	})
	c.create(tb, c.endpointSlice(tb, name, echo))
}

// endpointSlice is the EndpointSlice of Service name pointing at the echo
// backend, as the EndpointSlice controller would write it. (The backends
// share the namespace's address and differ in port, and a slice has one set
// of ports: one backend per Service.)
func (c *cluster) endpointSlice(tb testing.TB, service, echo string) *discoveryv1.EndpointSlice {
	tb.Helper()
	e := c.echo(tb, echo)
	port, proto, name, ready := int32(e.Addr.Port()), corev1.ProtocolTCP, "http", true
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: appNamespace, Name: service + "-1",
			Labels: map[string]string{discoveryv1.LabelServiceName: service, discoveryv1.LabelManagedBy: "clustertest"},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{e.Addr.Addr().String()},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}},
	}
}

// setEndpoints points Service name's EndpointSlice at another echo backend.
func (c *cluster) setEndpoints(tb testing.TB, service, echo string) {
	tb.Helper()
	ctx := apiContext(tb)
	slices := c.cp.Admin.DiscoveryV1().EndpointSlices(appNamespace)
	current, err := slices.Get(ctx, service+"-1", metav1.GetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	next := c.endpointSlice(tb, service, echo)
	next.ResourceVersion = current.ResourceVersion
	if _, err := slices.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		tb.Fatalf("updating EndpointSlice %s-1: %v", service, err)
	}
}

func (c *cluster) echo(tb testing.TB, name string) *kubetest.Echo {
	tb.Helper()
	e, ok := c.echoes[name]
	if !ok {
		tb.Fatalf("no echo backend %q", name)
	}
	return e
}

// ingress returns an Ingress of the shipped class in appNamespace sending
// host and everything under path to port 80 of service.
func (c *cluster) ingress(name, host, path, service string) *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: name},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &c.class,
			Rules: []networkingv1.IngressRule{{
				Host: host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path: path, PathType: &prefix,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: service, Port: networkingv1.ServiceBackendPort{Number: 80},
						}},
					}},
				}},
			}},
		},
	}
}

// updateIngress reads Ingress name, lets change edit it, and writes it back.
func (c *cluster) updateIngress(tb testing.TB, name string, change func(*networkingv1.Ingress)) {
	tb.Helper()
	ctx := apiContext(tb)
	ingresses := c.cp.Admin.NetworkingV1().Ingresses(appNamespace)
	ing, err := ingresses.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	change(ing)
	if _, err := ingresses.Update(ctx, ing, metav1.UpdateOptions{}); err != nil {
		tb.Fatalf("updating Ingress %s: %v", name, err)
	}
}

// tlsSecret returns a kubernetes.io/tls Secret with a certificate for host
// signed by the cluster's CA.
func (c *cluster) tlsSecret(tb testing.TB, name, host string) *corev1.Secret {
	tb.Helper()
	certPEM, keyPEM := testpki.PEM(c.ca.Issue(tb, host))
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}
}

// leaseHolder returns the holder of the replicas' Lease, "" while there is none.
func (c *cluster) leaseHolder(tb testing.TB) string {
	tb.Helper()
	lease, err := c.cp.Admin.CoordinationV1().Leases(c.electionNamespace).Get(apiContext(tb), c.electionID, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// leader returns the replica that leads, once the Lease names it, it says
// so, and none of the others does; it fails the test if that takes longer
// than timeout.
func (c *cluster) leader(tb testing.TB, replicas []*replica, timeout time.Duration) *replica {
	tb.Helper()
	var leader *replica
	eventually(tb, timeout, "one leader", func() error {
		holder := c.leaseHolder(tb)
		leader = nil
		for _, r := range replicas {
			leads, err := r.leads()
			if err != nil {
				return err
			}
			if leads != (r.name == holder) {
				return fmt.Errorf("Lease held by %q, and %s says it leads: %v", holder, r.name, leads)
			}
			if leads {
				leader = r
			}
		}
		if leader == nil {
			return fmt.Errorf("Lease held by %q, not by a replica", holder)
		}
		return nil
	})
	return leader
}

// statusAddresses returns the addresses in Ingress name's status.
func (c *cluster) statusAddresses(tb testing.TB, name string) ([]string, error) {
	tb.Helper()
	ing, err := c.cp.Admin.NetworkingV1().Ingresses(appNamespace).Get(apiContext(tb), name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, lb := range ing.Status.LoadBalancer.Ingress {
		addrs = append(addrs, lb.IP+lb.Hostname)
	}
	return addrs, nil
}

// eventually calls check until it returns nil, and fails the test with its
// last error if that takes longer than timeout.
func eventually(tb testing.TB, timeout time.Duration, what string, check func() error) time.Duration {
	tb.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
