package ingress

import (
	"fmt"
	"slices"
	"testing"
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
	if got := rule.Value.(*CompiledRoute).Target.Addresses; !slices.Equal(got, []string{"198.18.0.3:8080"}) {
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
