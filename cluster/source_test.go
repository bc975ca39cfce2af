package cluster_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ingressmux/ingressmux/cluster"
)

func TestAddUpdateDelete(t *testing.T) {
	h := start(t, cluster.Config{},
		newService("shop", "web"), newEndpointSlice("shop", "web", "10.1.0.1"),
		newIngress("shop", "front", "shop.example.com", "", "1"))
	assert.Equal(t, "shop/front", h.routes("shop.example.com/"))
	assert.Equal(t, []string{"10.1.0.1:8080"}, h.endpoints("shop.example.com/"))

	// add
	h.create(newIngress("shop", "other", "other.example.com", "", ""))
	h.waitRoute("other.example.com/", "shop/other")

	// update: the host moves
	ing := h.getIngress("shop", "other")
	ing.Spec.Rules[0].Host = "moved.example.com"
	h.updateIngress(ing)
	h.waitRoute("moved.example.com/", "shop/other")
	assert.Equal(t, "", h.routes("other.example.com/"))

	// an EndpointSlice change reaches the backend
	es := newEndpointSlice("shop", "web", "10.1.0.1", "10.1.0.2")
	_, err := h.client.DiscoveryV1().EndpointSlices("shop").Update(ctx, es, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(h.endpoints("shop.example.com/")) == 2 }, eventually, 5e6)

	// delete
	require.NoError(t, h.client.NetworkingV1().Ingresses("shop").Delete(ctx, "other", metav1.DeleteOptions{}))
	h.waitRoute("moved.example.com/", "")
	assert.Equal(t, "shop/front", h.routes("shop.example.com/"))
	h.noEvent()
}
