package gateway

import (
	"slices"
	"strings"
	"testing"

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
// GatewayInvalidRouteKind and the GatewaySecret*ReferenceGrant tests. The
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
