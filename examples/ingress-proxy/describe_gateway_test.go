package main

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestGatewaySettingsBackendTLS checks that -check says how a Gateway API
// route's backend connection is secured, and names a BackendTLSPolicy's
// CA only when one gave it: an HTTPS backend from an appProtocol is
// verified against the system roots.
func TestGatewaySettingsBackendTLS(t *testing.T) {
	route := func(tls tlsconfig.Client, protocol proxy.Protocol) *proxy.Route {
		return &proxy.Route{Object: proxy.ObjectRef{Kind: "HTTPRoute"}, Upstream: &proxy.Upstream{Name: "d/api:443", Protocol: protocol, TLS: tls}}
	}
	for _, tc := range []struct {
		name string
		rt   *proxy.Route
		want []string
	}{
		{"appProtocol https", route(tlsconfig.Client{ServerName: "api.d.svc.cluster.local"}, proxy.HTTPS),
			[]string{"TLS to d/api:443, server name api.d.svc.cluster.local, verified against system roots"}},
		{"BackendTLSPolicy", route(tlsconfig.Client{ServerName: "api.example.com", RootCAs: x509.NewCertPool()}, proxy.GRPCS),
			[]string{"TLS to d/api:443, server name api.example.com, verified against the policy's CA"}},
		{"plain HTTP", route(tlsconfig.Client{}, proxy.HTTP), nil},
	} {
		assert.Equal(t, tc.want, gatewaySettings(tc.rt, hostSet{}), tc.name)
	}
}
