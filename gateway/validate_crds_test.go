package gateway

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
)

// TestCRDCopiesMatchModule fails when a copied CRD differs from the file of
// the gateway-api version go.mod requires, as read from the module cache.
// The go command runs offline: the module is in the cache because this
// package's tests build against it.
func TestCRDCopiesMatchModule(t *testing.T) {
	cmd := exec.Command("go", "list", "-m", "-json", "sigs.k8s.io/gateway-api")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m sigs.k8s.io/gateway-api: %v", err)
	}
	var mod struct{ Version, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if mod.Dir == "" {
		t.Fatalf("sigs.k8s.io/gateway-api %s is not in the module cache", mod.Version)
	}
	if len(crdFileOfKind) == 0 {
		t.Fatal("no CRD files")
	}
	for kind, file := range crdFileOfKind {
		copied, err := crdFiles.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		original, err := os.ReadFile(filepath.Join(mod.Dir, "config", "crd", "standard", path.Base(file)))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !bytes.Equal(copied, original) {
			t.Errorf("%s differs from sigs.k8s.io/gateway-api@%s; copy it again (see crds/README.md)", file, mod.Version)
		}
	}
}
