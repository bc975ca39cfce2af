package gateway

import (
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// TestCompileRefusesBadControllerName checks that Compile refuses an
// Options.ControllerName that no GatewayClass can have, as the apiserver
// validates spec.controllerName, rather than serving nothing.
func TestCompileRefusesBadControllerName(t *testing.T) {
	for _, name := range []string{"ingressmux", "/gateway", "example.com", "exa mple.com/x"} {
		if _, err := Compile(&ingress.Set{}, Options{ControllerName: name}); err == nil || !strings.Contains(err.Error(), "domain-prefixed path") {
			t.Errorf("%q: error %v, want a domain-prefixed path error", name, err)
		}
	}
	for _, name := range []string{DefaultControllerName, "example.com/gateway-controller", "a.b/c/d"} {
		if err := CheckControllerName(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
}
