//go:build integration

package clustertest

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/internal/kubetest"
)

// crdDir holds the Gateway API CRDs (standard channel) the tests install.
const crdDir = "../../../gateway/crds"

// TestIntegrationGatewayAPI runs two replicas against an apiserver without
// the Gateway API, where they serve Ingresses, then installs its CRDs and
// serves a GatewayClass, Gateway and HTTPRoutes made through the API beside
// the Ingress; the leader alone writes their status.
func TestIntegrationGatewayAPI(t *testing.T) {
	c := newCluster(t, "echo-a", "echo-b")
	crds, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs in %s (%v)", crdDir, err)
	}
	gw, err := gatewayclient.NewForConfig(c.cp.AdminConfig)
	if err != nil {
		t.Fatal(err)
	}
	api := gw.GatewayV1()
	c.addService(t, "cart", "echo-a")
	c.addService(t, "catalog", "echo-b")
	c.create(t, c.ingress("shop", "shop.example.test", "/", "cart"))

	replicas := []*replica{c.startReplica(t, "replica-1"), c.startReplica(t, "replica-2")}
	leader := c.leader(t, replicas, leaderTimeout)

	t.Run("without the Gateway API CRDs, Ingresses are served", func(t *testing.T) {
		eventually(t, propagationTimeout, "shop.example.test on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("shop.example.test", "/cart", "echo-a") })
		})
		for _, r := range replicas {
			if n := strings.Count(string(r.proc.Log()), "does not serve the Gateway API"); n != 1 {
				t.Errorf("%s says %d times that the apiserver does not serve the Gateway API, want once", r.name, n)
			}
		}
	})

	port := gatewayv1.PortNumber(80)
	httpRoute := func(name, host, service string) *gatewayv1.HTTPRoute {
		return &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: name},
			Spec: gatewayv1.HTTPRouteSpec{
				CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "web"}}},
				Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(host)},
				Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
					BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(service), Port: &port}}}}}},
			}}
	}

	t.Run("CRDs installed later are picked up", func(t *testing.T) {
		installed := time.Now()
		c.cp.InstallCRDs(t, crds...)
		class := &gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: "ingressmux"},
			Spec: gatewayv1.GatewayClassSpec{ControllerName: gateway.DefaultControllerName}}
		if _, err := api.GatewayClasses().Create(apiContext(t), class, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		web := &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: appNamespace, Name: "web"},
			Spec: gatewayv1.GatewaySpec{GatewayClassName: "ingressmux",
				Listeners: []gatewayv1.Listener{{Name: "http", Protocol: gatewayv1.HTTPProtocolType, Port: 80}}}}
		if _, err := api.Gateways(appNamespace).Create(apiContext(t), web, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := api.HTTPRoutes(appNamespace).Create(apiContext(t), httpRoute("store", "store.example.test", "catalog"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, propagationTimeout, "HTTPRoute store on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("store.example.test", "/shoes", "echo-b") })
		})
		t.Logf("CRDs installed to an HTTPRoute routed on both replicas: %v", time.Since(installed).Round(time.Millisecond))
	})

	t.Run("an HTTPRoute made through the API routes on both replicas", func(t *testing.T) {
		created := time.Now()
		if _, err := api.HTTPRoutes(appNamespace).Create(apiContext(t), httpRoute("sale", "sale.example.test", "cart"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, propagationTimeout, "HTTPRoute sale on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("sale.example.test", "/", "echo-a") })
		})
		t.Logf("HTTPRoute create to routed on both replicas: %v", time.Since(created).Round(time.Millisecond))
		eventually(t, propagationTimeout, "status of HTTPRoute sale", func() error {
			r, err := api.HTTPRoutes(appNamespace).Get(apiContext(t), "sale", metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, p := range r.Status.Parents {
				if p.ControllerName == gateway.DefaultControllerName {
					return wantConditions(p.Conditions, r.Generation, "Accepted", "ResolvedRefs")
				}
			}
			return fmt.Errorf("no parent entry of %s: %+v", gateway.DefaultControllerName, r.Status.Parents)
		})
		t.Logf("HTTPRoute create to its status read back: %v", time.Since(created).Round(time.Millisecond))
		for _, r := range replicas {
			if err := r.routesTo("shop.example.test", "/cart", "echo-a"); err != nil {
				t.Errorf("the Ingress beside the HTTPRoutes: %v", err)
			}
		}
	})

	t.Run("gateway status", func(t *testing.T) {
		eventually(t, propagationTimeout, "status of Gateway web", func() error {
			g, err := api.Gateways(appNamespace).Get(apiContext(t), "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if err := wantConditions(g.Status.Conditions, g.Generation, "Accepted", "Programmed"); err != nil {
				return fmt.Errorf("Gateway web: %w", err)
			}
			if len(g.Status.Listeners) != 1 || g.Status.Listeners[0].AttachedRoutes != 2 {
				return fmt.Errorf("Gateway web: listeners %+v, want one with 2 attached routes", g.Status.Listeners)
			}
			if len(g.Status.Addresses) != 1 || g.Status.Addresses[0].Value != statusAddress {
				return fmt.Errorf("Gateway web: addresses %+v, want [%s]", g.Status.Addresses, statusAddress)
			}
			return nil
		})
		gc, err := api.GatewayClasses().Get(apiContext(t), "ingressmux", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := wantConditions(gc.Status.Conditions, gc.Generation, "Accepted"); err != nil {
			t.Errorf("GatewayClass ingressmux: %v", err)
		}
	})

	t.Run("only the leader writes Gateway API status, once per change", func(t *testing.T) {
		time.Sleep(2 * time.Second) // room for a write that should not happen
		writes := map[string]int{}
		for _, e := range c.cp.AuditEvents(t) {
			if !isGatewayStatusWrite(e) {
				continue
			}
			writes[e.ObjectRef.Resource+" "+e.ObjectRef.Name]++
			if e.CredentialID() != leader.credential {
				t.Errorf("%s %s status written with credential %q, want only the leader %s's %q",
					e.ObjectRef.Resource, e.ObjectRef.Name, e.CredentialID(), leader.name, leader.credential)
			}
		}
		t.Logf("Gateway API status writes: %v", writes)
		for _, route := range []string{"store", "sale"} {
			if n := writes["httproutes "+route]; n != 1 {
				t.Errorf("status of HTTPRoute %s written %d times, want once", route, n)
			}
		}
		if writes["gatewayclasses ingressmux"] != 1 {
			t.Errorf("status of GatewayClass ingressmux written %d times, want once", writes["gatewayclasses ingressmux"])
		}
		if writes["gateways web"] == 0 {
			t.Error("no status write of Gateway web")
		}
	})

	t.Run("least privilege suffices", func(t *testing.T) {
		user := "system:serviceaccount:" + c.serviceAccount[0] + ":" + c.serviceAccount[1]
		var requests int
		for _, e := range c.cp.AuditEvents(t) {
			if e.User.Username != user {
				continue
			}
			requests++
			if e.ResponseStatus.Code == http.StatusForbidden {
				t.Errorf("apiserver refused %s %s %s to the replicas' ServiceAccount: the shipped RBAC does not suffice", e.Verb, e.RequestURI, e.ObjectRef.Subresource)
			}
		}
		if requests == 0 {
			t.Errorf("no request of %s in the audit log", user)
		}
	})
}

// wantConditions returns nil if conds hold each of types with status True
// and observedGeneration generation, and a lastTransitionTime.
func wantConditions(conds []metav1.Condition, generation int64, types ...string) error {
	for _, typ := range types {
		i := slices.IndexFunc(conds, func(c metav1.Condition) bool { return c.Type == typ })
		switch {
		case i < 0:
			return fmt.Errorf("no condition %s in %+v", typ, conds)
		case conds[i].Status != metav1.ConditionTrue:
			return fmt.Errorf("condition %s is %s (%s: %s)", typ, conds[i].Status, conds[i].Reason, conds[i].Message)
		case conds[i].ObservedGeneration != generation:
			return fmt.Errorf("condition %s observed generation %d, want %d", typ, conds[i].ObservedGeneration, generation)
		case conds[i].LastTransitionTime.IsZero():
			return fmt.Errorf("condition %s has no lastTransitionTime", typ)
		}
	}
	return nil
}

// isGatewayStatusWrite reports whether e is a successful write of the
// status of a Gateway API object.
func isGatewayStatusWrite(e kubetest.AuditEvent) bool {
	return e.ObjectRef.APIGroup == gatewayv1.GroupName && e.ObjectRef.Subresource == "status" &&
		(e.Verb == "update" || e.Verb == "patch") && e.ResponseStatus.Code < 300
}
