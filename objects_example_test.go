package ingressmux_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// Serve objects that come from somewhere other than files: start empty,
// then replace the whole set on every change. The cluster package does
// this with the objects of a live cluster.
func ExampleLoadObjects() {
	mux, err := ingressmux.LoadObjects(ingressmux.Config{
		Options: ingress.Options{SkipInvalidIngresses: true},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil)
	if err != nil {
		panic(err)
	}
	set, err := ingress.DecodeBytes("from-a-database", []byte(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`))
	if err != nil {
		panic(err)
	}
	before := httptest.NewRecorder()
	mux.ServeHTTP(before, httptest.NewRequest("GET", "http://shop.example.com/", nil))
	if err := mux.ReplaceObjects(set); err != nil {
		panic(err)
	}
	e, _ := mux.Explain("shop.example.com/cart")
	fmt.Println(before.Code, e.Rule.Origin)
	// Output: 404 ingress default/web
}
