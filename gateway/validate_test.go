package gateway

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/ingressmux/ingressmux/ingress"
)

// fromYAML reads one object as the apiserver reads JSON: whole numbers as
// int64.
func fromYAML(tb testing.TB, text string) map[string]any {
	tb.Helper()
	var obj map[string]any
	if err := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096).Decode(&obj); err != nil {
		tb.Fatalf("bad test YAML: %v\n%s", err, text)
	}
	return obj
}

// wantError is one expected error: its type, field path and a part of its
// detail ("" when the type says it all).
type wantError struct {
	typ    field.ErrorType
	field  string
	detail string
}

// notChecked is the apiserver's note when schema errors stop CEL rules.
var notChecked = wantError{field.ErrorTypeInvalid, "<nil>", "some validation rules were not checked because the object was invalid"}

func TestValidateErrors(t *testing.T) {
	const (
		route     = "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: web, namespace: default}, spec: %s}"
		gw        = "{apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: gw, namespace: default}, spec: {gatewayClassName: c, listeners: %s}}"
		backend   = "backendRefs: [{name: svc, port: 80}]"
		grpcRoute = "{apiVersion: gateway.networking.k8s.io/v1, kind: GRPCRoute, metadata: {name: g, namespace: default}, spec: %s}"
	)
	tooManyRules := strings.TrimSuffix(strings.Repeat("{"+backend+"}, ", 17), ", ")
	for _, tt := range []struct {
		name string
		obj  string
		want []wantError
	}{{
		name: "valid route",
		obj:  fmt.Sprintf(route, "{parentRefs: [{name: gw}], hostnames: [a.example.com], rules: [{matches: [{path: {value: /a}}], "+backend+"}]}"),
	}, {
		name: "unsupported path match type",
		obj:  fmt.Sprintf(route, "{rules: [{matches: [{path: {type: Regex, value: /a}}], "+backend+"}]}"),
		want: []wantError{
			{field.ErrorTypeNotSupported, "spec.rules[0].matches[0].path.type", ""},
			notChecked,
		},
	}, {
		name: "hostname pattern",
		obj:  fmt.Sprintf(route, "{hostnames: [Bad_Host]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.hostnames[0]", "spec.hostnames[0] in body should match"}},
	}, {
		name: "too many rules",
		obj:  fmt.Sprintf(route, "{rules: ["+tooManyRules+"]}"),
		want: []wantError{{field.ErrorTypeTooMany, "spec.rules", ""}, notChecked},
	}, {
		name: "backendRef without name",
		obj:  fmt.Sprintf(route, "{rules: [{backendRefs: [{port: 80}]}]}"),
		want: []wantError{{field.ErrorTypeRequired, "spec.rules[0].backendRefs[0].name", ""}, notChecked},
	}, {
		name: "RequestRedirect and URLRewrite together",
		obj:  fmt.Sprintf(route, "{rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}, {type: URLRewrite, urlRewrite: {hostname: b.example.com}}]}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0].filters", "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both"}},
	}, {
		name: "RequestRedirect with backendRefs",
		obj:  fmt.Sprintf(route, "{rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}], "+backend+"}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0]", "RequestRedirect filter must not be used together with backendRefs"}},
	}, {
		name: "path not starting with a slash",
		obj:  fmt.Sprintf(route, "{rules: [{matches: [{path: {type: PathPrefix, value: foo}}], "+backend+"}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0].matches[0].path", "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"}},
	}, {
		name: "ReplacePrefixMatch with an Exact match",
		obj:  fmt.Sprintf(route, "{rules: [{matches: [{path: {type: Exact, value: /a}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}], "+backend+"}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0]", "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"}},
	}, {
		name: "Service backendRef without port",
		obj:  fmt.Sprintf(route, "{rules: [{backendRefs: [{name: svc}]}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0].backendRefs[0]", "Must have port for Service reference"}},
	}, {
		name: "unknown field",
		obj:  fmt.Sprintf(route, "{rules: [{"+backend+", retry: {attempts: 2}}]}"),
		want: []wantError{{ingress.ErrorTypeUnknownField, "spec.rules[0].retry", ""}},
	}, {
		name: "bad metadata",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: Web_1, namespace: Team.A, labels: {'a b': c}}, spec: {}}",
		want: []wantError{
			{field.ErrorTypeInvalid, "metadata.name", "a lowercase RFC 1123 subdomain must consist of"},
			{field.ErrorTypeInvalid, "metadata.namespace", "a lowercase RFC 1123 label must consist of"},
			{field.ErrorTypeInvalid, "metadata.labels", "name part must consist of alphanumeric characters"},
		},
	}, {
		name: "no name",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {namespace: default}, spec: {}}",
		want: []wantError{{field.ErrorTypeRequired, "metadata.name", "name or generateName is required"}, notChecked},
	}, {
		name: "valid gateway",
		obj:  fmt.Sprintf(gw, "[{name: http, port: 80, protocol: HTTP, hostname: '*.example.com'}, {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}]"),
	}, {
		// The v1.6.3 CRDs leave an HTTPS listener without tls to the
		// controller, which reports it in the listener's status.
		name: "HTTPS listener without tls",
		obj:  fmt.Sprintf(gw, "[{name: https, port: 443, protocol: HTTPS}]"),
	}, {
		name: "hostname on a TCP listener and a repeated listener name",
		obj:  fmt.Sprintf(gw, "[{name: a, port: 9000, protocol: TCP, hostname: a.example.com}, {name: a, port: 80, protocol: HTTP}]"),
		want: []wantError{
			{field.ErrorTypeDuplicate, "spec.listeners[1]", ""},
			{field.ErrorTypeInvalid, "spec.listeners", "hostname must not be specified for protocols ['TCP', 'UDP']"},
			{field.ErrorTypeInvalid, "spec.listeners", "Listener name must be unique within the Gateway"},
		},
	}, {
		name: "tls on an HTTP listener",
		obj:  fmt.Sprintf(gw, "[{name: http, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: cert}]}}]"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.listeners", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"}},
	}, {
		name: "port out of range",
		obj:  fmt.Sprintf(gw, "[{name: http, port: 70000, protocol: HTTP}]"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.listeners[0].port", "should be less than or equal to 65535"}},
	}, {
		name: "no listeners",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: gw, namespace: default}, spec: {gatewayClassName: c}}",
		want: []wantError{{field.ErrorTypeRequired, "spec.listeners", ""}, notChecked},
	}, {
		name: "GatewayClass controllerName pattern",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass, metadata: {name: c}, spec: {controllerName: no-slash}}",
		want: []wantError{{field.ErrorTypeInvalid, "spec.controllerName", "spec.controllerName in body should match"}},
	}, {
		name: "GRPCRoute method match without service or method",
		obj:  fmt.Sprintf(grpcRoute, "{rules: [{matches: [{method: {type: Exact}}]}]}"),
		want: []wantError{{field.ErrorTypeInvalid, "spec.rules[0].matches[0].method", "One or both of 'service' or 'method' must be specified"}},
	}, {
		name: "ReferenceGrant from without kind",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1beta1, kind: ReferenceGrant, metadata: {name: g, namespace: default}, spec: {from: [{group: gateway.networking.k8s.io, namespace: x}], to: [{group: '', kind: Service}]}}",
		want: []wantError{{field.ErrorTypeRequired, "spec.from[0].kind", ""}},
	}, {
		name: "ReferenceGrant bad group",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: ReferenceGrant, metadata: {name: g, namespace: default}, spec: {from: [{group: Not_A_Group, kind: HTTPRoute, namespace: x}], to: [{group: '', kind: Service}]}}",
		want: []wantError{{field.ErrorTypeInvalid, "spec.from[0].group", "spec.from[0].group in body should match"}},
	}, {
		name: "BackendTLSPolicy without hostname",
		obj:  "{apiVersion: gateway.networking.k8s.io/v1, kind: BackendTLSPolicy, metadata: {name: p, namespace: default}, spec: {targetRefs: [{group: '', kind: Service, name: s}], validation: {wellKnownCACertificates: System}}}",
		want: []wantError{{field.ErrorTypeRequired, "spec.validation.hostname", ""}, notChecked},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			obj := fromYAML(t, tt.obj)
			_, errs := Validate(obj["apiVersion"].(string), obj["kind"].(string), obj)
			if len(errs) != len(tt.want) {
				t.Fatalf("Validate = %d errors, want %d:\n%s", len(errs), len(tt.want), renderErrors(errs))
			}
			for i, w := range tt.want {
				got := errs[i]
				if got.Type != w.typ || got.Field != w.field || !strings.Contains(got.Detail, w.detail) {
					t.Errorf("error %d = %s %s %q, want %s %s containing %q", i, got.Type, got.Field, got.Detail, w.typ, w.field, w.detail)
				}
			}
		})
	}
}

