package cluster_test

import (
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/ingressmux/ingressmux/cluster"
)

// backend is the Service and EndpointSlice every route here sends to.
func backend() []runtime.Object {
	return []runtime.Object{newService("default", "web"), newEndpointSlice("default", "web", "10.0.0.1")}
}

func TestGatewayAPIAndIngressesServedFromOneCluster(t *testing.T) {
	kube := append(backend(), newIngress("default", "ing", "ing.example.com", "", "1"))
	g := startGateway(t, cluster.Config{}, allGatewayResources, kube,
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	g.waitRoute("ing.example.com/", "default/ing")
	g.waitRoute("route.example.com/", "httproute default/route")
	assert.Equal(t, []string{"10.0.0.1:8080"}, g.endpoints("route.example.com/"))

	// A route created, changed and deleted in the cluster is served, moved
	// and gone.
	_, err := g.gw.GatewayV1().HTTPRoutes("default").Create(ctx, newHTTPRoute("default", "later", "gw", "later.example.com", "web"), metav1.CreateOptions{})
	require.NoError(t, err)
	g.waitRoute("later.example.com/", "httproute default/later")
	later := g.httpRoute("default", "later")
	later.Spec.Hostnames = []gatewayv1.Hostname{"moved.example.com"}
	later.Generation++ // as the apiserver does on a spec change; a fake one does not
	_, err = g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, later, metav1.UpdateOptions{})
	require.NoError(t, err)
	g.waitRoute("moved.example.com/", "httproute default/later")
	g.waitRoute("later.example.com/", "")
	require.NoError(t, g.gw.GatewayV1().HTTPRoutes("default").Delete(ctx, "later", deleteOptions))
	g.waitRoute("moved.example.com/", "")

	// A Gateway of another controller's class is not served.
	_, err = g.gw.GatewayV1().GatewayClasses().Create(ctx, newGatewayClass("other", "example.com/other"), metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = g.gw.GatewayV1().Gateways("default").Create(ctx, newGateway("default", "theirs", "other"), metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = g.gw.GatewayV1().HTTPRoutes("default").Create(ctx, newHTTPRoute("default", "on-theirs", "theirs", "theirs.example.com", "web"), metav1.CreateOptions{})
	require.NoError(t, err)
	g.create(newIngress("default", "marker", "marker.example.com", "", ""))
	g.waitRoute("marker.example.com/", "default/marker") // the set with their route has been compiled
	assert.Empty(t, g.routes("theirs.example.com/"))
}

func TestWithoutGatewayAPICRDsIngressesAreServed(t *testing.T) {
	logs := &lockedBuffer{}
	kube := append(backend(), newIngress("default", "ing", "ing.example.com", "", "1"))
	g := startGateway(t, cluster.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))}, nil, kube)
	g.waitRoute("ing.example.com/", "default/ing")
	assert.True(t, g.source.Health().Ready)
	assert.Empty(t, g.gw.Actions(), "no Gateway API resource is listed or watched")
	g.create(newIngress("default", "second", "second.example.com", "", ""))
	g.waitRoute("second.example.com/", "default/second")
	assert.Equal(t, 1, logs.count("does not serve the Gateway API"), "said once")
}

func TestPartOfTheGatewayAPIServed(t *testing.T) {
	logs := &lockedBuffer{}
	// An older install without GRPCRoutes and BackendTLSPolicies in v1.
	g := startGateway(t, cluster.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))},
		[]string{"gatewayclasses", "gateways", "httproutes", "referencegrants"}, backend(),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	g.waitRoute("route.example.com/", "httproute default/route")
	assert.Equal(t, 1, logs.count("missing=grpcroutes,backendtlspolicies"))
	for _, a := range g.gw.Actions() {
		assert.NotContains(t, []string{"grpcroutes", "backendtlspolicies"}, a.GetResource().Resource, "not served: not watched")
	}
}

