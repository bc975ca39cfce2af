package ingress_test

import (
	"fmt"

	"github.com/ingressmux/ingressmux/ingress"
)

// ingress-nginx's "Path Priority" example without its regex Ingress: the
// spec sends /foo/bar to the longer Prefix /foo/bar/, ingress-nginx to the
// exact location it adds for /foo/bar.
const pathPriority = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: test-ingress-1}
spec:
  rules:
  - host: test.com
    http:
      paths:
      - {path: /foo/bar, pathType: Prefix, backend: {service: {name: service1, port: {number: 80}}}}
      - {path: /foo/bar/, pathType: Prefix, backend: {service: {name: service2, port: {number: 80}}}}
`

// Compile lists the requests that the spec and ingress-nginx route
// differently; MatchIngressNginx serves ingress-nginx's routing.
func ExampleCompile_matchingModes() {
	set, err := ingress.DecodeBytes("priority.yaml", []byte(pathPriority))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, mode := range []ingress.MatchMode{ingress.MatchSpec, ingress.MatchIngressNginx} {
		compiled, err := ingress.Compile(set, ingress.Options{Matching: mode})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: /foo/bar -> %s\n", mode, compiled.Table.Match("test.com", "/foo/bar").Backend)
		if mode == ingress.MatchSpec {
			for _, d := range compiled.Differences {
				fmt.Println(d)
			}
		}
	}
	// Output:
	// spec: /foo/bar -> default/service2:80
	// http://test.com/foo/bar: spec -> default/service2:80, ingress-nginx -> default/service1:80
	// ingress-nginx: /foo/bar -> default/service1:80
}
