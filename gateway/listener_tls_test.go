package gateway

import (
	"crypto/tls"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestWildcardListenerCertificate checks that an HTTPS listener
// "*.example.com", which covers any number of labels in Gateway API,
// serves its certificate for every hostname its routes are served on,
// deeper ones ("a.b.example.com") included, which a certificate store
// keyed by "*.example.com" covers for one label only.
func TestWildcardListenerCertificate(t *testing.T) {
	set := decodeWithBase(t, tlsSecret(t, "gateway-conformance-infra", "wild", "*.example.com", "*.b.example.com")+
		tlsSecret(t, "gateway-conformance-infra", "other", "x.example.net")+`---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: wild, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: "{GATEWAY_CLASS_NAME}"
  listeners:
  - name: wild
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls: {certificateRefs: [{name: wild}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: deep, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: wild}]
  hostnames: [a.b.example.com, "*.c.example.com"]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET a.b.example.com/", tls: true, backend: "infra-backend-v1"}.run(t, h)

	secrets := map[string]*corev1.Secret{}
	for _, s := range set.Secrets {
		secrets[s.Namespace+"/"+s.Name] = s.Secret
	}
	pair := func(key string) *tls.Certificate {
		s := secrets[key]
		c, err := tlsconfig.KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wild, other := pair("gateway-conformance-infra/wild"), pair("gateway-conformance-infra/other")
	hosts := map[string]*tls.Certificate{}
	for _, th := range out.TLS {
		hosts[th.Host] = pair(th.Secret)
	}
	var store tlsconfig.Store
	if err := store.Replace(hosts, other); err != nil {
		t.Fatal(err)
	}
	for _, sni := range []string{"www.example.com", "a.b.example.com", "x.c.example.com"} {
		got, err := store.GetCertificate(&tls.ClientHelloInfo{ServerName: sni})
		if err != nil || !slices.Equal(got.Certificate[0], wild.Certificate[0]) {
			t.Errorf("SNI %s: not the listener's certificate (TLS hosts %+v)", sni, out.TLS)
		}
	}
}