func renderErrors(errs field.ErrorList) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\t%s %s: %s\n", e.Type, e.Field, e.Detail)
	}
	return b.String()
}

// TestValidateDefaults checks that the result carries the CRD defaults the
// front end relies on, and what the apiserver does besides.
func TestValidateDefaults(t *testing.T) {
	for _, tt := range []struct {
		name string
		obj  string
		path []string // path to a value in the result
		want any
	}{
		{"path match PathPrefix /", "{kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{}]}}",
			[]string{"spec", "rules", "0", "matches"}, []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}}},
		{"path type of a given path", "{kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{matches: [{path: {value: /a}}]}]}}",
			[]string{"spec", "rules", "0", "matches", "0", "path", "type"}, "PathPrefix"},
		{"backendRef weight 1 and kind Service", "{kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{backendRefs: [{name: s, port: 80}]}]}}",
			[]string{"spec", "rules", "0", "backendRefs", "0"}, map[string]any{"name": "s", "port": int64(80), "weight": int64(1), "group": "", "kind": "Service"}},
		{"parentRef group and kind", "{kind: HTTPRoute, metadata: {name: r}, spec: {parentRefs: [{name: gw}]}}",
			[]string{"spec", "parentRefs", "0"}, map[string]any{"name": "gw", "group": "gateway.networking.k8s.io", "kind": "Gateway"}},
		{"redirect status 302", "{kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]}]}}",
			[]string{"spec", "rules", "0", "filters", "0", "requestRedirect", "statusCode"}, int64(302)},
		{"listener allowedRoutes from Same", "{kind: Gateway, metadata: {name: g}, spec: {gatewayClassName: c, listeners: [{name: h, port: 80, protocol: HTTP}]}}",
			[]string{"spec", "listeners", "0", "allowedRoutes"}, map[string]any{"namespaces": map[string]any{"from": "Same"}}},
		{"listener tls mode Terminate", "{kind: Gateway, metadata: {name: g}, spec: {gatewayClassName: c, listeners: [{name: h, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}]}}",
			[]string{"spec", "listeners", "0", "tls", "mode"}, "Terminate"},
		{"namespace default", "{kind: HTTPRoute, metadata: {name: r}}", []string{"metadata", "namespace"}, "default"},
		{"namespace kept", "{kind: HTTPRoute, metadata: {name: r, namespace: team}}", []string{"metadata", "namespace"}, "team"},
		{"cluster-scoped loses namespace", "{kind: GatewayClass, metadata: {name: c, namespace: team}, spec: {controllerName: example.com/c}}", []string{"metadata", "namespace"}, nil},
		{"status dropped", "{kind: HTTPRoute, metadata: {name: r}, status: {parents: []}}", []string{"status"}, nil},
		{"unknown field pruned", "{kind: HTTPRoute, metadata: {name: r}, spec: {color: blue}}", []string{"spec", "color"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := fromYAML(t, tt.obj)
			out, _ := Validate("gateway.networking.k8s.io/v1", obj["kind"].(string), obj)
			if got := lookup(out, tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate(%s) %v = %#v, want %#v", tt.obj, tt.path, got, tt.want)
			}
			if reflect.DeepEqual(obj, out) {
				t.Errorf("Validate returned its input; it must work on a copy")
			}
		})
	}
}

