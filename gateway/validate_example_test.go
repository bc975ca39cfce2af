package gateway_test

import (
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
)

// Validate reports what the apiserver would reject, and returns the object
// with the CRD defaults applied.
func ExampleValidate() {
	var route map[string]any
	_ = yaml.Unmarshal([]byte(`
metadata:
  name: web
spec:
  rules:
  - backendRefs:
    - name: web
      port: 8080
  - matches:
    - path:
        value: api
`), &route)
	out, errs := gateway.Validate("gateway.networking.k8s.io/v1", "HTTPRoute", route)
	for _, e := range errs {
		fmt.Println(e)
	}
	rules := out["spec"].(map[string]any)["rules"].([]any)
	fmt.Println("match:", rules[0].(map[string]any)["matches"])
	fmt.Println("backend:", rules[0].(map[string]any)["backendRefs"])
	// Output:
	// spec.rules[1].matches[0].path: Invalid value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']
	// match: [map[path:map[type:PathPrefix value:/]]]
	// backend: [map[group: kind:Service name:web port:8080 weight:1]]
}

// ValidateSource reports problems the way the rest of ingressmux does:
// file, line, object and field path.
func ExampleValidateSource() {
	var gw map[string]any
	_ = yaml.Unmarshal([]byte(`
metadata:
  name: edge
  namespace: infra
spec:
  gatewayClassName: ingressmux
  listeners:
  - name: tcp
    port: 9000
    protocol: TCP
    hostname: db.example.com
`), &gw)
	src := ingress.Source{File: "gateway.yaml", Doc: 1, Line: 1}
	line := func(fieldPath string) int {
		if fieldPath == "spec.listeners" {
			return 7 // as the ingress package's YAML locator would say
		}
		return 0
	}
	_, errs := gateway.ValidateSource(src, "gateway.networking.k8s.io/v1", "Gateway", gw, line)
	fmt.Println(errs)
	// Output:
	// gateway.yaml:7 (document 1): gateway infra/edge: spec.listeners: Invalid value: hostname must not be specified for protocols ['TCP', 'UDP']
}
