package ingress

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestFieldPathRendersAsFieldPath checks that a path built as a value
// renders exactly as the field.Path calls it stands for, also past the
// steps it holds unbuilt.
func TestFieldPathRendersAsFieldPath(t *testing.T) {
	deepWant := field.NewPath("a")
	deep := newFieldPath("a")
	for i := range 3 * maxFieldPathSteps {
		switch i % 3 {
		case 0:
			deepWant, deep = deepWant.Child("b", "c"), deep.child("b", "c")
		case 1:
			deepWant, deep = deepWant.Index(i), deep.index(i)
		case 2:
			deepWant, deep = deepWant.Key("k.ey/x"), deep.key("k.ey/x")
		}
	}
	tests := []struct {
		name string
		got  fieldPath
		want *field.Path
	}{
		{"one step", newFieldPath("spec"), field.NewPath("spec")},
		{"several names", newFieldPath("metadata", "annotations").key("a/b"), field.NewPath("metadata", "annotations").Key("a/b")},
		{"deepest validator path",
			newFieldPath("spec").child("rules").index(3).child("http", "paths").index(12).child("backend").child("service", "port", "number"),
			field.NewPath("spec").Child("rules").Index(3).Child("http", "paths").Index(12).Child("backend").Child("service", "port", "number")},
		{"longer than the steps held", deep, deepWant},
	}
	for _, tt := range tests {
		if got, want := tt.got.path().String(), tt.want.String(); got != want {
			t.Errorf("%s: %q, want %q", tt.name, got, want)
		}
	}
}