func TestInvalidGatewayAPIObjectIsLeftOut(t *testing.T) {
	// The apiserver of a cluster with other CRDs may store what the
	// standard ones refuse; a fake one stores anything.
	bad := newHTTPRoute("default", "bad", "gw", "bad.example.com", "web")
	bad.Spec.Rules[0].Matches = []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Value: ptr("no-leading-slash")}}}
	g := startGateway(t, cluster.Config{}, allGatewayResources, backend(),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"), bad,
		newHTTPRoute("default", "good", "gw", "good.example.com", "web"))
	g.waitRoute("good.example.com/", "httproute default/good")
	assert.Empty(t, g.routes("bad.example.com/"))
}

func TestLeaderWritesGatewayAPIStatus(t *testing.T) {
	theirs := gatewayv1.RouteParentStatus{
		ParentRef:      gatewayv1.ParentReference{Name: "elsewhere"},
		ControllerName: "example.com/other",
		Conditions: []metav1.Condition{{Type: "Accepted", Status: metav1.ConditionTrue, Reason: "Accepted",
			LastTransitionTime: metav1.NewTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))}},
	}
	route := newHTTPRoute("default", "route", "gw", "route.example.com", "web")
	route.Status.Parents = []gatewayv1.RouteParentStatus{theirs}
	g := startGateway(t, cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7", "lb.example.com"}},
		Election: withIdentity(fastElection, "one"),
	}, allGatewayResources, backend(),
		newGatewayClass("mux", ours), newGatewayClass("other", "example.com/other"),
		newGateway("default", "gw", "mux"), route)

	require.Eventually(t, func() bool { return len(g.httpRoute("default", "route").Status.Parents) == 2 }, eventually, 10*time.Millisecond)
	r := g.httpRoute("default", "route")
	assert.Equal(t, theirs, r.Status.Parents[0], "another controller's entry is left as it was")
	mine := ourParent(t, r)
	accepted := condition(t, mine.Conditions, "Accepted")
	assert.Equal(t, metav1.ConditionTrue, accepted.Status)
	assert.Equal(t, int64(1), accepted.ObservedGeneration)
	assert.False(t, accepted.LastTransitionTime.IsZero())
	assert.Equal(t, metav1.ConditionTrue, condition(t, mine.Conditions, "ResolvedRefs").Status)

	require.Eventually(t, func() bool { return len(g.gateway("default", "gw").Status.Conditions) > 0 }, eventually, 10*time.Millisecond)
	gw := g.gateway("default", "gw")
	assert.Equal(t, metav1.ConditionTrue, condition(t, gw.Status.Conditions, "Accepted").Status)
	assert.Equal(t, metav1.ConditionTrue, condition(t, gw.Status.Conditions, "Programmed").Status)
	require.Len(t, gw.Status.Listeners, 1)
	assert.Equal(t, int32(1), gw.Status.Listeners[0].AttachedRoutes)
	ip, host := gatewayv1.IPAddressType, gatewayv1.HostnameAddressType
	assert.Equal(t, []gatewayv1.GatewayStatusAddress{{Type: &host, Value: "lb.example.com"}, {Type: &ip, Value: "203.0.113.7"}}, gw.Status.Addresses)
	class, err := g.gw.GatewayV1().GatewayClasses().Get(ctx, "mux", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, metav1.ConditionTrue, condition(t, class.Status.Conditions, "Accepted").Status)
	other, err := g.gw.GatewayV1().GatewayClasses().Get(ctx, "other", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Empty(t, other.Status.Conditions, "another controller's class is not ours to write")

	// A change that compiles again writes nothing when the status is right.
	writes := g.statusWrites("httproutes") + g.statusWrites("gateways") + g.statusWrites("gatewayclasses")
	g.create(newIngress("default", "marker", "marker.example.com", "", ""))
	g.waitRoute("marker.example.com/", "default/marker")
	time.Sleep(5 * fastElection.RetryPeriod) // room for a write that should not happen
	assert.Equal(t, writes, g.statusWrites("httproutes")+g.statusWrites("gateways")+g.statusWrites("gatewayclasses"))

	// The backend goes away: ResolvedRefs turns False with a new
	// lastTransitionTime; Accepted keeps its own.
	time.Sleep(1100 * time.Millisecond) // metav1.Time has seconds: a new time must differ
	r = g.httpRoute("default", "route")
	r.Spec.Rules[0].BackendRefs[0].Name = "missing"
	r.Generation = 2
	_, err = g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, r, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, c := range ourParent(t, g.httpRoute("default", "route")).Conditions {
			if c.Type == "ResolvedRefs" && c.Status == metav1.ConditionFalse {
				return true
			}
		}
		return false
	}, eventually, 10*time.Millisecond)
	mine = ourParent(t, g.httpRoute("default", "route"))
	assert.Equal(t, accepted.LastTransitionTime, condition(t, mine.Conditions, "Accepted").LastTransitionTime, "status unchanged: time kept")
	assert.Equal(t, int64(2), condition(t, mine.Conditions, "Accepted").ObservedGeneration)
	resolved := condition(t, mine.Conditions, "ResolvedRefs")
	assert.Equal(t, string(gatewayv1.RouteReasonBackendNotFound), resolved.Reason)
	assert.True(t, resolved.LastTransitionTime.After(accepted.LastTransitionTime.Time), "status changed: a new time")

	// The route moves to another controller's Gateway: our entry goes,
	// theirs stays.
	_, err = g.gw.GatewayV1().Gateways("default").Create(ctx, newGateway("default", "theirs", "other"), metav1.CreateOptions{})
	require.NoError(t, err)
	r = g.httpRoute("default", "route")
	r.Spec.ParentRefs = []gatewayv1.ParentReference{{Name: "theirs"}}
	r.Generation = 3
	_, err = g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, r, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(g.httpRoute("default", "route").Status.Parents) == 1 }, eventually, 10*time.Millisecond)
	assert.Equal(t, theirs, g.httpRoute("default", "route").Status.Parents[0])
}

