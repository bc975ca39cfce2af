package gateway

import "testing"

// TestHTTPAndHTTPSListenersApart checks that a route is served only on the
// program listener of the Gateway listeners it attached to: the documented
// Gateway API pattern of an HTTP listener whose route redirects to HTTPS
// beside an HTTPS listener whose route serves the same host and path works
// (no redirect loop over TLS, no backend over plain HTTP), a route of an
// HTTP listener alone is not served over TLS, and one of an HTTPS listener
// alone is not served over plain HTTP.
func TestHTTPAndHTTPSListenersApart(t *testing.T) {
	set := decodeWithBase(t, tlsSecret(t, "gateway-conformance-infra", "cert", "both.example.com", "secure.example.com", "plain.example.com")+`---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: split, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - name: https
    port: 443
    protocol: HTTPS
    tls: {certificateRefs: [{name: cert}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-https, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: split, sectionName: http}]
  hostnames: [both.example.com]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: serve, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: split, sectionName: https}]
  hostnames: [both.example.com, secure.example.com]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: split, sectionName: http}]
  hostnames: [plain.example.com]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	for _, w := range out.Warnings {
		t.Errorf("warning: %v", w)
	}
	for _, e := range []exchange{
		{req: "GET both.example.com/x", status: 301, resHeaders: []string{"Location: https://both.example.com/x"}},
		{req: "GET both.example.com/x", tls: true, backend: "infra-backend-v1"},
		{req: "GET secure.example.com/x", tls: true, backend: "infra-backend-v1"},
		{req: "GET secure.example.com/x", status: 404},
		{req: "GET plain.example.com/x", backend: "infra-backend-v2"},
		{req: "GET plain.example.com/x", tls: true, status: 404},
	} {
		e.run(t, h)
	}
}
