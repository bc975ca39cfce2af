package ingressmux

import (
	"context"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// TestGatewayControllerChecked checks that a Config.GatewayController no
// GatewayClass could have (the apiserver requires a domain-prefixed path)
// fails Load at once, instead of leaving every Gateway API object
// silently unserved, and that valid names load.
func TestGatewayControllerChecked(t *testing.T) {
	for _, tc := range []struct {
		name, wantErr string
	}{
		{"ingressmux", `controller name "ingressmux": must be a domain-prefixed path`},
		{"Example.com/gateway", "domain-prefixed path"},
		{"example.com/", "domain-prefixed path"},
		{"example.com/" + strings.Repeat("a", 250), "at most 253 characters"},
		{"example.com/gateway-controller", ""},
		{"", ""},
	} {
		m, err := LoadObjects(context.Background(), Config{GatewayController: tc.name}, &ingress.Set{})
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.name, err)
			} else {
				m.Close()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "Config.GatewayController") {
			t.Errorf("%q: error %v, want one naming Config.GatewayController and containing %q", tc.name, err, tc.wantErr)
		}
		if m != nil {
			m.Close()
		}
	}
}
