package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// A Gateway served by ingressmux's GatewayClass and two HTTPRoutes: the
// store on store.example.com, and its /api split 90/10 between two
// versions, one of which does not exist.
const store = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ingressmux}
spec: {controllerName: github.com/ingressmux/ingressmux/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  gatewayClassName: ingressmux
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
---
apiVersion: v1
kind: Service
metadata: {name: store, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [store.example.com]
  rules:
  - backendRefs: [{name: store, port: 80}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: X-Shop, value: main}]}
  - matches: [{path: {type: PathPrefix, value: /api}, method: POST}]
    backendRefs: [{name: api-v1, port: 80}]
`

// Example compiles Gateway API objects and shows the routing table, each
// rule with the HTTPRoute it comes from, and the status of the route
// whose backend is missing.
func Example() {
	set, err := ingress.DecodeBytes("store.yaml", []byte(store))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := gateway.Compile(set, gateway.Options{Backends: map[string]string{"shop/store:80": "127.0.0.1:8080"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out.Table)
	for _, l := range out.Listeners {
		fmt.Println(l)
	}
	for _, p := range out.Status.HTTPRoutes[0].Status.Parents {
		for _, c := range p.Conditions {
			fmt.Printf("%s: %s %s\n", c.Type, c.Status, c.Reason)
		}
	}
	// Output:
	// HOST               PATH  TYPE                     BACKEND         ORIGIN
	// store.example.com  /api  Prefix POST scheme:http  shop/api-v1:80  httproute shop/store
	// store.example.com  /     Prefix scheme:http       shop/store:80   httproute shop/store
	// gateway shop/web listener http: HTTP port 80 host *.example.com, served on the plain-HTTP listener, 1 route(s)
	// Accepted: True Accepted
	// ResolvedRefs: False BackendNotFound
}

// ExampleCompile_serve serves a compiled table with the proxy package's
// handler: a rule whose backend does not resolve answers 500, as the
// Gateway API specification requires, and a request no rule matches 404.
func ExampleCompile_serve() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "store got %s %s with X-Shop %q", r.Method, r.URL.Path, r.Header.Get("X-Shop"))
	}))
	defer backend.Close()
	set, _ := ingress.DecodeBytes("store.yaml", []byte(store))
	out, _ := gateway.Compile(set, gateway.Options{Backends: map[string]string{"shop/store:80": backend.Listener.Addr().String()}})
	h, err := proxy.New(proxy.Config{Table: out.Table})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	for _, r := range []struct{ method, url string }{
		{"GET", "http://store.example.com/cart"},
		{"POST", "http://store.example.com/api/order"},
		{"GET", "http://other.example.com/"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(r.method, r.url, nil))
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 store got GET /cart with X-Shop "main"
	// 500 500 internal server error
	//
	// 404 404 page not found
	//
}