func TestNoGatewayAPIStatusWithoutTheLease(t *testing.T) {
	g := startGateway(t, cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	}, allGatewayResources, append(backend(), heldLease("someone-else")),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	g.waitRoute("route.example.com/", "httproute default/route")
	time.Sleep(5 * fastElection.RetryPeriod) // several election rounds: the lease stays held
	assert.False(t, g.source.Leader())
	for _, a := range g.gw.Actions() {
		assert.NotEqual(t, "status", a.GetSubresource(), "a replica without the lease wrote %s", a.GetResource().Resource)
	}
	assert.Empty(t, g.httpRoute("default", "route").Status.Parents)
}

func TestBadUpdateOfAGatewayAPIObjectKeepsItsLastGoodVersion(t *testing.T) {
	g := startGateway(t, cluster.Config{}, allGatewayResources,
		append(backend(), newService("default", "other"), newEndpointSlice("default", "other", "10.0.0.2")),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	g.waitRoute("route.example.com/", "httproute default/route")

	// An update the CRDs of v1.6.3 refuse: the route keeps serving as it
	// was, and says why.
	r := g.httpRoute("default", "route")
	r.ResourceVersion, r.Generation = "2", 2
	r.Spec.Rules[0].BackendRefs[0].Name = "other"
	r.Spec.Rules[0].Matches = []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Value: ptr("no-leading-slash")}}}
	_, err := g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, r, metav1.UpdateOptions{})
	require.NoError(t, err)
	event := g.event()
	assert.Contains(t, event, "Warning KeptLastGood update not applied (resourceVersion 2)")
	assert.Contains(t, event, "spec.rules[0].matches[0].path")
	assert.Equal(t, []string{"10.0.0.1:8080"}, g.endpoints("route.example.com/"), "the last good version serves")

	// Another change elsewhere compiles again: nothing is said twice.
	g.create(newIngress("default", "marker", "marker.example.com", "", ""))
	g.waitRoute("marker.example.com/", "default/marker")
	g.noEvent()
	assert.Equal(t, "httproute default/route", g.routes("route.example.com/"))

	// Fixed: the new version serves.
	r = g.httpRoute("default", "route")
	r.ResourceVersion, r.Generation = "3", 3
	r.Spec.Rules[0].Matches = nil
	_, err = g.gw.GatewayV1().HTTPRoutes("default").Update(ctx, r, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Contains(t, g.event(), "Normal Sync valid again; serving resourceVersion 3")
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual([]string{"10.0.0.2:8080"}, g.endpoints("route.example.com/"))
	},
		eventually, 5*time.Millisecond)

	// A new invalid object has no last good version: left out.
	bad := newHTTPRoute("default", "new-bad", "gw", "new-bad.example.com", "web")
	bad.ResourceVersion = "1"
	bad.Spec.Rules[0].Matches = []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Value: ptr("bad")}}}
	g.add(bad)
	assert.Contains(t, g.event(), "Warning Invalid left out, not served")
	assert.Empty(t, g.routes("new-bad.example.com/"))
}

