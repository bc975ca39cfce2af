package ingress

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ingressmux/ingressmux/proxy"
)

func endpointsTestSet(t *testing.T, addresses ...string) *Set {
	t.Helper()
	eps := ""
	for _, a := range addresses {
		eps += fmt.Sprintf("  - addresses: [%s]\n", a)
	}
	if eps == "" {
		eps = "  []\n"
	}
	set, err := DecodeBytes("objects.yaml", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
`+eps))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestTrackerEndpointsOnly: an EndpointSlice that moves a Service's
// endpoints gives the new addresses by backend without compiling the
// Ingresses that use it; one that ends "no ready endpoint" is compiled
// again, as its warning goes. Either way the result is a full compile's.
func TestTrackerEndpointsOnly(t *testing.T) {
	tr := NewTracker(Options{})
	if _, err := tr.Reset(endpointsTestSet(t, "198.18.0.1", "198.18.0.2")); err != nil {
		t.Fatal(err)
	}
	groups := slices.Clone(tr.groups)
	res, err := tr.Apply(Update(endpointsTestSet(t, "198.18.0.3").EndpointSlices[0]))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"198.18.0.3:8080"}; len(res.Hosts) != 0 || !slices.Equal(res.Endpoints["shop/web:80"], want) {
		t.Fatalf("endpoints moved: Hosts %v, Endpoints %v; want no host and shop/web:80 at %v", res.Hosts, res.Endpoints, want)
	}
	if !slices.Equal(tr.groups, groups) {
		t.Fatal("moving endpoints compiled the Ingress again")
	}
	rule := tr.Compiled().Table.Match("shop.example.com", "/x")
	if got := rule.Value.(*proxy.Route).Upstream.Endpoints; !slices.Equal(got, []string{"198.18.0.3:8080"}) {
		t.Fatalf("the table's route has addresses %v", got)
	}
	checkTracker(t, 0, 1, tr, Options{})

	// No ready endpoint: a warning, so a compile.
	res, err = tr.Apply(Update(endpointsTestSet(t).EndpointSlices[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Endpoints) != 0 || !res.Hosts["shop.example.com"] {
		t.Fatalf("endpoints gone: Hosts %v, Endpoints %v; want the host compiled again", res.Hosts, res.Endpoints)
	}
	checkTracker(t, 0, 2, tr, Options{})
	// And back: the warning ends, a compile again.
	res, err = tr.Apply(Update(endpointsTestSet(t, "198.18.0.4").EndpointSlices[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Endpoints) != 0 || !res.Hosts["shop.example.com"] {
		t.Fatalf("first endpoint: Hosts %v, Endpoints %v; want the host compiled again", res.Hosts, res.Endpoints)
	}
	checkTracker(t, 0, 3, tr, Options{})
}

// TestAddressMovesEveryUpstream: the addresses of a backend resolved from
// EndpointSlices move in every field of a route that holds an upstream;
// other backends, and upstreams not resolved from EndpointSlices, stay as
// they were; routes and upstreams shared before are shared after; a route
// none of whose upstreams moved is kept as it is.
func TestAddressMovesEveryUpstream(t *testing.T) {
	slice := func(name string) *proxy.Upstream {
		return &proxy.Upstream{Name: name, Resolution: "endpointslice", Endpoints: []string{"198.18.0.1:80"}}
	}
	web, other := slice("shop/web:80"), slice("shop/other:80")
	override := &proxy.Upstream{Name: "shop/web:80", Resolution: "override", Endpoints: []string{"198.18.0.9:80"}}
	traffic := &proxy.Traffic{Deny: "no"}
	routes := []*proxy.Route{
		{Upstream: web, DefaultBackend: web, Canaries: []proxy.Canary{{Upstream: other}, {Upstream: web}}, Traffic: traffic},
		{Backends: []proxy.WeightedBackend{{Upstream: other, Weight: 1}, {Upstream: web, Weight: 2}}, Mirrors: []proxy.Mirror{{Upstream: web}}, Traffic: traffic},
		{Upstream: other, DefaultBackend: override},
	}
	want := []string{"198.18.0.2:80"}
	m := &addressMoves{addresses: map[string][]string{"shop/web:80": want}, routes: map[*proxy.Route]*proxy.Route{}, upstreams: map[*proxy.Upstream]*proxy.Upstream{}}
	a, b, c := m.route(routes[0]), m.route(routes[1]), m.route(routes[2])
	if m.route(routes[0]) != a {
		t.Error("a route moved twice gives two copies")
	}
	if c != routes[2] {
		t.Error("a route without a moved upstream was copied")
	}
	moved := a.Upstream
	for what, u := range map[string]*proxy.Upstream{
		"Upstream": a.Upstream, "DefaultBackend": a.DefaultBackend, "Canaries[1]": a.Canaries[1].Upstream,
		"Backends[1]": b.Backends[1].Upstream, "Mirrors[0]": b.Mirrors[0].Upstream,
	} {
		if !slices.Equal(u.Endpoints, want) || u.Name != "shop/web:80" {
			t.Errorf("%s: %s at %v, want shop/web:80 at %v", what, u.Name, u.Endpoints, want)
		}
		if u != moved {
			t.Errorf("%s: the upstream shared before is not shared after", what)
		}
	}
	for what, u := range map[string]*proxy.Upstream{"Canaries[0]": a.Canaries[0].Upstream, "Backends[0]": b.Backends[0].Upstream} {
		if u != other {
			t.Errorf("%s: another backend's upstream was copied", what)
		}
	}
	if a.Traffic != traffic || b.Traffic != traffic {
		t.Error("the moved routes lost their shared traffic policy")
	}
	if !slices.Equal(web.Endpoints, []string{"198.18.0.1:80"}) || routes[0].Canaries[1].Upstream != web || routes[1].Backends[1].Upstream != web {
		t.Error("the original routes or upstreams changed")
	}
	if override.Endpoints[0] != "198.18.0.9:80" {
		t.Error("an upstream not resolved from EndpointSlices moved")
	}
}
