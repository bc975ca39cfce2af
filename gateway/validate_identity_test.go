package gateway

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// decodedObject is one decoded Gateway API object with where it came from.
type decodedObject struct {
	obj  runtime.Object
	src  ingress.Source
	line func(string) int
}

// typedObjects lists the Gateway API objects of set.
func typedObjects(set *ingress.Set) []decodedObject {
	var out []decodedObject
	for _, o := range set.GatewayClasses {
		out = append(out, decodedObject{o.GatewayClass, o.Source, o.FieldLine})
	}
	for _, o := range set.Gateways {
		out = append(out, decodedObject{o.Gateway, o.Source, o.FieldLine})
	}
	for _, o := range set.HTTPRoutes {
		out = append(out, decodedObject{o.HTTPRoute, o.Source, o.FieldLine})
	}
	for _, o := range set.GRPCRoutes {
		out = append(out, decodedObject{o.GRPCRoute, o.Source, o.FieldLine})
	}
	for _, o := range set.ReferenceGrants {
		out = append(out, decodedObject{o.ReferenceGrant, o.Source, o.FieldLine})
	}
	for _, o := range set.BackendTLSPolicies {
		out = append(out, decodedObject{o.BackendTLSPolicy, o.Source, o.FieldLine})
	}
	return out
}

// freshCopy is what validatedCopy gives for obj when nothing is
// remembered: the apiserver's checks run again.
func freshCopy(o decodedObject) (runtime.Object, ingress.ErrorList) {
	fresh := func(apiVersion, kind string, u map[string]any) (map[string]any, field.ErrorList, int) {
		out, errs := validate(apiVersion, kind, u)
		return out, errs, 0
	}
	r := validateTypedWith(o.obj.DeepCopyObject(), fresh)
	filled := r.filled
	if filled == nil {
		filled = o.obj.DeepCopyObject()
	}
	return filled, r.errorList(o.src, o.line)
}