// lookup follows keys and list indexes into an unstructured object.
func lookup(v any, path []string) any {
	for _, step := range path {
		switch c := v.(type) {
		case map[string]any:
			v = c[step]
		case []any:
			var i int
			if _, err := fmt.Sscan(step, &i); err != nil || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func TestValidateDoesNotModifyInput(t *testing.T) {
	text := "{metadata: {name: r}, spec: {rules: [{backendRefs: [{name: s, port: 80}]}]}, status: {parents: []}}"
	obj := fromYAML(t, text)
	if _, errs := Validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj); len(errs) > 0 {
		t.Fatal(errs)
	}
	if !reflect.DeepEqual(obj, fromYAML(t, text)) {
		t.Errorf("Validate changed its input to %v", obj)
	}
}

func TestValidateUnknownTypes(t *testing.T) {
	for _, tt := range []struct {
		apiVersion, kind string
		obj              map[string]any
		want             wantError
	}{
		{"gateway.networking.k8s.io/v1", "TCPRoute", map[string]any{}, wantError{field.ErrorTypeNotSupported, "kind", `"BackendTLSPolicy", "GRPCRoute", "Gateway", "GatewayClass", "HTTPRoute", "ReferenceGrant"`}},
		{"gateway.networking.k8s.io/v1alpha1", "HTTPRoute", map[string]any{}, wantError{field.ErrorTypeNotSupported, "apiVersion", `"gateway.networking.k8s.io/v1"`}},
		{"networking.k8s.io/v1", "Gateway", map[string]any{}, wantError{field.ErrorTypeNotSupported, "apiVersion", `"gateway.networking.k8s.io/v1"`}},
		{"gateway.networking.k8s.io/v1", "HTTPRoute", map[string]any{"spec": make(chan int)}, wantError{field.ErrorTypeInvalid, "<nil>", "a value of Go type chan int is not JSON"}},
		{"gateway.networking.k8s.io/v1", "HTTPRoute", map[string]any{"metadata": "web"}, wantError{field.ErrorTypeInvalid, "metadata", ""}},
	} {
		t.Run(tt.apiVersion+" "+tt.kind, func(t *testing.T) {
			out, errs := Validate(tt.apiVersion, tt.kind, tt.obj)
			if len(errs) != 1 || errs[0].Type != tt.want.typ || errs[0].Field != tt.want.field || !strings.Contains(errs[0].Error(), tt.want.detail) {
				t.Fatalf("Validate(%s, %s) = %v, want one %s error at %s mentioning %s", tt.apiVersion, tt.kind, errs, tt.want.typ, tt.want.field, tt.want.detail)
			}
			if out != nil {
				t.Errorf("Validate(%s, %s) returned an object: %v", tt.apiVersion, tt.kind, out)
			}
		})
	}
}

func TestValidateSource(t *testing.T) {
	doc := `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: foo
    backendRefs:
    - name: svc
      port: 80
`
	lines := map[string]int{"spec.rules[0].matches[0].path": 8}
	var asked []string
	line := func(p string) int { asked = append(asked, p); return lines[p] }
	src := ingress.Source{File: "routes.yaml", Doc: 2, Line: 1}
	out, errs := ValidateSource(src, "gateway.networking.k8s.io/v1", "HTTPRoute", fromYAML(t, doc), line)
	if out == nil {
		t.Fatal("no object returned")
	}
	want := `routes.yaml:8 (document 2): httproute default/web: spec.rules[0].matches[0].path: Invalid value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']`
	if errs.Error() != want {
		t.Errorf("ValidateSource =\n%s\nwant\n%s", errs.Error(), want)
	}
	if !reflect.DeepEqual(asked, []string{"spec.rules[0].matches[0].path"}) {
		t.Errorf("line asked for %q", asked)
	}

	// Without a line function, or when it does not know the field, the
	// error points at the object; unknown fields read as they do for
	// Ingresses.
	_, errs = ValidateSource(src, "gateway.networking.k8s.io/v1", "GatewayClass", fromYAML(t, "{metadata: {name: c}, spec: {controllerName: example.com/c, colour: red}}"), nil)
	want = `routes.yaml:1 (document 2): gatewayclass c: spec.colour: unknown field`
	if errs.Error() != want {
		t.Errorf("ValidateSource =\n%s\nwant\n%s", errs.Error(), want)
	}

	if _, errs := ValidateSource(src, "gateway.networking.k8s.io/v1", "HTTPRoute", fromYAML(t, "{metadata: {name: ok}, spec: {}}"), nil); errs != nil {
		t.Errorf("ValidateSource of a valid route = %v, want nil", errs)
	}
}

// TestValidateConcurrently lets the race detector see the lazy compile
// and shared validators used from several goroutines at once.
func TestValidateConcurrently(t *testing.T) {
	objs := []string{
		"{kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{matches: [{path: {value: foo}}]}]}}",
		"{kind: Gateway, metadata: {name: g}, spec: {gatewayClassName: c, listeners: [{name: h, port: 80, protocol: HTTP}]}}",
		"{kind: GRPCRoute, metadata: {name: g}, spec: {rules: [{matches: [{method: {type: Exact}}]}]}}",
	}
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Go(func() {
			obj := fromYAML(t, objs[i%len(objs)])
			_, errs := Validate("gateway.networking.k8s.io/v1", obj["kind"].(string), obj)
			counts[i] = len(errs)
		})
	}
	wg.Wait()
	for i, n := range counts {
		if want := []int{1, 0, 1}[i%len(objs)]; n != want {
			t.Errorf("goroutine %d: %d errors, want %d", i, n, want)
		}
	}
}
