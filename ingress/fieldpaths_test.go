package ingress

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestSharedFieldPaths checks that the field paths every compile shares
// (the first rules and paths of an Ingress) and those built for the others
// are the paths of their fields, down to their root.
func TestSharedFieldPaths(t *testing.T) {
	for _, c := range []struct{ rule, path int }{{0, 0}, {0, 7}, {0, 8}, {3, 7}, {3, 8}, {4, 0}, {12, 107}} {
		want := field.NewPath("spec").Child("rules").Index(c.rule).Child("http", "paths").Index(c.path)
		paths := rulePath(c.rule).Child("http", "paths")
		got := pathsEntry(c.rule, c.path, paths)
		if got.String() != want.String() || got.Root().String() != "spec" {
			t.Errorf("pathsEntry(%d, %d) = %s (root %s), want %s", c.rule, c.path, got, got.Root(), want)
		}
		if got.Child("backend").String() != want.Child("backend").String() {
			t.Errorf("pathsEntry(%d, %d).Child(backend) = %s, want %s", c.rule, c.path, got.Child("backend"), want.Child("backend"))
		}
		if got := pathField(c.rule, c.path); got != want.String() {
			t.Errorf("pathField(%d, %d) = %q, want %q", c.rule, c.path, got, want)
		}
	}
	if got := defaultBackendPath.String(); got != "spec.defaultBackend" {
		t.Errorf("defaultBackendPath = %q", got)
	}
}
