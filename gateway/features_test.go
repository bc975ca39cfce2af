package gateway

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// decodeWithBase decodes the conformance base objects and docs.
func decodeWithBase(t *testing.T, docs string) *ingress.Set {
	t.Helper()
	set := loadManifests(t)
	s, err := ingress.DecodeBytes("test.yaml", []byte(strings.ReplaceAll(docs, "{GATEWAY_CLASS_NAME}", className)))
	if err != nil {
		t.Fatal(err)
	}
	set.Add(s)
	return set
}

// TestConformanceWeight ports HTTPRouteWeight: 70/30/0 weights give that
// distribution, and a weight of 0 gets nothing.
func TestConformanceWeight(t *testing.T) {
	set := loadManifests(t, "httproute-weight")
	h, _ := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	counts := map[string]int{}
	const n = 1000
	for range n {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://gateway.example/", nil))
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		var got echoed
		decodeJSON(t, w.Body.Bytes(), &got)
		counts[got.Backend]++
	}
	// 0.07 is more than four standard deviations of the share at n=1000.
	for backend, want := range map[string]float64{"infra-backend-v1": 0.7, "infra-backend-v2": 0.3} {
		if got := float64(counts[backend]) / n; got < want-0.07 || got > want+0.07 {
			t.Errorf("%s got %.3f of the requests, want %.1f (%v)", backend, got, want, counts)
		}
	}
	if counts["infra-backend-v3"] != 0 {
		t.Errorf("a backend of weight 0 got %d requests", counts["infra-backend-v3"])
	}
}

// TestConformanceReferenceGrantRemoved ports the second half of
// HTTPRouteReferenceGrant: without the grant, the same route is refused.
func TestConformanceReferenceGrantRemoved(t *testing.T) {
	set := loadManifests(t, "httproute-reference-grant")
	set.ReferenceGrants = nil
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /", status: 500}.run(t, h)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/reference-grant", "same-namespace", "ResolvedRefs", false, "RefNotPermitted"}.check(t, out.Status)
}

// TestWeightedUnresolvedShare checks that an unresolved backend gets 500
// for its share only.
func TestWeightedUnresolvedShare(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: half, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs:
    - {name: infra-backend-v1, port: 8080, weight: 1}
    - {name: missing, port: 8080, weight: 1}
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	codes := map[int]int{}
	for range 200 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://gateway.example/", nil))
		codes[w.Code]++
	}
	if codes[200] == 0 || codes[500] == 0 || codes[200]+codes[500] != 200 {
		t.Errorf("statuses %v, want both 200 and 500", codes)
	}
	wantCondition{"HTTPRoute", "gateway-conformance-infra/half", "same-namespace", "ResolvedRefs", false, "BackendNotFound"}.check(t, out.Status)
}

// TestUnsupportedFilter checks that a filter this package cannot apply
// makes its rule answer 500, with a warning and PartiallyInvalid, while
// the route's other rules are served.
func TestUnsupportedFilter(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ext, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /ext}}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: Thing, name: x}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - backendRefs: [{name: infra-backend-v2, port: 8080}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /ext", status: 500}.run(t, h)
	exchange{req: "GET /other", backend: "infra-backend-v2"}.run(t, h)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/ext", "same-namespace", "PartiallyInvalid", true, "UnsupportedValue"}.check(t, out.Status)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/ext", "same-namespace", "Accepted", true, "Accepted"}.check(t, out.Status)
	if !hasWarning(out, "filter ExtensionRef is not supported") {
		t.Errorf("no warning about the filter in %v", out.Warnings)
	}
}

// TestInvalidRegexMatch checks that a path regular expression that does
// not compile is reported on its match, with PartiallyInvalid, and that
// the rule's other matches answer 500 rather than the route's other rules
// or a 404.
func TestInvalidRegexMatch(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: re, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/a("}}, {path: {type: PathPrefix, value: /b}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - backendRefs: [{name: infra-backend-v2, port: 8080}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /b", status: 500}.run(t, h)
	exchange{req: "GET /other", backend: "infra-backend-v2"}.run(t, h)
	wantCondition{"HTTPRoute", "gateway-conformance-infra/re", "same-namespace", "PartiallyInvalid", true, "UnsupportedValue"}.check(t, out.Status)
	if !hasWarning(out, "spec.rules[0].matches[0]") {
		t.Errorf("no warning naming the match in %v", out.Warnings)
	}
}

func hasWarning(out *Compiled, text string) bool {
	for _, w := range out.Warnings {
		if strings.Contains(w.String(), text) {
			return true
		}
	}
	return false
}

// TestInvalidObjectsLeftOut checks that an object the apiserver would
// refuse is reported with its file, line, object and field path, and left
// out, while the others are served.
func TestInvalidObjectsLeftOut(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /bad}}]
    backendRefs: [{name: infra-backend-v1, port: 70000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: good, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
`)
	out, err := Compile(set, Options{Backends: echoBackends(t, set)})
	var list ingress.ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("error %v, want one ingress.ErrorList entry", err)
	}
	if got, want := list[0].Error(), "test.yaml:8 (document 1): httproute gateway-conformance-infra/bad: spec.rules[0].backendRefs[0].port: Invalid value: 70000"; !strings.HasPrefix(got, want) {
		t.Errorf("error %q, want it to start with %q", got, want)
	}
	h, err := proxy.New(proxy.Config{Table: out.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	exchange{req: "GET /bad", backend: "infra-backend-v2"}.run(t, h)
	for _, rs := range out.Status.HTTPRoutes {
		if rs.Name == "bad" {
			t.Errorf("an invalid route has a status: %+v", rs)
		}
	}
}

// TestOldestRouteWins checks Gateway API's conflict resolution between
// routes with the same match: the oldest route wins (then namespace/name),
// and the other one is reported with its file and line.
func TestOldestRouteWins(t *testing.T) {
	set := decodeWithBase(t, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a-newer, namespace: gateway-conformance-infra, creationTimestamp: "2026-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: z-older, namespace: gateway-conformance-infra, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
`)
	h, out := serveSet(t, set, Options{Backends: echoBackends(t, set)})
	exchange{req: "GET /", backend: "infra-backend-v2"}.run(t, h)
	if !hasWarning(out, `test.yaml:1 (document 1): httproute gateway-conformance-infra/a-newer: route: host "*" path "/" (Prefix) of httproute gateway-conformance-infra/a-newer is ignored: already declared by httproute gateway-conformance-infra/z-older`) {
		t.Errorf("warnings %v", out.Warnings)
	}
}
