//go:build integration

package clustertest

import (
	"fmt"
	"net/http"
	"regexp"
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
	roots := c.ca.Pool()

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
		eventually(t, leaderTimeout, "a leader", func() error {
			if h := c.leaseHolder(t); h != "replica-1" && h != "replica-2" {
				return fmt.Errorf("Lease %s/%s held by %q, want one of the replicas", c.electionNamespace, electionID, h)
			}
			return nil
		})
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
			return onBoth(replicas, func(r *replica) error { return r.routesTo("secure.example.test", "/", "echo-a") })
		})
		for _, r := range replicas {
			if err := r.servesCertificate("secure.example.test", roots); err == nil {
				t.Errorf("%s serves a certificate for secure.example.test signed by the test CA before its Secret exists", r.name)
			}
		}
		c.create(t, c.tlsSecret(t, "secure-tls", "secure.example.test"))
		eventually(t, propagationTimeout, "certificate of the new Secret on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.servesCertificate("secure.example.test", roots) })
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
		leader := c.leaseHolder(t)
		writers := statusWriters(c, t)
		var want []string
		for _, r := range replicas {
			if r.name == leader {
				want = []string{r.credential}
			}
		}
		if len(writers) != 1 || !slices.Equal(writers, want) {
			t.Errorf("Ingress status written with credentials %v; want only the leader %s's %v", writers, leader, want)
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
		l := startLoad(replicas, "shop.example.test", "/catalog/", 200_000, 5*time.Minute)
		c.cp.StopAPIServer(t)
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
		c.cp.StartAPIServer(t)
		c.create(t, c.ingress("after-restart", "after-restart.example.test", "/", "catalog"))
		took := eventually(t, 90*time.Second, "Ingress created after the apiserver's restart on both", func() error {
			return onBoth(replicas, func(r *replica) error { return r.routesTo("after-restart.example.test", "/", "echo-c") })
		})
		t.Logf("a change after the apiserver's restart reached both replicas in %v", took.Round(time.Millisecond))
		sent, failed, first := l.finish()
		t.Logf("load during the restart: %d requests, %d failed", sent, failed)
		if failed > 0 || sent == 0 {
			t.Errorf("load while the apiserver restarted: %d of %d requests failed; first: %s", failed, sent, first)
		}
		for _, r := range replicas {
			if err := r.ready(); err != nil {
				t.Errorf("%s after the apiserver's return: %v", r.name, err)
			}
		}
	})

	t.Run("leader crash", func(t *testing.T) {
		leaderName := c.leaseHolder(t)
		var leader, other *replica
		for _, r := range replicas {
			if r.name == leaderName {
				leader = r
			} else {
				other = r
			}
		}
		if leader == nil {
			t.Fatalf("Lease held by %q, not by a replica", leaderName)
		}
		leader.proc.Kill()
		took := eventually(t, leaderTimeout, "the other replica taking over the Lease", func() error {
			if h := c.leaseHolder(t); h != other.name {
				return fmt.Errorf("Lease held by %q, want %s", h, other.name)
			}
			return nil
		})
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
		forbidden := regexp.MustCompile(`(?i)forbidden|cannot (list|watch|get|create|update|patch)`)
		for _, r := range replicas {
			for _, line := range strings.Split(string(r.proc.Log()), "\n") {
				if forbidden.MatchString(line) {
					t.Errorf("%s was refused by the apiserver with the shipped RBAC: %s", r.name, line)
				}
			}
		}
		for _, e := range c.cp.AuditEvents(t) {
			if strings.HasPrefix(e.User.Username, "system:serviceaccount:") && e.ResponseStatus.Code == http.StatusForbidden {
				t.Errorf("apiserver refused %s %s/%s %s to %s", e.Verb, e.ObjectRef.Resource, e.ObjectRef.Subresource, e.ObjectRef.Name, e.User.Username)
			}
		}
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
