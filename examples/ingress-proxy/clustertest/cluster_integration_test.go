//go:build integration

package clustertest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/ingressmux/ingressmux/internal/kubetest"
)

// How long a change made through the API may take to reach both replicas.
// Changes normally take well under a second; the bound is for a busy shared
// machine.
const propagationTimeout = 30 * time.Second

// leaderTimeout bounds a leader's replacement after a crash: the Lease's 15 s
// duration, the 2 s retry period, and a margin for a busy machine.
const leaderTimeout = 45 * time.Second

// TestIntegrationCluster runs two replicas of ingress-proxy against one
// apiserver and changes the cluster under them through the API.
func TestIntegrationCluster(t *testing.T) {
	c := newCluster(t, "echo-a", "echo-b", "echo-c", "echo-d")
	c.addService(t, "cart", "echo-a")
	c.addService(t, "catalog", "echo-b")
	c.addService(t, "search", "echo-d")
	c.create(t, c.ingress("shop", "shop.example.test", "/", "cart"))

	replicas := []*replica{c.startReplica(t, "replica-1"), c.startReplica(t, "replica-2")}

	t.Run("both replicas route", func(t *testing.T) {
		eventually(t, propagationTimeout, "shop.example.test on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("shop.example.test", "/cart", "echo-a") })
		})
		for _, r := range replicas {
			if err := r.notRouted("unknown.example.test", "/"); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("one replica writes status", func(t *testing.T) {
		c.leader(t, replicas, leaderTimeout)
		eventually(t, propagationTimeout, "status of Ingress shop", func() error {
			return wantStatus(c, t, "shop")
		})
	})

	t.Run("ingress edit", func(t *testing.T) {
		c.updateIngress(t, "shop", func(ing *networkingv1.Ingress) {
			ing.Spec.Rules[0].HTTP.Paths = append(ing.Spec.Rules[0].HTTP.Paths, c.ingress("", "", "/catalog", "catalog").Spec.Rules[0].HTTP.Paths[0])
		})
		eventually(t, propagationTimeout, "new path /catalog on both", func() error {
			return onBoth(replicas, func(r *replica) error {
				if err := r.routesTo("shop.example.test", "/catalog/shoes", "echo-b"); err != nil {
					return err
				}
				return r.routesTo("shop.example.test", "/cart", "echo-a")
			})
		})
	})

	t.Run("endpointslice change", func(t *testing.T) {
		c.setEndpoints(t, "catalog", "echo-c")
		eventually(t, propagationTimeout, "catalog's new endpoint on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("shop.example.test", "/catalog/", "echo-c") })
		})
	})

	t.Run("new TLS secret", func(t *testing.T) {
		secure := c.ingress("secure", "secure.example.test", "/", "cart")
		secure.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"secure.example.test"}, SecretName: "secure-tls"}}
		c.create(t, secure)
		eventually(t, propagationTimeout, "Ingress secure on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.redirectsToHTTPS("secure.example.test", "/pay") })
		})
		for _, r := range replicas {
			if err := r.routesToTLS("secure.example.test", "/pay", "echo-a"); err == nil {
				t.Errorf("%s serves secure.example.test with a certificate of the test CA before its Secret exists", r.name)
			}
		}
		c.create(t, c.tlsSecret(t, "secure-tls", "secure.example.test"))
		eventually(t, propagationTimeout, "certificate of the new Secret on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesToTLS("secure.example.test", "/pay", "echo-a") })
		})
	})

	t.Run("deleted ingress", func(t *testing.T) {
		c.create(t, c.ingress("sale", "sale.example.test", "/", "cart"))
		eventually(t, propagationTimeout, "Ingress sale on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("sale.example.test", "/", "echo-a") })
		})
		if err := c.cp.Admin.NetworkingV1().Ingresses(appNamespace).Delete(apiContext(t), "sale", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, propagationTimeout, "Ingress sale gone from both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.notRouted("sale.example.test", "/") })
		})
	})

	t.Run("invalid ingress skipped", func(t *testing.T) {
		bad := c.ingress("bad", "bad.example.test", "/", "cart")
		bad.Annotations = map[string]string{"nginx.ingress.kubernetes.io/configuration-snippet": "return 200 'owned';"}
		c.create(t, bad)
		c.create(t, c.ingress("after-bad", "after-bad.example.test", "/", "cart"))
		eventually(t, propagationTimeout, "Ingress after-bad on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("after-bad.example.test", "/", "echo-a") })
		})
		eventually(t, propagationTimeout, "Warning Event on Ingress bad", func() error {
			return wantWarning(c, t, "bad", "Invalid", "configuration-snippet")
		})
		for _, r := range replicas {
			if err := r.notRouted("bad.example.test", "/"); err != nil {
				t.Errorf("invalid Ingress bad served: %v", err)
			}
			if err := r.routesTo("shop.example.test", "/cart", "echo-a"); err != nil {
				t.Errorf("with an invalid Ingress in the cluster: %v", err)
			}
		}

		// A bad update to a good Ingress keeps its last good version.
		c.updateIngress(t, "shop", func(ing *networkingv1.Ingress) {
			ing.Annotations = map[string]string{"nginx.ingress.kubernetes.io/server-snippet": "return 200;"}
			ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "search"
		})
		eventually(t, propagationTimeout, "Warning Event on Ingress shop", func() error {
			return wantWarning(c, t, "shop", "KeptLastGood", "server-snippet")
		})
		for _, r := range replicas {
			if err := r.routesTo("shop.example.test", "/cart", "echo-a"); err != nil {
				t.Errorf("after a bad update of Ingress shop, its last good version should be served: %v", err)
			}
		}
		c.updateIngress(t, "shop", func(ing *networkingv1.Ingress) { ing.Annotations = nil })
		eventually(t, propagationTimeout, "Ingress shop's repaired version on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("shop.example.test", "/cart", "echo-d") })
		})
	})

	t.Run("exactly one replica writes status", func(t *testing.T) {
		leader := c.leader(t, replicas, leaderTimeout)
		if writers := statusWriters(c, t); !slices.Equal(writers, []string{leader.credential}) {
			t.Errorf("Ingress status written with credentials %v; want only the leader %s's %s", writers, leader.name, leader.credential)
		}
		// Status is written when it differs, not again on every change to
		// the Ingress: shop has been edited, but its address never changed.
		var shopWrites int
		for _, e := range c.cp.AuditEvents(t) {
			if isStatusWrite(e) && e.ObjectRef.Name == "shop" {
				shopWrites++
			}
		}
		if shopWrites != 1 {
			t.Errorf("status of Ingress shop written %d times, want once", shopWrites)
		}
	})

	t.Run("apiserver restart under load", func(t *testing.T) {
		l := startLoad(replicas, "shop.example.test", "/catalog/", 2_000_000, 5*time.Minute)
		stopping := time.Now()
		c.cp.StopAPIServer(t)
		t.Logf("kube-apiserver stopped in %v", time.Since(stopping).Round(time.Millisecond))
		// Serve through the outage for a while: until both replicas have
		// answered requests after noticing it (their readiness says so) or
		// at least a few thousand requests have gone by without an apiserver.
		before := l.sent.Load()
		eventually(t, time.Minute, "requests served without an apiserver", func() error {
			if n := l.sent.Load() - before; n < 2000 {
				return fmt.Errorf("%d requests sent since the apiserver stopped", n)
			}
			return nil
		})
		starting := time.Now()
		c.cp.StartAPIServer(t)
		t.Logf("kube-apiserver ready again %v after its start, %v after its stop", time.Since(starting).Round(time.Millisecond), time.Since(stopping).Round(time.Millisecond))
		c.create(t, c.ingress("after-restart", "after-restart.example.test", "/", "catalog"))
		took := eventually(t, 90*time.Second, "Ingress created after the apiserver's restart on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("after-restart.example.test", "/", "echo-c") })
		})
		t.Logf("a change after the apiserver's restart reached both replicas in %v", took.Round(time.Millisecond))
		sent, failed, first := l.finish()
		t.Logf("load during the restart: %d requests, %d failed", sent, failed)
		if failed > 0 || sent == 0 || l.budget.Load() < 0 {
			t.Errorf("load while the apiserver restarted: %d of %d requests failed (request budget left: %d); first: %s", failed, sent, max(l.budget.Load(), 0), first)
		}
		for _, r := range replicas {
			if err := r.ready(); err != nil {
				t.Errorf("%s after the apiserver's return: %v", r.name, err)
			}
		}
	})

	t.Run("leader crash", func(t *testing.T) {
		// After the apiserver's restart the Lease may be between holders.
		leader := c.leader(t, replicas, leaderTimeout)
		var other *replica
		for _, r := range replicas {
			if r != leader {
				other = r
			}
		}
		leader.proc.Kill()
		killed := time.Now()
		c.leader(t, []*replica{other}, leaderTimeout)
		took := time.Since(killed)
		t.Logf("%s took over %v after %s was killed", other.name, took.Round(time.Millisecond), leader.name)
		c.create(t, c.ingress("after-crash", "after-crash.example.test", "/", "cart"))
		eventually(t, propagationTimeout, "status of Ingress after-crash by the new leader", func() error {
			return wantStatus(c, t, "after-crash")
		})
		if err := other.routesTo("after-crash.example.test", "/", "echo-a"); err != nil {
			t.Error(err)
		}
		var newWrites int
		for _, e := range c.cp.AuditEvents(t) {
			if isStatusWrite(e) && e.ObjectRef.Name == "after-crash" {
				newWrites++
				if e.CredentialID() != other.credential {
					t.Errorf("status of after-crash written with credential %q, want the new leader %s's %q", e.CredentialID(), other.name, other.credential)
				}
			}
		}
		if newWrites == 0 {
			t.Errorf("no status write for Ingress after-crash in the audit log")
		}
	})

	t.Run("least privilege suffices", func(t *testing.T) {
		user := "system:serviceaccount:" + c.serviceAccount[0] + ":" + c.serviceAccount[1]
		var requests, duringOutage int
		for _, e := range c.cp.AuditEvents(t) {
			if e.User.Username != user {
				continue
			}
			requests++
			if e.ResponseStatus.Code != http.StatusForbidden {
				continue
			}
			if slices.ContainsFunc(c.cp.Outages(), func(o kubetest.Outage) bool { return o.During(e.RequestReceived) }) {
				// A starting kube-apiserver answers before its RBAC
				// authorizer has read the roles.
				duringOutage++
				continue
			}
			t.Errorf("apiserver refused %s %s %s to the replicas' ServiceAccount: the shipped RBAC does not suffice", e.Verb, e.RequestURI, e.ObjectRef.Subresource)
		}
		if requests == 0 {
			t.Errorf("no request of %s in the audit log: the replicas did not run with the shipped ServiceAccount", user)
		}
		t.Logf("%d requests of %s audited; %d refused while kube-apiserver restarted", requests, user, duringOutage)
	})
}

