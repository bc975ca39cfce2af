package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// manifest is one Gateway API object of a YAML file.
type manifest struct {
	at     string // file and document number
	object map[string]any
}

// readManifests returns the objects of the YAML files whose group and kind
// the validator knows, in file order. Numbers are decoded as the apiserver
// decodes JSON: whole numbers as int64.
func readManifests(tb testing.TB, files []string) []manifest {
	tb.Helper()
	var out []manifest
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for doc := 1; ; doc++ {
			var obj map[string]any
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				tb.Fatalf("%s document %d: %v", file, doc, err)
			}
			apiVersion, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			if _, known := crdFileOfKind[kind]; known && strings.HasPrefix(apiVersion, gatewayv1.GroupName+"/") {
				out = append(out, manifest{at: fmt.Sprintf("%s document %d", filepath.Base(file), doc), object: obj})
			}
		}
	}
	return out
}

// gatewayModuleDir returns the gateway-api module's directory in the
// module cache, without using the network.
func gatewayModuleDir(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command("go", "list", "-m", "-json", "sigs.k8s.io/gateway-api")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list -m sigs.k8s.io/gateway-api: %v", err)
	}
	var mod struct{ Version, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		tb.Fatal(err)
	}
	if mod.Dir == "" {
		tb.Fatalf("sigs.k8s.io/gateway-api %s is not in the module cache", mod.Version)
	}
	return mod.Dir
}

// typedObject decodes obj into its gateway-api Go type, as the front end
// holds it.
func typedObject(tb testing.TB, obj map[string]any) runtime.Object {
	tb.Helper()
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		tb.Fatal(err)
	}
	typed, err := typedKinds.New(gv.WithKind(kind))
	if err != nil {
		tb.Fatal(err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, typed); err != nil {
		tb.Fatal(err)
	}
	return typed
}

// invalidManifests are the conformance manifests a real apiserver with the
// standard CRDs rejects too, with the field that it rejects.
var invalidManifests = map[string]string{
	// The suite replaces the placeholder with unusable addresses at run time.
	"gateway-static-addresses.yaml document 1": "spec.addresses[1].value",
	// The suite replaces the placeholder with the implementation's name.
	"gatewayclass-observed-generation-bump.yaml document 1": "spec.controllerName",
	// HTTPRoute retry is an experimental-channel field; the standard CRD
	// does not have it.
	"httproute-retry.yaml document 1": "spec.rules[0].retry",
}

// TestValidManifests checks that the Gateway API project's standard
// examples and its conformance manifests pass, both as read from YAML and
// as typed objects; the few that need the suite's run-time substitutions
// or the experimental channel must fail on the field that needs them.
func TestValidManifests(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(gatewayModuleDir(t), "examples", "standard", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob(filepath.Join(gatewayModuleDir(t), "examples", "standard", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	conformance, err := filepath.Glob("testdata/conformance/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifests := readManifests(t, append(append(examples, more...), conformance...))
	kinds := map[string]int{}
	for _, m := range manifests {
		kind := m.object["kind"].(string)
		apiVersion := m.object["apiVersion"].(string)
		kinds[kind]++
		t.Run(m.at, func(t *testing.T) {
			if want, ok := invalidManifests[m.at]; ok {
				_, errs := Validate(apiVersion, kind, m.object)
				if !slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Field == want }) {
					t.Errorf("Validate(%s %s) = %v, want an error at %s", apiVersion, kind, errs, want)
				}
				return
			}
			if _, errs := Validate(apiVersion, kind, m.object); len(errs) > 0 {
				t.Errorf("Validate(%s %s) = %v, want no errors", apiVersion, kind, errs)
			}
			if errs := ValidateObject(ingress.Source{File: m.at}, typedObject(t, m.object), nil); errs != nil {
				t.Errorf("ValidateObject(%s %s) = %v, want no errors", apiVersion, kind, errs)
			}
		})
	}
	for kind := range crdFileOfKind {
		if kinds[kind] == 0 {
			t.Errorf("no %s among the manifests", kind)
		}
	}
	t.Logf("%d manifests: %v", len(manifests), kinds)
}
