package cluster_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/ingressmux/ingressmux/cluster"
)

func TestNotReadyUntilEveryInformerHasSynced(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1")),
		recorder: newRecorder()}
	release := make(chan struct{})
	h.client.PrependReactor("list", "ingresses", func(k8stesting.Action) (bool, runtime.Object, error) {
		<-release // the Ingress list hangs, as on a slow apiserver
		return false, nil, nil
	})
	h.mux, h.source, h.stop = h.run(cluster.Config{})
	time.Sleep(100 * time.Millisecond) // the other informers sync meanwhile
	assert.False(t, h.source.Ready())
	assert.Equal(t, "syncing", h.source.Health().String())
	assert.Equal(t, "", h.routes("web.example.com/"))
	close(release)
	require.Eventually(t, h.source.Ready, eventually, 5*time.Millisecond)
	assert.Equal(t, "default/web", h.routes("web.example.com/"), "ready means routed")
	assert.Equal(t, "ready", h.source.Health().String())
}

func TestApiserverGoingAwayKeepsTheTableAndIsReported(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1")),
		recorder: newRecorder()}
	down := make(chan bool, 1)
	down <- false
	h.client.PrependReactor("get", "version", func(k8stesting.Action) (bool, runtime.Object, error) {
		d := <-down
		down <- d
		if d {
			return true, nil, errors.New("connection refused")
		}
		return false, nil, nil
	})
	h.mux, h.source, h.stop = h.run(cluster.Config{ProbeInterval: 20 * time.Millisecond})
	require.Eventually(t, h.source.Ready, eventually, 5*time.Millisecond)

	<-down
	down <- true
	require.Eventually(t, func() bool { return !h.source.Health().Reachable }, eventually, 5*time.Millisecond)
	health := h.source.Health()
	assert.True(t, health.Ready, "still ready: the last table serves")
	assert.True(t, strings.HasPrefix(health.String(), "ready; apiserver unreachable since "), health.String())
	assert.Contains(t, health.String(), "connection refused")
	assert.Equal(t, "default/web", h.routes("web.example.com/"))

	<-down
	down <- false
	require.Eventually(t, func() bool { return h.source.Health().Reachable }, eventually, 5*time.Millisecond)
	assert.Equal(t, "ready", h.source.Health().String())
	// Changes flow again.
	h.create(newIngress("default", "new", "new.example.com", "", ""))
	h.waitRoute("new.example.com/", "default/new")
}

func TestNewRefusesBadConfigs(t *testing.T) {
	client := fake.NewClientset()
	mux := (*muxTarget)(nil)
	for name, cfg := range map[string]cluster.Config{
		"no client":             {Target: mux},
		"no target":             {Client: client},
		"status without source": {Client: client, Target: mux, Status: &cluster.Status{}},
		"status with both":      {Client: client, Target: mux, Status: &cluster.Status{Addresses: []string{"192.0.2.1"}, Service: "a/b"}},
		"service not ns/name":   {Client: client, Target: mux, Status: &cluster.Status{Service: "proxy"}},
		"empty namespace":       {Client: client, Target: mux, Namespaces: []string{"a", ""}},
		"bad lease timings": {Client: client, Target: mux, Status: &cluster.Status{Addresses: []string{"192.0.2.1"}},
			Election: cluster.Election{LeaseDuration: time.Second, RenewDeadline: 2 * time.Second}},
	} {
		_, err := cluster.New(cfg)
		assert.Error(t, err, name)
	}
}
