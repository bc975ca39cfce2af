package cluster_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
)

// fastElection makes leases change hands in a second, not in 17.
var fastElection = cluster.Election{Namespace: "ingressmux", Name: "leader",
	LeaseDuration: time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 100 * time.Millisecond}

func withIdentity(e cluster.Election, id string) cluster.Election {
	e.Identity = id
	return e
}

func statusOf(h *harness, namespace, name string) []networkingv1.IngressLoadBalancerIngress {
	return h.getIngress(namespace, name).Status.LoadBalancer.Ingress
}

// statusWrites counts the UpdateStatus calls on Ingresses so far.
func statusWrites(client *fake.Clientset) int {
	n := 0
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetResource().Resource == "ingresses" && a.GetSubresource() == "status" {
			n++
		}
	}
	return n
}

func TestLeaderWritesStatusOfTheIngressesItServes(t *testing.T) {
	h := start(t, cluster.Config{
		Options:  ingress.Options{IngressClass: "mux"},
		Status:   &cluster.Status{Addresses: []string{"lb.example.com", "203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	},
		newIngressClass("mux", false), newService("default", "web"),
		newIngress("default", "ours", "ours.example.com", "mux", "1"),
		newIngress("default", "theirs", "theirs.example.com", "nginx", "1"),
		badPath(newIngress("default", "broken", "broken.example.com", "mux", "1")))
	want := []networkingv1.IngressLoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "203.0.113.7"}}
	require.Eventually(t, func() bool { return len(statusOf(h, "default", "ours")) > 0 }, eventually, 10*time.Millisecond)
	assert.True(t, h.source.Leader())
	assert.Equal(t, want, statusOf(h, "default", "ours"))
	assert.Empty(t, statusOf(h, "default", "theirs"), "another class: not ours to write")
	assert.Empty(t, statusOf(h, "default", "broken"), "not served: no status")
	writes := statusWrites(h.client)
	assert.Equal(t, 1, writes)

	// A change that compiles again writes nothing when the status is right.
	h.create(newIngress("default", "second", "second.example.com", "mux", ""))
	h.waitRoute("second.example.com/", "default/second")
	require.Eventually(t, func() bool { return len(statusOf(h, "default", "second")) > 0 }, eventually, 10*time.Millisecond)
	assert.Equal(t, writes+1, statusWrites(h.client), "only the new Ingress is written")

	// A status changed by someone else is put back.
	ing := h.getIngress("default", "ours")
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "192.0.2.1"}}
	_, err := h.client.NetworkingV1().Ingresses("default").UpdateStatus(ctx, ing, metav1.UpdateOptions{})
	require.NoError(t, err)
	ing.Annotations = map[string]string{"touched": "yes"} // a routing change, to trigger a compile
	h.updateIngress(ing)
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, statusOf(h, "default", "ours")) }, eventually, 10*time.Millisecond)
}

func TestNoStatusWithoutTheLease(t *testing.T) {
	held := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ingressmux", Name: "leader"},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr("someone-else"),
			LeaseDurationSeconds: ptr(int32(3600)),
			AcquireTime:          &metav1.MicroTime{Time: time.Now()},
			RenewTime:            &metav1.MicroTime{Time: time.Now()},
		},
	}
	h := start(t, cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	}, held, newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1"))
	// Long enough for several election rounds: the lease stays held.
	time.Sleep(5 * fastElection.RetryPeriod)
	assert.False(t, h.source.Leader())
	assert.Equal(t, "default/web", h.routes("web.example.com/"), "a replica that is not leader serves all the same")
	assert.Zero(t, statusWrites(h.client))
	assert.Empty(t, statusOf(h, "default", "web"))

	// The holder goes away (its lease expires): this replica takes over
	// and writes.
	lease, err := h.client.CoordinationV1().Leases("ingressmux").Get(ctx, "leader", metav1.GetOptions{})
	require.NoError(t, err)
	lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now().Add(-2 * time.Hour)}
	lease.Spec.LeaseDurationSeconds = ptr(int32(1))
	_, err = h.client.CoordinationV1().Leases("ingressmux").Update(ctx, lease, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(statusOf(h, "default", "web")) == 1 }, eventually, 10*time.Millisecond)
	assert.True(t, h.source.Leader())
}