// wantStatus returns nil if Ingress name's status holds exactly the
// published address.
func wantStatus(c *cluster, tb testing.TB, name string) error {
	addrs, err := c.statusAddresses(tb, name)
	if err != nil {
		return err
	}
	if !slices.Equal(addrs, []string{statusAddress}) {
		return fmt.Errorf("Ingress %s: status.loadBalancer.ingress = %v, want [%s]", name, addrs, statusAddress)
	}
	return nil
}

// wantWarning returns nil if there is a Warning Event with reason on Ingress
// name whose message mentions mention.
func wantWarning(c *cluster, tb testing.TB, name, reason, mention string) error {
	selector := fields.Set{"involvedObject.kind": "Ingress", "involvedObject.name": name}.AsSelector().String()
	events, err := c.cp.Admin.CoreV1().Events(appNamespace).List(apiContext(tb), metav1.ListOptions{FieldSelector: selector})
	if err != nil {
		return err
	}
	var seen []string
	for _, e := range events.Items {
		if e.Type == corev1.EventTypeWarning && e.Reason == reason && strings.Contains(e.Message, mention) {
			return nil
		}
		seen = append(seen, e.Type+" "+e.Reason+": "+e.Message)
	}
	return fmt.Errorf("no Warning Event %s on Ingress %s mentioning %q; events: %q", reason, name, mention, seen)
}

// isStatusWrite reports whether e is a successful write of an Ingress's
// status.
func isStatusWrite(e kubetest.AuditEvent) bool {
	return e.ObjectRef.Resource == "ingresses" && e.ObjectRef.Subresource == "status" &&
		(e.Verb == "update" || e.Verb == "patch") && e.ResponseStatus.Code < 300
}

// statusWriters returns the credentials with which Ingress status was
// successfully written, each once.
func statusWriters(c *cluster, tb testing.TB) []string {
	var writers []string
	for _, e := range c.cp.AuditEvents(tb) {
		if isStatusWrite(e) && !slices.Contains(writers, e.CredentialID()) {
			writers = append(writers, e.CredentialID())
		}
	}
	return writers
}
