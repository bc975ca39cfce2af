package ingress

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestValidateMetaIsApimachinerys checks that the object-meta checks give
// exactly what apimachinery's ValidateObjectMetaAccessor gives (errors,
// order, wording, origins), whether the cache of checked strings is cold
// or warm: on the metadata of every corpus object and on metadata wrong in
// each way apimachinery checks.
func TestValidateMetaIsApimachinerys(t *testing.T) {
	var metas []*metav1.ObjectMeta
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	everything, _ := ReadFiles(files...)
	for _, set := range []*Set{everything, everything.partial} {
		for _, o := range set.Ingresses {
			metas = append(metas, &o.ObjectMeta)
		}
		for _, o := range set.Services {
			metas = append(metas, &o.ObjectMeta)
		}
		for _, o := range set.EndpointSlices {
			metas = append(metas, &o.ObjectMeta)
		}
		for _, o := range set.ConfigMaps {
			metas = append(metas, &o.ObjectMeta)
		}
	}
	if len(metas) < 100 {
		t.Fatalf("only %d corpus objects", len(metas))
	}
	metas = append(metas,
		&metav1.ObjectMeta{},
		&metav1.ObjectMeta{Name: "UPPER", Namespace: "Bad_NS"},
		&metav1.ObjectMeta{Name: "ok", Namespace: strings.Repeat("n", 64)},
		&metav1.ObjectMeta{GenerateName: "gen-", Namespace: "ns"},
		&metav1.ObjectMeta{GenerateName: "Bad_", Name: "ok", Namespace: "ns"},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Generation: -1},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Labels: map[string]string{"bad key": "bad value!"}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Annotations: map[string]string{"Example.COM/Key": "v"}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Annotations: map[string]string{"bad key!": "v"}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Annotations: map[string]string{"big": strings.Repeat("x", apivalidation.TotalAnnotationSizeLimitB)}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", OwnerReferences: []metav1.OwnerReference{{APIVersion: "a/b/c"}}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", Finalizers: []string{"orphan", "foregroundDeletion", "bad finalizer"}},
		&metav1.ObjectMeta{Name: "ok", Namespace: "ns", ManagedFields: []metav1.ManagedFieldsEntry{{Operation: "Sideways"}}},
	)
	cache := new(checkCache)
	for i, meta := range metas {
		for _, namespaced := range []bool{true, false} {
			for _, nameFn := range []apivalidation.ValidateNameFunc{apivalidation.NameIsDNSSubdomain, apivalidation.NameIsDNS1035Label} {
				want := apivalidation.ValidateObjectMetaAccessor(meta, namespaced, nameFn, metadataPath)
				for _, pass := range []string{"first", "second"} {
					got := validateMeta(meta, namespaced, nameFn, cache)
					if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
						t.Errorf("metadata %d (%+v), namespaced %v, %s pass:\n got: %v\nwant: %v", i, meta, namespaced, pass, got, want)
					}
				}
			}
		}
	}
}
