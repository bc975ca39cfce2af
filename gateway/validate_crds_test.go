package gateway

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"testing"
)

// TestCRDCopiesMatchModule fails when a copied CRD differs from the file of
// the gateway-api version go.mod requires, as read from the module cache.
func TestCRDCopiesMatchModule(t *testing.T) {
	dir := gatewayModuleDir(t)
	if len(crdFileOfKind) == 0 {
		t.Fatal("no CRD files")
	}
	for kind, file := range crdFileOfKind {
		copied, err := crdFiles.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		original, err := os.ReadFile(filepath.Join(dir, "config", "crd", "standard", path.Base(file)))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !bytes.Equal(copied, original) {
			t.Errorf("%s differs from the module's; copy it again (see crds/README.md)", file)
		}
	}
}

// TestCRDsCompile compiles every embedded CRD and checks that each kind
// serves the versions the typed gateway-api objects use.
func TestCRDsCompile(t *testing.T) {
	want := map[string][]string{
		"GatewayClass":     {"v1"},
		"Gateway":          {"v1"},
		"HTTPRoute":        {"v1"},
		"GRPCRoute":        {"v1"},
		"ReferenceGrant":   {"v1", "v1beta1"},
		"BackendTLSPolicy": {"v1"},
	}
	for kind, versions := range want {
		crd, err := compiledCRDs[kind]()
		if err != nil {
			t.Fatalf("compiling %s: %v", kind, err)
		}
		for _, v := range versions {
			vs := crd.versions[v]
			if vs == nil {
				t.Errorf("%s: version %s not served; served: %v", kind, v, crd.served)
				continue
			}
			if (vs.cel == nil) != (kind == "ReferenceGrant") {
				t.Errorf("%s %s: CEL validator present = %v", kind, v, vs.cel != nil)
			}
		}
	}
}
