package gateway

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// wantListener is what a conformance test asserts of one listener: its
// attached routes, supported kinds and conditions ("Type=Status/Reason",
// the reason left out where the test accepts any).
type wantListener struct {
	gateway, listener string
	attached          int32
	kinds             string // kinds that must be supported, comma-separated
	conds             []string
}

// check finds the listener in st.
func (wl wantListener) check(t *testing.T, st Status) {
	t.Helper()
	for _, g := range st.Gateways {
		if g.Name != wl.gateway {
			continue
		}
		for _, l := range g.Status.Listeners {
			if string(l.Name) != wl.listener {
				continue
			}
			if l.AttachedRoutes != wl.attached {
				t.Errorf("%s/%s: attachedRoutes %d, want %d", wl.gateway, wl.listener, l.AttachedRoutes, wl.attached)
			}
			// As the suite compares them: the expected kinds must be
			// there, and none when none is expected.
			var kinds []string
			for _, k := range l.SupportedKinds {
				kinds = append(kinds, string(k.Kind))
			}
			if wl.kinds == "" && len(kinds) > 0 {
				t.Errorf("%s/%s: supportedKinds %v, want none", wl.gateway, wl.listener, kinds)
			}
			for _, k := range strings.Split(wl.kinds, ",") {
				if k != "" && !slices.Contains(kinds, k) {
					t.Errorf("%s/%s: supportedKinds %v, want %s among them", wl.gateway, wl.listener, kinds, k)
				}
			}
			got := map[string]string{}
			for _, c := range l.Conditions {
				got[c.Type] = string(c.Status) + "/" + c.Reason
			}
			for _, want := range wl.conds {
				typ, sr, _ := strings.Cut(want, "=")
				if g := got[typ]; g != sr && !(strings.HasSuffix(sr, "/") && strings.HasPrefix(g, sr)) {
					t.Errorf("%s/%s: %s = %s, want %s", wl.gateway, wl.listener, typ, g, sr)
				}
			}
			return
		}
	}
	t.Errorf("no listener %s/%s in %+v", wl.gateway, wl.listener, st.Gateways)
}