func TestOneOfTwoReplicasLeadsAndTheOtherTakesOver(t *testing.T) {
	h := start(t, cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	}, newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1"))
	mux2, second, stop2 := h.run(cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "two"),
	})
	defer stop2()
	require.Eventually(t, second.Ready, eventually, 5*time.Millisecond)
	require.Eventually(t, func() bool { return h.source.Leader() || second.Leader() }, eventually, 10*time.Millisecond)
	time.Sleep(3 * fastElection.RetryPeriod)
	assert.NotEqual(t, h.source.Leader(), second.Leader(), "exactly one leader")
	explained, err := mux2.Explain("web.example.com/")
	require.NoError(t, err)
	require.NotNil(t, explained.Rule, "both replicas route")
	assert.Equal(t, "default/web", h.routes("web.example.com/"))

	leader, follower := h.stop, second
	if second.Leader() {
		leader, follower = stop2, h.source
	}
	leader() // releases the lease on its way out
	require.Eventually(t, follower.Leader, eventually, 10*time.Millisecond, "the other replica takes over")
}

func TestStatusFromAPublishedService(t *testing.T) {
	lb := newService("ingressmux", "proxy")
	lb.Spec.Type = corev1.ServiceTypeLoadBalancer
	h := start(t, cluster.Config{
		Status:   &cluster.Status{Service: "ingressmux/proxy"},
		Election: withIdentity(fastElection, "one"),
	}, lb, newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1"))
	require.Eventually(t, h.source.Leader, eventually, 10*time.Millisecond)
	assert.Empty(t, statusOf(h, "default", "web"), "no address yet: nothing written")

	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "198.51.100.9"}}
	_, err := h.client.CoreV1().Services("ingressmux").UpdateStatus(ctx, lb, metav1.UpdateOptions{})
	require.NoError(t, err)
	want := []networkingv1.IngressLoadBalancerIngress{{IP: "198.51.100.9"}}
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, statusOf(h, "default", "web")) }, eventually, 10*time.Millisecond)
}

func TestStatusRetriesOnConflict(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1"))}
	conflicts := 0
	h.client.PrependReactor("update", "ingresses", func(a k8stesting.Action) (bool, runtimeObject, error) {
		if a.GetSubresource() == "status" && conflicts < 2 {
			conflicts++
			return true, nil, conflict()
		}
		return false, nil, nil
	})
	h.recorder = newRecorder()
	h.mux, h.source, h.stop = h.run(cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	})
	require.Eventually(t, func() bool { return len(statusOf(h, "default", "web")) == 1 }, eventually, 10*time.Millisecond)
	assert.Equal(t, 2, conflicts)
}

func ptr[T any](v T) *T { return &v }

func TestALeaderThatLosesTheLeaseKeepsServing(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1")),
		recorder: newRecorder()}
	var renewals atomic.Bool
	renewals.Store(true)
	h.client.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtimeObject, error) {
		if !renewals.Load() {
			return true, nil, errors.New("apiserver unreachable")
		}
		return false, nil, nil
	})
	h.mux, h.source, h.stop = h.run(cluster.Config{
		Status:   &cluster.Status{Addresses: []string{"203.0.113.7"}},
		Election: withIdentity(fastElection, "one"),
	})
	require.Eventually(t, h.source.Leader, eventually, 10*time.Millisecond)

	renewals.Store(false) // the renewals fail until the renew deadline passes
	require.Eventually(t, func() bool { return !h.source.Leader() }, eventually, 10*time.Millisecond)
	assert.True(t, h.source.Ready(), "still ready")
	assert.Equal(t, "default/web", h.routes("web.example.com/"), "still serving")
	h.create(newIngress("default", "new", "new.example.com", "", ""))
	h.waitRoute("new.example.com/", "default/new") // and still following the cluster

	renewals.Store(true) // it stands again, and wins
	require.Eventually(t, h.source.Leader, eventually, 10*time.Millisecond)
}