func TestGatewayAPIInstalledAfterTheStart(t *testing.T) {
	var installed atomic.Bool
	notYet := func(c *fake.Clientset) {
		c.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
			if installed.Load() {
				return false, nil, nil // discovery answers from its resources
			}
			return true, nil, apierrors.NewNotFound(schema.GroupResource{}, gatewayv1.GroupVersion.String())
		})
	}
	g := startGatewayWith(t, cluster.Config{ProbeInterval: 20 * time.Millisecond}, allGatewayResources, notYet,
		append(backend(), newIngress("default", "ing", "ing.example.com", "", "1")),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	g.waitRoute("ing.example.com/", "default/ing")
	assert.Empty(t, g.routes("route.example.com/"), "not served before the apiserver serves the Gateway API")
	assert.Empty(t, g.gw.Actions())

	installed.Store(true)
	g.waitRoute("route.example.com/", "httproute default/route")
	assert.Equal(t, "default/ing", g.routes("ing.example.com/"))
	assert.True(t, g.source.Ready())
}

func TestReferenceGrantsServedInV1beta1Only(t *testing.T) {
	// The CRDs of Gateway API releases before v1.5 serve ReferenceGrants
	// in v1beta1 only: they are watched there.
	older := func(c *fake.Clientset) {
		c.Resources = append(c.Resources, &metav1.APIResourceList{GroupVersion: gatewayv1beta1.GroupVersion.String(),
			APIResources: []metav1.APIResource{{Name: "referencegrants", Namespaced: true}}})
	}
	all := gatewayv1.NamespacesFromAll
	gw := newGateway("default", "gw", "mux")
	gw.Spec.Listeners[0].AllowedRoutes = &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: &all}}
	route := newHTTPRoute("app", "route", "gw", "route.example.com", "web")
	route.Spec.ParentRefs[0].Namespace = ptr(gatewayv1.Namespace("default"))
	route.Spec.Rules[0].BackendRefs[0].Namespace = ptr(gatewayv1.Namespace("default"))
	g := startGatewayWith(t, cluster.Config{}, []string{"gatewayclasses", "gateways", "httproutes"}, older, backend(),
		newGatewayClass("mux", ours), gw, route)
	g.waitRoute("route.example.com/", "httproute app/route")
	assert.Empty(t, g.endpoints("route.example.com/"), "no grant yet: the backend is refused")

	grant := &gatewayv1beta1.ReferenceGrant{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "from-app"},
		Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: gatewayv1.GroupName, Kind: "HTTPRoute", Namespace: "app"}},
			To:   []gatewayv1beta1.ReferenceGrantTo{{Group: "", Kind: "Service"}},
		}}
	require.NoError(t, g.gw.Tracker().Create(schema.GroupVersionResource{Group: gatewayv1.GroupName, Version: "v1beta1", Resource: "referencegrants"}, grant, "default"))
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual([]string{"10.0.0.1:8080"}, g.endpoints("route.example.com/"))
	},
		eventually, 5*time.Millisecond, "the v1beta1 grant lets the route reach the backend")
}

