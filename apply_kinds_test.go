package ingressmux

import (
	"context"
	"strings"
	"testing"

	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/ingressmux/ingressmux/ingress"
)

// TestApplyRefusesOtherKinds checks that Apply refuses an object of a kind
// it does not take with an error that lists every kind it does, the
// Gateway API ones included: a program feeding it v1beta1 Gateway API
// types, say, learns what to convert them to.
func TestApplyRefusesOtherKinds(t *testing.T) {
	m, err := LoadObjects(context.Background(), Config{}, &ingress.Set{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, obj := range []any{"text", nil, &gatewayv1beta1.HTTPRoute{}} {
		err := m.Apply(context.Background(), ingress.Add(obj))
		if err == nil {
			t.Errorf("Apply(%T) succeeded", obj)
			continue
		}
		for _, kind := range []string{"Ingress", "ConfigMap", "HTTPRoute", "BackendTLSPolicy", "Namespace"} {
			if !strings.Contains(err.Error(), kind) {
				t.Errorf("Apply(%T) error %q does not name %s", obj, err, kind)
			}
		}
	}
}
