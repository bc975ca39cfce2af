package gateway

import "testing"

// TestConformanceGatewayInvalidParametersRef ports
// GatewayInvalidParametersRef: this controller has no parameters, so a
// Gateway whose infrastructure.parametersRef names any is not Accepted
// (reason InvalidParameters) and serves nothing.
func TestConformanceGatewayInvalidParametersRef(t *testing.T) {
	set := loadManifests(t, "gateway-invalid-parameters-ref")
	out, err := Compile(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range out.Status.Gateways {
		if g.Name != "gateway-invalid-parameters-ref" {
			continue
		}
		found = true
		got := map[string]string{}
		for _, c := range g.Status.Conditions {
			got[c.Type] = string(c.Status) + "/" + c.Reason
		}
		if got["Accepted"] != "False/InvalidParameters" || got["Programmed"] != "False/Invalid" {
			t.Errorf("conditions %v, want Accepted False/InvalidParameters and Programmed False/Invalid", got)
		}
	}
	if !found {
		t.Fatal("no status for gateway-invalid-parameters-ref")
	}
	for _, l := range out.Listeners {
		if l.Gateway == "gateway-conformance-infra/gateway-invalid-parameters-ref" && l.Served != NotServed {
			t.Errorf("listener %s is served", l)
		}
	}
}
