package ingress

import (
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestTypePlans checks the plans the converter walks: inlined fields
// flattened with their index, pointer, slice and map types leading to
// their element's plan, one plan per type, and recursive types.
func TestTypePlans(t *testing.T) {
	p := planOf(reflect.TypeFor[networkingv1.Ingress]())
	if p != planOf(reflect.TypeFor[networkingv1.Ingress]()) {
		t.Error("two plans for one type")
	}
	if p.field("noSuchField") != nil || p.field("") != nil {
		t.Error("a field the type does not have was found")
	}
	// Every field of the API types read is found by its name.
	for _, typ := range []reflect.Type{reflect.TypeFor[networkingv1.Ingress](), reflect.TypeFor[metav1.ObjectMeta](),
		reflect.TypeFor[corev1.ServiceSpec](), reflect.TypeFor[corev1.PodSpec](), reflect.TypeFor[discoveryv1.Endpoint]()} {
		tp := planOf(typ)
		if len(tp.types) == 0 {
			t.Fatalf("%v: no fields", typ)
		}
		for name := range tp.types {
			if f := tp.field(name); f == nil || f.name != name {
				t.Errorf("%v field %s: found %+v", typ, name, f)
			}
		}
	}
	if !p.direct || p.own {
		t.Errorf("Ingress plan: direct %v, own JSON %v", p.direct, p.own)
	}
	kind := p.field("kind")
	if kind == nil || !reflect.DeepEqual(kind.index, []int{0, 0}) || kind.typePlan().t.Kind() != reflect.String {
		t.Errorf("kind (inlined from TypeMeta): %+v", kind)
	}
	meta := p.field("metadata").typePlan()
	annotations := meta.field("annotations").typePlan()
	if annotations.t.Kind() != reflect.Map || annotations.elemPlan().t.Kind() != reflect.String {
		t.Errorf("annotations plan %v", annotations.t)
	}
	rules := p.field("spec").typePlan().field("rules").typePlan()
	http := rules.elemPlan().field("http").typePlan()
	if http.t.Kind() != reflect.Pointer || http.elemPlan().field("paths") == nil {
		t.Errorf("rules[].http plan %v", http.t)
	}
	if !planOf(reflect.TypeFor[timestampField]()).field("at").typePlan().own {
		t.Error("metav1.Time has its own JSON form")
	}
	type tree struct {
		Children []tree `json:"children"`
	}
	tp := planOf(reflect.TypeFor[tree]())
	if tp.field("children").typePlan().elemPlan() != tp {
		t.Error("a recursive type does not lead back to its own plan")
	}
}

// TestStoreOnlyWritesNoJSON checks that an object stored whole is
// converted without writing JSON text, and that one which cannot be
// stands down at once.
func TestStoreOnlyWritesNoJSON(t *testing.T) {
	for _, tc := range []struct {
		doc    string
		direct bool
	}{
		{"metadata: {name: a, labels: {x: y}}\nspec: {rules: [{host: a.example.com}]}", true},
		{"metadata: {name: a, managedFields: [{fieldsV1: {x: 1}}]}\nspec: {rules: [{host: a.example.com}]}", false},
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(tc.doc), &root); err != nil {
			t.Fatal(err)
		}
		obj := new(networkingv1.Ingress)
		c := converter{direct: true, storeOnly: true}
		c.convert(&root, planOf(reflect.TypeFor[networkingv1.Ingress]()), reflect.ValueOf(obj).Elem(), 0)
		if c.direct != tc.direct || len(c.out) != 0 {
			t.Errorf("%q: direct %v, JSON %q; want direct %v and no JSON", tc.doc, c.direct, c.out, tc.direct)
		}
		if tc.direct && (obj.Name != "a" || obj.Labels["x"] != "y" || obj.Spec.Rules[0].Host != "a.example.com") {
			t.Errorf("%q: stored %+v", tc.doc, obj)
		}
	}
}

type timestampField struct {
	At metav1.Time `json:"at"`
}
