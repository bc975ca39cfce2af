package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// decodeWithBase decodes the conformance base objects and docs.
func decodeWithBase(t *testing.T, docs string) *ingress.Set {
	t.Helper()
	set := loadManifests(t)
	s, err := ingress.DecodeBytes("test.yaml", []byte(strings.ReplaceAll(docs, "{GATEWAY_CLASS_NAME}", className)))
	if err != nil {
		t.Fatal(err)
	}
	set.Add(s)
	return set
}

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

// TestConformanceWeight ports HTTPRouteWeight: 70/30/0 weights give that
// distribution, and a weight of 0 gets nothing.
func TestConformanceWeight(t *testing.T) {
	set := loadManifests(t, "httproute-weight")
	h, _ := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	counts := map[string]int{}
	const n = 1000
	for range n {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://gateway.example/", nil))
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		var got echoed
		decodeJSON(t, w.Body.Bytes(), &got)
		counts[got.Backend]++
	}
	// 0.07 is more than four standard deviations of the share at n=1000.
	for backend, want := range map[string]float64{"infra-backend-v1": 0.7, "infra-backend-v2": 0.3} {
		if got := float64(counts[backend]) / n; got < want-0.07 || got > want+0.07 {
			t.Errorf("%s got %.3f of the requests, want %.1f (%v)", backend, got, want, counts)
		}
	}
	if counts["infra-backend-v3"] != 0 {
		t.Errorf("a backend of weight 0 got %d requests", counts["infra-backend-v3"])
	}
}

// TestConformanceReferenceGrantRemoved ports the second half of
// HTTPRouteReferenceGrant: without the grant, the same route is refused.
func TestConformanceReferenceGrantRemoved(t *testing.T) {
	set := loadManifests(t, "httproute-reference-grant")
	set.ReferenceGrants = nil
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /", status: 500}.run(t, h)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/reference-grant", "same-namespace", "ResolvedRefs", false, "RefNotPermitted"}.check(t, out.Status)
}

// TestWeightedUnresolvedShare checks that an unresolved backend gets 500
// for its share only.
func TestWeightedUnresolvedShare(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: half, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs:
    - {name: infra-backend-v1, port: 8080, weight: 1}
    - {name: missing, port: 8080, weight: 1}
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	codes := map[int]int{}
	for range 200 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://gateway.example/", nil))
		codes[w.Code]++
	}
	if codes[200] == 0 || codes[500] == 0 || codes[200]+codes[500] != 200 {
		t.Errorf("statuses %v, want both 200 and 500", codes)
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/half", "same-namespace", "ResolvedRefs", false, "BackendNotFound"}.check(t, out.Status)
}

// TestUnsupportedFilter checks that a filter this package cannot apply
// makes its rule answer 500, with a warning and PartiallyInvalid, while
// the route's other rules are served.
func TestUnsupportedFilter(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ext, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /ext}}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: Thing, name: x}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - backendRefs: [{name: infra-backend-v2, port: 8080}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /ext", status: 500}.run(t, h)
	exchange{req: "GET /other", backend: "infra-backend-v2"}.run(t, h)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/ext", "same-namespace", "PartiallyInvalid", true, "UnsupportedValue"}.check(t, out.Status)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/ext", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
	if !hasWarning(out, "filter ExtensionRef is not supported") {
		t.Errorf("no warning about the filter in %v", out.Warnings)
	}
}

func hasWarning(out *Compiled, text string) bool {
	for _, w := range out.Warnings {
		if strings.Contains(w.String(), text) {
			return true
		}
	}
	return false
}

// TestHTTPSListener checks an HTTPS listener: its certificate in
// Compiled.TLS, its status, a route attached only to it served on TLS and
// redirected to HTTPS on plain HTTP, and the listener reported as served
// on the TLS listener whatever its port.
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
	exchange{req: "GET secure.example.com/x", status: 308, resHeaders: []string{"Location: https://secure.example.com/x"}}.run(t, h)
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

