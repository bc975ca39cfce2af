package ingressmux_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// What the Mux would do with requests, without sending them: the action,
// the answer of its own, and the request a backend would receive.
func ExampleMux_ExplainRequest() {
	fsys := fstest.MapFS{"shop.yaml": {Data: []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
`)}}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{FS: fsys, Paths: []string{"."},
		Options: ingress.Options{Backends: map[string]string{"default/api:80": "http://10.0.0.7:8080"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mux.Close()

	r, _ := ingressmux.NewExplainRequest("POST", "https://shop.example.com/api/cart?id=7")
	r.Header.Set("Cookie", "session=1")
	e := mux.ExplainRequest(r)
	fmt.Println(e.Action, e.Rule.Backend, e.Outgoing.URL, e.Outgoing.Header["X-Forwarded-Proto"])

	e, _ = mux.Explain("http://shop.example.com/api/cart")
	fmt.Println(e.Action, e.Status, e.Location)
	// Output:
	// proxy default/api:80 http://10.0.0.7:8080/cart?id=7 [https]
	// redirect 308 https://shop.example.com/api/cart
}

// A Resolver that knows where Services are, asked again by Resolve when
// its answers change, without re-reading the manifests.
func ExampleMux_Resolve() {
	fsys := fstest.MapFS{"web.yaml": {Data: []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`)}}
	endpoints := []string{"10.0.0.7:8080"}
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{FS: fsys, Paths: []string{"."},
		Resolver: func(ctx context.Context, b route.Backend) ([]string, error) {
			if b.Service == "web" {
				return endpoints, nil
			}
			return nil, nil // not ours: resolved from the loaded Services
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mux.Close()
	e, _ := mux.Explain("http://shop.example.com/")
	fmt.Println(e.Outgoing.URL.Host)

	endpoints = []string{"10.0.0.8:8080"} // the resolver learnt of a move
	if err := mux.Resolve(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	e, _ = mux.Explain("http://shop.example.com/")
	fmt.Println(e.Outgoing.URL.Host)
	// Output:
	// 10.0.0.7:8080
	// 10.0.0.8:8080
}
