package kubetest

import (
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// InstallCRDs applies the CustomResourceDefinitions in the YAML files, as
// ApplyFiles does, and waits until the apiserver serves every version
// they mark served (discovery lists their resources), so that clients
// started afterwards find them.
func (cp *ControlPlane) InstallCRDs(tb testing.TB, paths ...string) {
	tb.Helper()
	objs := cp.ApplyFiles(tb, paths...)
	want := map[string][]string{} // group/version -> plural resources
	for _, obj := range objs {
		if obj.GetKind() != "CustomResourceDefinition" {
			tb.Fatalf("kubetest: InstallCRDs: %s %s is not a CustomResourceDefinition", obj.GetKind(), obj.GetName())
		}
		group, _, _ := unstructured.NestedString(obj.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(obj.Object, "spec", "names", "plural")
		versions, _, _ := unstructured.NestedSlice(obj.Object, "spec", "versions")
		for _, v := range versions {
			version, _ := v.(map[string]any)
			if served, _ := version["served"].(bool); served {
				name, _ := version["name"].(string)
				want[group+"/"+name] = append(want[group+"/"+name], plural)
			}
		}
	}
	err := pollUntil(readyTimeout, cp.apiserver, func() error {
		for gv, plurals := range want {
			list, err := cp.Admin.Discovery().ServerResourcesForGroupVersion(gv)
			if err != nil {
				return fmt.Errorf("%s: %w", gv, err)
			}
			for _, p := range plurals {
				if !slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == p }) {
					return fmt.Errorf("%s: %s not served yet", gv, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("kubetest: CRDs %v not served: %v", paths, err)
	}
}
