package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// TestDescribeSources checks the count of objects -check's first line
// gives: each object once however many rules it has, its kind in the
// plural when there are several, and the kinds listed as English lists
// them.
func TestDescribeSources(t *testing.T) {
	rule := func(kind, name string) route.Rule {
		return route.Rule{Origin: name, Value: &proxy.Route{Object: proxy.ObjectRef{Kind: kind, Namespace: "d", Name: name}}}
	}
	for _, tc := range []struct {
		rules []route.Rule
		want  string
	}{
		{nil, "0 Ingresses"},
		{[]route.Rule{rule("Ingress", "a"), rule("Ingress", "a")}, "1 Ingress"},
		{[]route.Rule{rule("Ingress", "a"), rule("Ingress", "b"), rule("HTTPRoute", "c")}, "2 Ingresses and 1 HTTPRoute"},
		{[]route.Rule{rule("GRPCRoute", "g"), rule("Ingress", "a"), rule("HTTPRoute", "c"), rule("HTTPRoute", "d")}, "1 Ingress, 2 HTTPRoutes and 1 GRPCRoute"},
	} {
		assert.Equal(t, tc.want, describeSources(tc.rules))
	}
}
