package gateway

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// tlsSecret returns a kubernetes.io/tls Secret document with a new
// self-signed certificate for hosts.
func tlsSecret(t *testing.T, ns, name string, hosts ...string) string {
	t.Helper()
	cert, err := tlsconfig.SelfSigned(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	k := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	return fmt.Sprintf(`---
apiVersion: v1
kind: Secret
metadata: {name: %s, namespace: %s}
type: kubernetes.io/tls
data:
  tls.crt: %s
  tls.key: %s
`, name, ns, base64.StdEncoding.EncodeToString(crt), base64.StdEncoding.EncodeToString(k))
}

// TestHTTPSListener checks an HTTPS listener: its certificate in
// Compiled.TLS, its status, a route attached only to it served on TLS and
// not on plain HTTP (where no listener of the Gateway serves it), and the
// listener reported as served on the TLS listener whatever its port.
func TestHTTPSListener(t *testing.T) {
	set := decodeWithBase(t, tlsSecret(t, "gateway-conformance-infra", "cert", "secure.example.com")+`---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: secure, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  listeners:
  - name: https
    port: 8443
    protocol: HTTPS
    hostname: secure.example.com
    tls: {certificateRefs: [{name: cert}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: secure, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: secure}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET secure.example.com/x", tls: true, backend: "infra-backend-v1"}.run(t, h)
	exchange{req: "GET secure.example.com/x", status: 404}.run(t, h)
	if len(out.TLS) != 1 || out.TLS[0].Host != "secure.example.com" || out.TLS[0].Secret != "gateway-conformance-infra/cert" {
		t.Errorf("TLS = %+v", out.TLS)
	}
	var found bool
	for _, l := range out.Listeners {
		if l.Gateway == "gateway-conformance-infra/secure" {
			found = true
			if l.Served != ServedTLS || l.Port != 8443 || l.AttachedRoutes != 1 {
				t.Errorf("listener %+v", l)
			}
			if want := "served on the TLS listener"; !strings.Contains(l.String(), want) {
				t.Errorf("%q does not say %q", l, want)
			}
		}
	}
	if !found {
		t.Errorf("listener not reported: %+v", out.Listeners)
	}
}

// TestListenerProblems checks the listener conditions of broken
// listeners, each with the reason the specification gives.
func TestListenerProblems(t *testing.T) {
	set := decodeWithBase(t, tlsSecret(t, "elsewhere", "cert", "a.example.com")+`---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: broken, namespace: gateway-conformance-infra, generation: 3}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  listeners:
  - {name: missing-secret, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: nope}]}}
  - {name: other-namespace, port: 443, protocol: HTTPS, hostname: b.example.com, tls: {certificateRefs: [{name: cert, namespace: elsewhere}]}}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: plain, port: 8080, protocol: HTTP, hostname: c.example.com}
  - {name: secure, port: 8080, protocol: HTTPS, hostname: d.example.com, tls: {certificateRefs: [{name: nope}]}}
  - {name: kinds, port: 81, protocol: HTTP, allowedRoutes: {kinds: [{kind: TCPRoute}]}}
`)
	_, out := serveSet(t, set, Options{})
	var gs *GatewayStatus
	for i := range out.Status.Gateways {
		if out.Status.Gateways[i].Name == "broken" {
			gs = &out.Status.Gateways[i]
		}
	}
	if gs == nil {
		t.Fatal("no status for gateway broken")
	}
	want := map[string]string{
		"missing-secret":  "ResolvedRefs=False/InvalidCertificateRef Programmed=False/Invalid",
		"other-namespace": "ResolvedRefs=False/RefNotPermitted Programmed=False/Invalid",
		"tcp":             "Accepted=False/UnsupportedProtocol Programmed=False/Invalid",
		"plain":           "Conflicted=True/ProtocolConflict Programmed=False/Invalid",
		"secure":          "Conflicted=True/ProtocolConflict Programmed=False/Invalid",
		"kinds":           "ResolvedRefs=False/InvalidRouteKinds Programmed=False/Invalid",
	}
	for _, ls := range gs.Status.Listeners {
		got := map[string]string{}
		for _, c := range ls.Conditions {
			got[c.Type] = string(c.Status) + "/" + c.Reason
			if c.ObservedGeneration != 3 {
				t.Errorf("%s %s: observedGeneration %d, want 3", ls.Name, c.Type, c.ObservedGeneration)
			}
		}
		for _, kv := range strings.Fields(want[string(ls.Name)]) {
			k, v, _ := strings.Cut(kv, "=")
			if got[k] != v {
				t.Errorf("listener %s: %s = %s, want %s", ls.Name, k, got[k], v)
			}
		}
	}
	conds := map[string]string{}
	for _, c := range gs.Status.Conditions {
		conds[c.Type] = string(c.Status) + "/" + c.Reason
	}
	if conds["Accepted"] != "False/ListenersNotValid" || conds["Programmed"] != "False/Invalid" {
		t.Errorf("gateway conditions %v", conds)
	}
}

// TestControllerName checks that only GatewayClasses of the configured
// controller are served, and Gateways of other classes are left alone.
func TestControllerName(t *testing.T) {
	docs := `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: theirs, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: other
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: theirs, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: theirs}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`
	set := decodeWithBase(t, docs)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /", status: 404}.run(t, h)
	if len(out.Status.HTTPRoutes) != 0 || len(out.Status.GatewayClasses) != 1 || out.Status.GatewayClasses[0].Name != className {
		t.Errorf("status of objects of another controller: %+v", out.Status)
	}
	h, out = serveSet(t, set, Options{ControllerName: "example.com/other", Backends: echoBackends(t, set)})
	exchange{req: "GET /", backend: "infra-backend-v1"}.run(t, h)
	if len(out.Status.GatewayClasses) != 1 || out.Status.GatewayClasses[0].Name != "other" {
		t.Errorf("gateway classes %+v", out.Status.GatewayClasses)
	}
}

// TestGatewayAddressesNotServed checks that a Gateway asking for
// addresses, which the program cannot give it, is not Accepted and serves
// nothing.
func TestGatewayAddressesNotServed(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: addressed, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  addresses: [{type: IPAddress, value: 192.0.2.1}]
  listeners: [{name: http, port: 80, protocol: HTTP, hostname: addressed.example.com}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: addressed, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: addressed}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET addressed.example.com/", status: 404}.run(t, h)
	for _, g := range out.Status.Gateways {
		if g.Name == "addressed" && (g.Status.Conditions[0].Reason != "UnsupportedAddress" || g.Status.Conditions[0].Status != "False") {
			t.Errorf("conditions %+v", g.Status.Conditions)
		}
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/addressed", "addressed", "Accepted", false, "NotAllowedByListeners"}.check(t, out.Status)
}
