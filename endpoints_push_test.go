package ingressmux

import (
	"crypto/x509"
	"testing"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestSameRoute checks the route comparisons that decide which hosts a
// change gives the proxy again, and whether endpoints alone moved: CA
// pools count by content, in every kind of upstream, and only the
// endpoints the proxy can be given apart are ignored.
func TestSameRoute(t *testing.T) {
	pool := func(host string) *x509.CertPool {
		c, err := tlsconfig.SelfSigned(host)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		p := x509.NewCertPool()
		p.AddCert(leaf)
		return p
	}
	ca := pool("ca-one.example.com")
	sameCA := ca.Clone() // another pool, the same certificates
	otherCA := pool("ca-two.example.com")
	up := func(cas *x509.CertPool, eps ...string) *proxy.Upstream {
		u := &proxy.Upstream{Name: "default/web:443", Endpoints: eps}
		u.TLS.RootCAs = cas
		return u
	}
	tests := []struct {
		name             string
		a, b             *proxy.Route
		same, sameButEps bool
	}{
		{"equal pools by content", &proxy.Route{Upstream: up(ca, "10.0.0.1:443")}, &proxy.Route{Upstream: up(sameCA, "10.0.0.1:443")}, true, true},
		{"other CA", &proxy.Route{Upstream: up(ca)}, &proxy.Route{Upstream: up(otherCA)}, false, false},
		{"pool against none", &proxy.Route{Upstream: up(ca)}, &proxy.Route{Upstream: up(nil)}, false, false},
		{"other CA of a weighted backend", &proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(ca)}}},
			&proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(otherCA)}}}, false, false},
		{"other CA of a mirror", &proxy.Route{Mirrors: []proxy.Mirror{{Upstream: up(ca)}}},
			&proxy.Route{Mirrors: []proxy.Mirror{{Upstream: up(otherCA)}}}, false, false},
		{"other CA of a canary", &proxy.Route{Canaries: []proxy.Canary{{Upstream: up(ca)}}},
			&proxy.Route{Canaries: []proxy.Canary{{Upstream: up(otherCA)}}}, false, false},
		{"other CA of the default backend", &proxy.Route{DefaultBackend: up(ca)}, &proxy.Route{DefaultBackend: up(otherCA)}, false, false},
		{"one more weighted backend", &proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(ca)}}},
			&proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(ca)}, {Upstream: up(ca)}}}, false, false},
		{"moved endpoints", &proxy.Route{Upstream: up(ca, "10.0.0.1:443")}, &proxy.Route{Upstream: up(sameCA, "10.0.0.2:443")}, false, true},
		{"moved endpoints of a weighted backend", &proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(nil, "10.0.0.1:443")}}},
			&proxy.Route{Backends: []proxy.WeightedBackend{{Upstream: up(nil, "10.0.0.2:443")}}}, false, true},
		{"moved endpoints of the default backend", &proxy.Route{DefaultBackend: up(nil, "10.0.0.1:443")},
			&proxy.Route{DefaultBackend: up(nil, "10.0.0.2:443")}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameRoute(tt.a, tt.b); got != tt.same {
				t.Errorf("sameRoute = %v, want %v", got, tt.same)
			}
			if got := sameButEndpoints(tt.a, tt.b); got != tt.sameButEps {
				t.Errorf("sameButEndpoints = %v, want %v", got, tt.sameButEps)
			}
			for _, r := range []*proxy.Route{tt.a, tt.b} {
				for _, u := range append(upstreamsOf(r), r.DefaultBackend) {
					if u != nil && u.TLS.RootCAs == nil && u.Endpoints == nil && tt.name != "pool against none" {
						t.Errorf("the comparison cleared the pool or endpoints of %+v", *u)
					}
				}
			}
		})
	}
}
