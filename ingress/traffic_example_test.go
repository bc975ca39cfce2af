package ingress_test

import (
	"fmt"
	"log"
	"time"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// The traffic annotations of an Ingress end up in the Traffic of its
// routes, checked and with ingress-nginx's defaults filled in; a mistake
// is a field error.
func ExampleTrafficPolicy() {
	set, err := ingress.DecodeBytes("api.yaml", []byte(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/enable-cors: "true"
    nginx.ingress.kubernetes.io/cors-allow-origin: "https://*.example.com"
    nginx.ingress.kubernetes.io/limit-rps: "10"
    nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8, 192.0.2.7"
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: typo
  annotations:
    nginx.ingress.kubernetes.io/limit-rpm: "100/min"
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
`))
	if err != nil {
		log.Fatal(err)
	}
	opts := ingress.Options{Backends: map[string]string{"default/api:80": "127.0.0.1:8080"}}
	_, err = ingress.Compile(set, opts)
	fmt.Println(err)

	set.Ingresses = set.Ingresses[:1]
	compiled, err := ingress.Compile(set, opts)
	if err != nil {
		log.Fatal(err)
	}
	t := compiled.Table.Rules()[0].Value.(*proxy.Route).Traffic
	fmt.Println("origins:", t.CORS.AllowOrigins, "credentials:", t.CORS.AllowCredentials, "max age:", int(t.CORS.MaxAge/time.Second))
	fmt.Printf("rps: %d, burst multiplier: %d\n", t.RateLimit.RPS, t.RateLimit.BurstMultiplier)
	fmt.Println("allowed:", t.AllowSources)
	// Output:
	// api.yaml:19 (document 2): ingress default/typo: metadata.annotations[nginx.ingress.kubernetes.io/limit-rpm]: Invalid value: "100/min": must be a whole number of requests per minute, 0 or more
	// origins: [https://*.example.com] credentials: true max age: 1728000
	// rps: 10, burst multiplier: 5
	// allowed: [10.0.0.0/8 192.0.2.7/32]
}