// TestGRPCRoute checks GRPCRoute matching on the gRPC path and that its
// backends are spoken to over HTTP/2 without TLS.
func TestGRPCRoute(t *testing.T) {
	h2c := func(name string) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"backend": %q, "path": %q, "headers": {"Proto": [%q]}}`, name, r.URL.Path, r.Proto)
		}))
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{method: {service: echo.Echo, method: Ping}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{method: {service: echo.Echo}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{method: {method: Status}, headers: [{name: x-tenant, value: a}]}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
`)
	backends := map[string]string{}
	for _, n := range []string{"infra-backend-v1", "infra-backend-v2", "infra-backend-v3"} {
		backends["gateway-conformance-infra/"+n+":8080"] = h2c(n)
	}
	h, out := serveSet(t, set, Options{Backends: backends})
	for _, e := range []exchange{
		{req: "POST /echo.Echo/Ping", backend: "infra-backend-v1", seen: []string{"Proto: HTTP/2.0"}},
		{req: "POST /echo.Echo/Other", backend: "infra-backend-v2"},
		{req: "POST /health.Health/Status", headers: []string{"X-Tenant: a"}, backend: "infra-backend-v3"},
		{req: "POST /health.Health/Status", status: 404},
		{req: "POST /echo.EchoV2/Ping", status: 404},
	} {
		e.run(t, h)
	}
	wantCondition{"GRPCRoute", "gateway-conformance-infra/rpc", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
}

// TestBackendTLSPolicy checks that a BackendTLSPolicy makes the proxy
// speak HTTPS to the Service with the policy's hostname as SNI, verified
// against its CA, and that a policy whose CA cannot be read answers 500.
func TestBackendTLSPolicy(t *testing.T) {
	var sni string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"backend": "tls", "path": %q}`, r.URL.Path)
	}))
	srv.TLS = &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		sni = hello.ServerName
		return nil, nil
	}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	indented := "    " + strings.ReplaceAll(strings.TrimSpace(string(ca)), "\n", "\n    ")
	set := decodeWithBase(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: gateway-conformance-infra}
data:
  ca.crt: |
`+indented+`
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: v1, namespace: gateway-conformance-infra}
spec:
  targetRefs: [{group: "", kind: Service, name: infra-backend-v1}]
  validation:
    hostname: example.com
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: v2, namespace: gateway-conformance-infra}
spec:
  targetRefs: [{group: "", kind: Service, name: infra-backend-v2}]
  validation:
    hostname: example.com
    caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: tls, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {value: /v1}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {value: /v2}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
`)
	addr := srv.Listener.Addr().String()
	h, out := serveSet(t, set, Options{Backends: map[string]string{
		"gateway-conformance-infra/infra-backend-v1:8080": addr,
		"gateway-conformance-infra/infra-backend-v2:8080": addr,
	}})
	exchange{req: "GET /v1", backend: "tls"}.run(t, h)
	if sni != "example.com" {
		t.Errorf("SNI %q, want example.com", sni)
	}
	exchange{req: "GET /v2", status: 500}.run(t, h)
	got := map[string]string{}
	for _, p := range out.Status.BackendTLSPolicies {
		for _, a := range p.Status.Ancestors {
			for _, c := range a.Conditions {
				got[p.Name+" "+c.Type] = string(c.Status) + "/" + c.Reason
			}
		}
	}
	for k, v := range map[string]string{
		"v1 Accepted": "True/Accepted", "v1 ResolvedRefs": "True/ResolvedRefs",
		"v2 Accepted": "False/NoValidCACertificate", "v2 ResolvedRefs": "False/InvalidCACertificateRef",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// TestInvalidObjectsLeftOut checks that an object the apiserver would
// refuse is reported with its file, line, object and field path, and left
// out, while the others are served.
func TestInvalidObjectsLeftOut(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /bad}}]
    backendRefs: [{name: infra-backend-v1, port: 70000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: good, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
`)
	out, err := Compile(set, Options{Backends: echoBackends(t, set)})
	var list ingress.ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("error %v, want one ingress.ErrorList entry", err)
	}
	if got, want := list[0].Error(), "test.yaml:8 (document 1): httproute gateway-conformance-infra/bad: spec.rules[0].backendRefs[0].port: Invalid value: 70000"; !strings.HasPrefix(got, want) {
		t.Errorf("error %q, want it to start with %q", got, want)
	}
	h, err := proxy.New(proxy.Config{Table: out.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	exchange{req: "GET /bad", backend: "infra-backend-v2"}.run(t, h)
	for _, rs := range out.Status.HTTPRoutes {
		if rs.Name == "bad" {
			t.Errorf("an invalid route has a status: %+v", rs)
		}
	}
}
