package gateway

import (
	"encoding/pem"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestConformanceBackendTLSPolicyConflictResolution ports the status half
// of BackendTLSPolicyConflictResolution: of two policies for the same
// Service (and sectionName), the older (then the first by name) is
// Accepted and the other is not, with reason Conflicted, on the Gateway
// whose route uses the Service; a policy for one port and one for the
// whole Service do not conflict.
func TestConformanceBackendTLSPolicyConflictResolution(t *testing.T) {
	ca, err := tlsconfig.SelfSigned("other.example.com", "abc.example.com")
	if err != nil {
		t.Fatal(err)
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Certificate[0]})
	set := loadManifests(t, "backendtlspolicy-conflict-resolution")
	cm, err := ingress.DecodeBytes("ca.yaml", []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: tls-checks-ca-certificate, namespace: gateway-conformance-infra}
data:
  ca.crt: |
    `+strings.ReplaceAll(strings.TrimSpace(string(block)), "\n", "\n    ")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	set.Add(cm)
	out, err := Compile(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range out.Status.BackendTLSPolicies {
		for _, a := range p.Status.Ancestors {
			for _, c := range a.Conditions {
				if c.Type == "Accepted" {
					got[p.Name+" on "+string(a.AncestorRef.Name)] = string(c.Status) + "/" + c.Reason
				}
			}
		}
	}
	for policy, want := range map[string]string{
		"conflicted-without-section-name-1":   "True/Accepted",
		"conflicted-without-section-name-2":   "False/Conflicted",
		"conflicted-with-section-name-1":      "True/Accepted",
		"conflicted-with-section-name-2":      "False/Conflicted",
		"not-conflicted-with-section-name":    "True/Accepted",
		"not-conflicted-without-section-name": "True/Accepted",
	} {
		if g := got[policy+" on same-namespace"]; g != want {
			t.Errorf("%s: Accepted = %q, want %q (all: %v)", policy, g, want, got)
		}
	}
}
