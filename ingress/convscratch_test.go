package ingress

import (
	"fmt"
	"strings"
	"testing"
)

// TestObjectsKeepNoConverterBuffers checks that objects decoded one after
// another own their values: the converter's JSON text is reused for the
// next object, so any value that aliased it (raw JSON such as a managed
// field set, strings, annotations) would change under an earlier object.
func TestObjectsKeepNoConverterBuffers(t *testing.T) {
	const n = 5
	var stream strings.Builder
	for i := range n {
		fmt.Fprintf(&stream, `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-%d
  annotations: {note: "value %d"}
  managedFields:
    - manager: kubectl-%d
      operation: Apply
      fieldsType: FieldsV1
      fieldsV1: {"f:spec": {"f:rules": {"n%d": {}}}}
spec:
  defaultBackend: {service: {name: svc-%d, port: {number: 80}}}
`, i, i, i, i, i)
	}
	set, err := DecodeBytes("reuse.yaml", []byte(stream.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Ingresses) != n {
		t.Fatalf("decoded %d Ingresses, want %d", len(set.Ingresses), n)
	}
	for i, ing := range set.Ingresses {
		if got, want := ing.Name, fmt.Sprintf("web-%d", i); got != want {
			t.Errorf("Ingress %d: name %q, want %q", i, got, want)
		}
		if got, want := ing.Annotations["note"], fmt.Sprintf("value %d", i); got != want {
			t.Errorf("Ingress %d: annotation %q, want %q", i, got, want)
		}
		if got, want := ing.Spec.DefaultBackend.Service.Name, fmt.Sprintf("svc-%d", i); got != want {
			t.Errorf("Ingress %d: service %q, want %q", i, got, want)
		}
		if len(ing.ManagedFields) != 1 || ing.ManagedFields[0].FieldsV1 == nil {
			t.Fatalf("Ingress %d: managedFields %+v", i, ing.ManagedFields)
		}
		if got, want := ing.ManagedFields[0].FieldsV1.GetRawString(), fmt.Sprintf(`{"f:spec":{"f:rules":{"n%d":{}}}}`, i); got != want {
			t.Errorf("Ingress %d: fieldsV1 %s, want %s", i, got, want)
		}
	}
}