// testdataObjects decodes the Gateway API objects of every YAML file of
// the package's test data; files with decode errors still give their
// other objects.
func testdataObjects(t *testing.T) []decodedObject {
	t.Helper()
	var out []decodedObject
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if set, _ := ingress.DecodeBytes(path, data); set != nil {
			out = append(out, typedObjects(set)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestValidatedCopyIsFresh checks, for every Gateway API object of the
// package's test data, that the copy a compile works on and the errors
// are those a fresh validation gives, on the first compile and on the
// compiles after it that find them remembered, and that the decoded
// object is never changed.
func TestValidatedCopyIsFresh(t *testing.T) {
	objs := testdataObjects(t)
	invalid := 0
	for _, o := range objs {
		decoded := o.obj.DeepCopyObject()
		wantObj, wantErrs := freshCopy(o)
		if len(wantErrs) > 0 {
			invalid++
		}
		for call := 1; call <= 3; call++ {
			got, errs := validatedCopy(o.src, o.obj, o.line)
			if !reflect.DeepEqual(got, wantObj) {
				t.Errorf("%s %s, call %d: the validated copy differs from a fresh validation's:\n%#v\nwant\n%#v", o.src, typeName(o.obj), call, got, wantObj)
			}
			if !reflect.DeepEqual(errs, wantErrs) {
				t.Errorf("%s %s, call %d: errors %v, want %v", o.src, typeName(o.obj), call, errs, wantErrs)
			}
		}
		if !reflect.DeepEqual(o.obj, decoded) {
			t.Errorf("%s %s: validating changed the decoded object", o.src, typeName(o.obj))
		}
	}
	// The test data holds many valid and some invalid objects; a test
	// that saw none of either would prove nothing about them.
	if len(objs) < 100 || invalid == 0 {
		t.Fatalf("%d objects, %d of them invalid: the test data is not what this test needs", len(objs), invalid)
	}
}

// TestValidatedCopyAfterChangeInPlace checks that an object changed in
// place after it was validated is validated again: the remembered result
// of the same object (the same pointer) is never given for other content.
func TestValidatedCopyAfterChangeInPlace(t *testing.T) {
	set, err := ingress.DecodeBytes("route.yaml", []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: changed-in-place, namespace: team}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 80}]
`))
	if err != nil {
		t.Fatal(err)
	}
	route := set.HTTPRoutes[0]
	first, errs := validatedCopy(route.Source, route.HTTPRoute, route.FieldLine)
	if len(errs) != 0 || *first.Spec.Rules[0].BackendRefs[0].Weight != 1 {
		t.Fatalf("first validation: %v, weight %v; want no errors and the default weight", errs, first.Spec.Rules[0].BackendRefs[0].Weight)
	}

	// A copy handed out is the caller's own.
	first.Spec.Rules[0].Matches[0].Path.Value = new("/changed-by-caller")
	again, _ := validatedCopy(route.Source, route.HTTPRoute, route.FieldLine)
	if v := *again.Spec.Rules[0].Matches[0].Path.Value; v != "/api" {
		t.Errorf("after a caller changed its copy, the next copy has path %q, want /api", v)
	}

	// The same object, changed in place: invalid now.
	route.Spec.Rules[0].Matches[0].Path.Value = new("api")
	_, errs = validatedCopy(route.Source, route.HTTPRoute, route.FieldLine)
	if len(errs) == 0 {
		t.Fatalf("a path changed in place to %q: no errors, want the CRD's", "api")
	}
	if errs[0].Source.Line != 7 {
		t.Errorf("error at line %d, want 7 (the path's): %v", errs[0].Source.Line, errs)
	}

	// Changed back and to another valid value: each answer is its own.
	route.Spec.Rules[0].Matches[0].Path.Value = new("/v2")
	weight := gatewayv1.PortNumber(8080)
	route.Spec.Rules[0].BackendRefs[0].Port = &weight
	got, errs := validatedCopy(route.Source, route.HTTPRoute, route.FieldLine)
	if len(errs) != 0 || *got.Spec.Rules[0].Matches[0].Path.Value != "/v2" || *got.Spec.Rules[0].BackendRefs[0].Port != 8080 {
		t.Errorf("after another change in place: %v, path %q, port %d; want no errors, /v2 and 8080",
			errs, *got.Spec.Rules[0].Matches[0].Path.Value, *got.Spec.Rules[0].BackendRefs[0].Port)
	}
}

// TestValidatedCopyConcurrent validates the same objects from several
// goroutines at once, as compiles of several Muxes do; run with -race.
func TestValidatedCopyConcurrent(t *testing.T) {
	objs := testdataObjects(t)
	want := make([]runtime.Object, len(objs))
	for i, o := range objs {
		want[i], _ = freshCopy(o)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i, o := range objs {
					got, _ := validatedCopy(o.src, o.obj, o.line)
					if !reflect.DeepEqual(got, want[i]) {
						t.Errorf("goroutine %d round %d object %d: differs from a fresh validation", g, round, i)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestSameContent checks the comparison that decides whether a
// remembered result may be given: any difference reflect.DeepEqual sees
// in a Gateway API object is one.
func TestSameContent(t *testing.T) {
	objs := testdataObjects(t)
	route := func() *gatewayv1.HTTPRoute {
		for _, o := range objs {
			if r, ok := o.obj.(*gatewayv1.HTTPRoute); ok && len(r.Spec.Rules) > 0 && len(r.Spec.Rules[0].BackendRefs) > 0 && len(r.Labels) == 0 {
				return r.DeepCopy()
			}
		}
		t.Fatal("no HTTPRoute with a backendRef in the test data")
		return nil
	}
	tests := []struct {
		name   string
		change func(*gatewayv1.HTTPRoute)
	}{
		{"a name", func(r *gatewayv1.HTTPRoute) { r.Name += "x" }},
		{"a label added", func(r *gatewayv1.HTTPRoute) { r.Labels = map[string]string{"a": "b"} }},
		{"an empty label map for none", func(r *gatewayv1.HTTPRoute) { r.Labels = map[string]string{} }},
		{"a pointed-to port", func(r *gatewayv1.HTTPRoute) {
			p := *r.Spec.Rules[0].BackendRefs[0].Port + 1
			r.Spec.Rules[0].BackendRefs[0].Port = &p
		}},
		{"a weight set", func(r *gatewayv1.HTTPRoute) { r.Spec.Rules[0].BackendRefs[0].Weight = new(int32(3)) }},
		{"a rule added", func(r *gatewayv1.HTTPRoute) { r.Spec.Rules = append(r.Spec.Rules, gatewayv1.HTTPRouteRule{}) }},
		{"an empty hostname list for none", func(r *gatewayv1.HTTPRoute) {
			if r.Spec.Hostnames == nil {
				r.Spec.Hostnames = []gatewayv1.Hostname{}
			} else {
				r.Spec.Hostnames = nil
			}
		}},
		{"a status parent", func(r *gatewayv1.HTTPRoute) {
			r.Status.Parents = append(r.Status.Parents, gatewayv1.RouteParentStatus{ControllerName: "c"})
		}},
	}
	base := route()
	if !sameContent(reflect.ValueOf(base), reflect.ValueOf(base.DeepCopy()), 0) {
		t.Fatalf("a copy is not the same content")
	}
	for _, tt := range tests {
		changed := base.DeepCopy()
		tt.change(changed)
		if reflect.DeepEqual(base, changed) {
			t.Fatalf("%s: no change at all", tt.name)
		}
		if sameContent(reflect.ValueOf(base), reflect.ValueOf(changed), 0) {
			t.Errorf("%s: the same content, want a difference", tt.name)
		}
	}
	// Deeper than any API type, as a cycle is: not the same.
	type node struct{ next *node }
	loop := &node{}
	loop.next = loop
	if sameContent(reflect.ValueOf(loop), reflect.ValueOf(loop), 0) {
		t.Errorf("a cycle is the same content; want it validated again")
	}
}