// TestConformanceGatewayStatus ports the conformance tests that assert
// Gateway and listener status: GatewayWithAttachedRoutes,
// GatewayInvalidRouteKind, GatewayInvalidTLSConfiguration and the
// GatewaySecret*ReferenceGrant tests. The
// suite creates the listeners' certificate Secret itself; so does this
// test.
func TestConformanceGatewayStatus(t *testing.T) {
	secret := tlsSecret(t, "gateway-conformance-web-backend", "certificate", "example.com")
	for _, c := range []struct {
		name, manifest string
		listeners      []wantListener
		conditions     []wantCondition
	}{
		{"GatewayWithAttachedRoutes", "gateway-with-attached-routes", []wantListener{
			{"gateway-with-one-attached-route", "http", 1, "HTTPRoute", []string{"Accepted=True/", "ResolvedRefs=True/"}},
			{"gateway-with-two-attached-routes", "http", 2, "HTTPRoute", []string{"Accepted=True/", "ResolvedRefs=True/"}},
			{"unresolved-gateway-with-one-attached-unresolved-route", "tls", 1, "HTTPRoute", []string{"Programmed=False/", "ResolvedRefs=False/"}},
		}, []wantCondition{
			{"HTTPRoute", "gateway-conformance-infra/http-route-not-accepted", "gateway-with-two-attached-routes", "Accepted", false, "NoMatchingListenerHostname"},
			{"HTTPRoute", "gateway-conformance-infra/http-route-4", "unresolved-gateway-with-one-attached-unresolved-route", "ResolvedRefs", false, "BackendNotFound"},
		}},
		{"GatewayInvalidRouteKind", "gateway-invalid-route-kind", []wantListener{
			{"gateway-only-invalid-route-kind", "http", 0, "", []string{"ResolvedRefs=False/InvalidRouteKinds"}},
			{"gateway-supported-and-invalid-route-kind", "http", 0, "HTTPRoute", []string{"ResolvedRefs=False/InvalidRouteKinds"}},
		}, nil},
		{"GatewayInvalidTLSConfiguration", "gateway-invalid-tls-configuration", []wantListener{
			{"gateway-certificate-nonexistent-secret", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/InvalidCertificateRef"}},
			{"gateway-certificate-unsupported-group", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/InvalidCertificateRef"}},
			{"gateway-certificate-unsupported-kind", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/InvalidCertificateRef"}},
			{"gateway-certificate-malformed-secret", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/InvalidCertificateRef"}},
		}, nil},
		{"GatewaySecretMissingReferenceGrant", "gateway-secret-missing-reference-grant", []wantListener{
			{"gateway-secret-missing-reference-grant", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/RefNotPermitted", "Programmed=False/"}},
		}, nil},
		{"GatewaySecretInvalidReferenceGrant", "gateway-secret-invalid-reference-grant", []wantListener{
			{"gateway-secret-invalid-reference-grant", "https", 0, "HTTPRoute", []string{"ResolvedRefs=False/RefNotPermitted", "Programmed=False/"}},
		}, nil},
		{"GatewaySecretReferenceGrantSpecific", "gateway-secret-reference-grant-specific", []wantListener{
			{"gateway-secret-reference-grant-specific", "https", 0, "HTTPRoute", []string{"ResolvedRefs=True/", "Programmed=True/Programmed"}},
		}, nil},
		{"GatewaySecretReferenceGrantAllInNamespace", "gateway-secret-reference-grant-all-in-namespace", []wantListener{
			{"gateway-secret-reference-grant-all-in-namespace", "https", 0, "HTTPRoute", []string{"ResolvedRefs=True/", "Programmed=True/Programmed"}},
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			set := loadManifests(t, c.manifest)
			s, err := ingress.DecodeBytes("secret.yaml", []byte(secret))
			if err != nil {
				t.Fatal(err)
			}
			set.Add(s)
			out, err := Compile(set, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range c.listeners {
				l.check(t, out.Status)
			}
			for _, wc := range c.conditions {
				wc.check(t, out.Status)
			}
		})
	}
}

// TestObservedGeneration is what GatewayClassObservedGenerationBump,
// GatewayObservedGenerationBump and HTTPRouteObservedGenerationBump check
// after an update: every condition carries the generation of its object.
func TestObservedGeneration(t *testing.T) {
	docs := `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: bumped, generation: 2}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bumped, namespace: gateway-conformance-infra, generation: 3}
spec:
  gatewayClassName: bumped
  listeners: [{name: http, port: 80, protocol: HTTP}, {name: other, port: 81, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bumped, namespace: gateway-conformance-infra, generation: 4}
spec:
  parentRefs: [{name: bumped}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`
	for _, gen := range []int64{1, 7} {
		set := decodeWithBase(t, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(docs,
			"generation: 2", fmt.Sprintf("generation: %d", gen+1)), "generation: 3", fmt.Sprintf("generation: %d", gen+2)), "generation: 4", fmt.Sprintf("generation: %d", gen+3)))
		out, err := Compile(set, Options{})
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, want int64, conds []metav1.Condition) {
			t.Helper()
			if len(conds) == 0 {
				t.Errorf("%s: no conditions", what)
			}
			for _, c := range conds {
				if c.ObservedGeneration != want {
					t.Errorf("%s %s: observedGeneration %d, want %d", what, c.Type, c.ObservedGeneration, want)
				}
			}
		}
		found := 0
		for _, gc := range out.Status.GatewayClasses {
			if gc.Name == "bumped" {
				found++
				check("gatewayclass", gen+1, gc.Status.Conditions)
			}
		}
		for _, g := range out.Status.Gateways {
			if g.Name == "bumped" {
				found++
				check("gateway", gen+2, g.Status.Conditions)
				for _, l := range g.Status.Listeners {
					check("listener "+string(l.Name), gen+2, l.Conditions)
				}
			}
		}
		for _, r := range out.Status.HTTPRoutes {
			if r.Name == "bumped" {
				found++
				for _, p := range r.Status.Parents {
					check("httproute", gen+3, p.Conditions)
				}
			}
		}
		if found != 3 {
			t.Errorf("found the status of %d objects, want 3", found)
		}
	}
}