func TestDiscoveryFailingAtTheStartDoesNotHoldTheIngressesBack(t *testing.T) {
	var calls atomic.Int32
	flaky := func(c *fake.Clientset) {
		c.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
			if calls.Add(1) == 1 {
				return true, nil, errors.New("connection refused")
			}
			return false, nil, nil
		})
	}
	g := startGatewayWith(t, cluster.Config{}, allGatewayResources, flaky,
		append(backend(), newIngress("default", "ing", "ing.example.com", "", "1")),
		newGatewayClass("mux", ours), newGateway("default", "gw", "mux"),
		newHTTPRoute("default", "route", "gw", "route.example.com", "web"))
	// Asked again once the lists are in: the first set has both.
	assert.Equal(t, "default/ing", g.routes("ing.example.com/"))
	assert.Equal(t, "httproute default/route", g.routes("route.example.com/"))
	assert.Equal(t, int32(2), calls.Load())
}

func TestLeaderWritesGRPCRouteAndBackendTLSPolicyStatus(t *testing.T) {
	system := gatewayv1.WellKnownCACertificatesSystem
	policy := &gatewayv1.BackendTLSPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-tls", UID: "uid-policy", Generation: 1},
		Spec: gatewayv1.BackendTLSPolicySpec{
			TargetRefs: []gatewayv1.LocalPolicyTargetReferenceWithSectionName{{LocalPolicyTargetReference: gatewayv1.LocalPolicyTargetReference{Kind: "Service", Name: "web"}}},
			Validation: gatewayv1.BackendTLSPolicyValidation{Hostname: "web.example.com", WellKnownCACertificates: &system},
		}}
	theirs := gatewayv1.PolicyAncestorStatus{AncestorRef: gatewayv1.ParentReference{Name: "elsewhere"}, ControllerName: "example.com/other",
		Conditions: []metav1.Condition{{Type: "Accepted", Status: metav1.ConditionTrue, Reason: "Accepted", LastTransitionTime: metav1.NewTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))}}}
	policy.Status.Ancestors = []gatewayv1.PolicyAncestorStatus{theirs}
	port := gatewayv1.PortNumber(80)
	grpc := &gatewayv1.GRPCRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "rpc", UID: "uid-rpc", Generation: 1},
		Spec: gatewayv1.GRPCRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "gw"}}},
			Hostnames:       []gatewayv1.Hostname{"rpc.example.com"},
			Rules: []gatewayv1.GRPCRouteRule{{BackendRefs: []gatewayv1.GRPCBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{Name: "web", Port: &port}}}}}},
		}}
	g := startGateway(t, cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	}, allGatewayResources, backend(), newGatewayClass("mux", ours), newGateway("default", "gw", "mux"), grpc, policy)

	require.Eventually(t, func() bool {
		p, err := g.gw.GatewayV1().BackendTLSPolicies("default").Get(ctx, "web-tls", metav1.GetOptions{})
		return err == nil && len(p.Status.Ancestors) == 2
	}, eventually, 10*time.Millisecond)
	p, err := g.gw.GatewayV1().BackendTLSPolicies("default").Get(ctx, "web-tls", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, theirs, p.Status.Ancestors[0], "another controller's ancestor entry is left as it was")
	mine := p.Status.Ancestors[1]
	assert.Equal(t, gatewayv1.GatewayController(ours), mine.ControllerName)
	assert.Equal(t, gatewayv1.ObjectName("gw"), mine.AncestorRef.Name)
	assert.Equal(t, metav1.ConditionTrue, condition(t, mine.Conditions, "Accepted").Status)

	require.Eventually(t, func() bool {
		r, err := g.gw.GatewayV1().GRPCRoutes("default").Get(ctx, "rpc", metav1.GetOptions{})
		return err == nil && len(r.Status.Parents) == 1
	}, eventually, 10*time.Millisecond)
	r, err := g.gw.GatewayV1().GRPCRoutes("default").Get(ctx, "rpc", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, gatewayv1.GatewayController(ours), r.Status.Parents[0].ControllerName)
	assert.Equal(t, metav1.ConditionTrue, condition(t, r.Status.Parents[0].Conditions, "Accepted").Status)
}
