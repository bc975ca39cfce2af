package ingressmuxtest_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/ingressmuxtest"
)

// printer is a TestingT that prints failures, standing in for a
// *testing.T.
type printer struct{}

func (printer) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func Example() {
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
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{FS: fsys, Paths: []string{"."},
		Options: ingress.Options{Backends: map[string]string{"default/web:80": "http://10.0.0.7:8080"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mux.Close()
	var t printer // in a test: the *testing.T
	fmt.Println(ingressmuxtest.Routes(t, mux, "http://shop.example.com/cart", "default/web:80"))
	fmt.Println(ingressmuxtest.Sends(t, mux, "http://shop.example.com/cart?id=7", "http://10.0.0.7:8080/cart?id=7", "shop.example.com"))
	fmt.Println(ingressmuxtest.NotFound(t, mux, "http://elsewhere.example.com/"))
	// Output:
	// true
	// true
	// true
}
