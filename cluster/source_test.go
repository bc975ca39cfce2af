package cluster_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	k8stesting "k8s.io/client-go/testing"

	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
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

func TestClassFiltering(t *testing.T) {
	h := start(t, cluster.Config{Options: ingress.Options{IngressClass: "mux"}},
		newIngressClass("mux", false),
		newService("default", "web"),
		newIngress("default", "ours", "ours.example.com", "mux", "1"),
		newIngress("default", "theirs", "theirs.example.com", "nginx", "1"),
		newIngress("default", "classless", "classless.example.com", "", "1"))
	assert.Equal(t, "default/ours", h.routes("ours.example.com/"))
	assert.Equal(t, "", h.routes("theirs.example.com/"), "another class is not served")
	assert.Equal(t, "default/classless", h.routes("classless.example.com/"), "no class and no default class: taken, as in file mode")

	// Another IngressClass becomes the default: class-less Ingresses are its.
	h.create(newIngressClass("nginx", true))
	h.waitRoute("classless.example.com/", "")

	// An Ingress moved to our class is picked up.
	ing := h.getIngress("default", "theirs")
	class := "mux"
	ing.Spec.IngressClassName = &class
	h.updateIngress(ing)
	h.waitRoute("theirs.example.com/", "default/theirs")
	h.noEvent()
}

func TestNamespaceScoping(t *testing.T) {
	h := start(t, cluster.Config{Namespaces: []string{"a", "b"}},
		newService("a", "web"), newService("b", "web"), newService("c", "web"),
		newIngress("a", "one", "a.example.com", "", "1"),
		newIngress("b", "two", "b.example.com", "", "1"),
		newIngress("c", "three", "c.example.com", "", "1"))
	assert.Equal(t, "a/one", h.routes("a.example.com/"))
	assert.Equal(t, "b/two", h.routes("b.example.com/"))
	assert.Equal(t, "", h.routes("c.example.com/"), "namespace c is not watched")

	h.create(newIngress("c", "four", "c4.example.com", "", ""))
	h.create(newIngress("b", "five", "b5.example.com", "", ""))
	h.waitRoute("b5.example.com/", "b/five")
	assert.Equal(t, "", h.routes("c4.example.com/"), "namespace c is not watched")
	assert.Empty(t, h.mux.Compiled().Table.Explain("c4.example.com", "/").Candidates)
}

func TestSecretsOfUnusedTypesAreNotWatched(t *testing.T) {
	h := start(t, cluster.Config{})
	var selectors []fields.Selector
	for _, a := range h.client.Actions() {
		if l, ok := a.(k8stesting.ListAction); ok && a.GetResource().Resource == "secrets" {
			selectors = append(selectors, l.GetListRestrictions().Fields)
		}
	}
	require.NotEmpty(t, selectors)
	for _, sel := range selectors {
		for typ, watched := range map[string]bool{
			"kubernetes.io/tls": true, "Opaque": true, "kubernetes.io/basic-auth": true,
			"kubernetes.io/service-account-token": false, "helm.sh/release.v1": false, "kubernetes.io/dockerconfigjson": false,
		} {
			assert.Equal(t, watched, sel.Matches(fields.Set{"type": typ}), "type %s", typ)
		}
	}
}
