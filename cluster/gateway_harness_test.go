package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayfake "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/fake"

	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/gateway"
)

// allGatewayResources are the resources an apiserver with the standard
// channel CRDs lists in discovery.
var allGatewayResources = []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"}

// gatewayHarness is a harness whose Source also watches a fake Gateway
// API clientset.
type gatewayHarness struct {
	*harness
	gw *gatewayfake.Clientset
}

// startGateway runs a Source whose apiserver serves the Gateway API
// resources named (none: the CRDs are not installed), holding the
// Kubernetes objects kube and the Gateway API objects gw.
func startGateway(t testing.TB, cfg cluster.Config, served []string, kube []runtime.Object, gw ...runtime.Object) *gatewayHarness {
	t.Helper()
	return startGatewayWith(t, cfg, served, nil, kube, gw...)
}

// startGatewayWith is startGateway with a hook that sees the fake
// Kubernetes clientset before the Source starts.
func startGatewayWith(t testing.TB, cfg cluster.Config, served []string, hook func(*fake.Clientset), kube []runtime.Object, gw ...runtime.Object) *gatewayHarness {
	t.Helper()
	h := &harness{t: t, client: fake.NewClientset(kube...), recorder: newRecorder()}
	if hook != nil {
		hook(h.client)
	}
	if len(served) > 0 {
		list := &metav1.APIResourceList{GroupVersion: gatewayv1.GroupVersion.String()}
		for _, r := range served {
			list.APIResources = append(list.APIResources, metav1.APIResource{Name: r, Namespaced: r != "gatewayclasses"})
		}
		h.client.Resources = append(h.client.Resources, list)
	}
	g := &gatewayHarness{harness: h, gw: gatewayfake.NewSimpleClientset()}
	for _, obj := range gw {
		g.add(obj)
	}
	cfg.Gateway = g.gw
	h.mux, h.source, h.stop = h.run(cfg)
	require.Eventually(t, h.source.Ready, eventually, 5*time.Millisecond, "the source never became ready")
	return g
}

// add puts obj in the fake apiserver as a v1 object. The objects given to
// a fake clientset's constructor go in under the first version the scheme
// lists for their kind, which may be v1beta1, where v1 clients do not see
// them; and NewClientset's REST mapper finds no v1 Gateways at all.
func (g *gatewayHarness) add(obj runtime.Object) {
	g.t.Helper()
	resource := map[string]string{"*v1.GatewayClass": "gatewayclasses", "*v1.Gateway": "gateways", "*v1.HTTPRoute": "httproutes",
		"*v1.GRPCRoute": "grpcroutes", "*v1.ReferenceGrant": "referencegrants", "*v1.BackendTLSPolicy": "backendtlspolicies"}[fmt.Sprintf("%T", obj)]
	require.NotEmpty(g.t, resource, "add: unsupported %T", obj)
	m, err := meta.Accessor(obj)
	require.NoError(g.t, err)
	require.NoError(g.t, g.gw.Tracker().Create(schema.GroupVersionResource{Group: gatewayv1.GroupName, Version: "v1", Resource: resource}, obj, m.GetNamespace()))
}

// gatewayStatusWrites counts the UpdateStatus calls on resource so far.
func (g *gatewayHarness) statusWrites(resource string) int {
	n := 0
	for _, a := range g.gw.Actions() {
		if a.GetVerb() == "update" && a.GetResource().Resource == resource && a.GetSubresource() == "status" {
			n++
		}
	}
	return n
}

func (g *gatewayHarness) httpRoute(namespace, name string) *gatewayv1.HTTPRoute {
	g.t.Helper()
	r, err := g.gw.GatewayV1().HTTPRoutes(namespace).Get(ctx, name, metav1.GetOptions{})
	require.NoError(g.t, err)
	return r
}

func (g *gatewayHarness) gateway(namespace, name string) *gatewayv1.Gateway {
	g.t.Helper()
	gw, err := g.gw.GatewayV1().Gateways(namespace).Get(ctx, name, metav1.GetOptions{})
	require.NoError(g.t, err)
	return gw
}

// Gateway API object builders.

func newGatewayClass(name, controller string) *gatewayv1.GatewayClass {
	return &gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-class-" + name), Generation: 1},
		Spec: gatewayv1.GatewayClassSpec{ControllerName: gatewayv1.GatewayController(controller)}}
}

// ours is the controllerName a Mux serves by default.
const ours = gateway.DefaultControllerName

func newGateway(namespace, name, class string) *gatewayv1.Gateway {
	return &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-gw-" + name), Generation: 1},
		Spec: gatewayv1.GatewaySpec{GatewayClassName: gatewayv1.ObjectName(class),
			Listeners: []gatewayv1.Listener{{Name: "http", Protocol: gatewayv1.HTTPProtocolType, Port: 80}}}}
}

func newHTTPRoute(namespace, name, gatewayName, host, service string) *gatewayv1.HTTPRoute {
	port := gatewayv1.PortNumber(80)
	return &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-route-" + name), Generation: 1},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: gatewayv1.ObjectName(gatewayName)}}},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(host)},
			Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(service), Port: &port}}}}}},
		}}
}

// condition returns the condition of type typ in conds, failing if none.
func condition(t testing.TB, conds []metav1.Condition, typ string) metav1.Condition {
	t.Helper()
	for _, c := range conds {
		if c.Type == typ {
			return c
		}
	}
	t.Fatalf("no condition %s in %v", typ, conds)
	return metav1.Condition{}
}

// ourParent returns the parent entry of our controller, failing if none.
func ourParent(t testing.TB, r *gatewayv1.HTTPRoute) gatewayv1.RouteParentStatus {
	t.Helper()
	for _, p := range r.Status.Parents {
		if p.ControllerName == ours {
			return p
		}
	}
	t.Fatalf("no parent entry of %s in %+v", ours, r.Status.Parents)
	return gatewayv1.RouteParentStatus{}
}

// heldLease is the election Lease of fastElection, held for an hour by
// holder.
func heldLease(holder string) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: fastElection.Namespace, Name: fastElection.Name},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr(holder),
			LeaseDurationSeconds: ptr(int32(3600)),
			AcquireTime:          &metav1.MicroTime{Time: time.Now()},
			RenewTime:            &metav1.MicroTime{Time: time.Now()},
		},
	}
}
