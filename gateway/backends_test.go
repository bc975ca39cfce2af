package gateway

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGRPCRoute checks GRPCRoute matching on the gRPC path and that its
// backends are spoken to over HTTP/2 without TLS.
func TestGRPCRoute(t *testing.T) {
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
		backends["gateway-conformance-infra/"+n+":8080"] = newH2CEcho(t, n)
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
