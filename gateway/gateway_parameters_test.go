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

// TestConformanceGatewayInvalidListenersUnsupportedProtocol ports
// GatewayInvalidListenersUnsupportedProtocol: a listener of a protocol
// this controller does not serve is not Accepted (UnsupportedProtocol)
// and supports no route kinds; a Gateway with only such listeners is not
// Accepted, and one with a valid listener beside them is, with reason
// ListenersNotValid.
func TestConformanceGatewayInvalidListenersUnsupportedProtocol(t *testing.T) {
	out, err := Compile(loadManifests(t, "gateway-invalid-listeners-unsupported-protocol"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"gateway-only-unsupported-protocols":          "False/ListenersNotValid",
		"gateway-supported-and-unsupported-protocols": "True/ListenersNotValid",
	}
	for _, g := range out.Status.Gateways {
		w, ok := want[g.Name]
		if !ok {
			continue
		}
		delete(want, g.Name)
		for _, c := range g.Status.Conditions {
			if c.Type == "Accepted" && string(c.Status)+"/"+c.Reason != w {
				t.Errorf("%s: Accepted %s/%s, want %s", g.Name, c.Status, c.Reason, w)
			}
		}
		for _, l := range g.Status.Listeners {
			if l.Name == "invalid" && len(l.SupportedKinds) != 0 {
				t.Errorf("%s listener invalid: supportedKinds %v, want none", g.Name, l.SupportedKinds)
			}
			if l.Name == "http" && len(l.SupportedKinds) == 0 {
				t.Errorf("%s listener http: no supportedKinds", g.Name)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("no status for %v", want)
	}
}
