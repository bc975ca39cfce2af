package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// tenRuleRoute is an HTTPRoute of ten rules, each with a path and a header
// match, a header filter and two weighted backends: a busy but ordinary
// route.
func tenRuleRoute() string {
	var rules []string
	for i := range 10 {
		rules = append(rules, fmt.Sprintf(`{matches: [{path: {type: PathPrefix, value: /svc%d}, headers: [{name: x-env, value: prod}]}],
  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-route, value: r%d}]}}],
  backendRefs: [{name: svc%d, port: 80, weight: 90}, {name: svc%d-canary, port: 80, weight: 10}]}`, i, i, i, i))
	}
	return `{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute,
  metadata: {name: web, namespace: default},
  spec: {parentRefs: [{name: gw, sectionName: http}], hostnames: [www.example.com],
  rules: [` + strings.Join(rules, ",\n") + `]}}`
}

// BenchmarkValidateHTTPRoute measures validating a ten-rule HTTPRoute not
// seen before (the remembered results left out), with the CRD already
// compiled: the apiserver's cost.
func BenchmarkValidateHTTPRoute(b *testing.B) {
	obj := fromYAML(b, tenRuleRoute())
	if _, errs := validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj); len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj)
	}
}

// BenchmarkValidateHTTPRouteAgain measures Validate for a ten-rule
// HTTPRoute it has seen before, as on a reload that did not change it.
func BenchmarkValidateHTTPRouteAgain(b *testing.B) {
	obj := fromYAML(b, tenRuleRoute())
	if _, errs := Validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj); len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		Validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj)
	}
}

// BenchmarkCompileCRDs measures the one-off cost of reading and compiling
// every embedded CRD (schemas and CEL programs), as the first Validate of
// each kind pays it.
func BenchmarkCompileCRDs(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, file := range crdFileOfKind {
			if _, err := compileCRD(file); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCompileCRD measures each kind's share of the compile cost.
func BenchmarkCompileCRD(b *testing.B) {
	for _, kind := range knownKinds() {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compileCRD(crdFileOfKind[kind]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidatedCopyAgain measures what a compile pays for a
// ten-rule HTTPRoute it validated before, the same decoded object: a
// comparison with the validated content and a copy of the result.
func BenchmarkValidatedCopyAgain(b *testing.B) {
	set, err := ingress.DecodeBytes("route.yaml", []byte(tenRuleRoute()))
	if err != nil || len(set.HTTPRoutes) != 1 {
		b.Fatal(err)
	}
	r := set.HTTPRoutes[0]
	if _, errs := validatedCopy(r.Source, r.HTTPRoute, r.FieldLine); len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		validatedCopy(r.Source, r.HTTPRoute, r.FieldLine)
	}
}
