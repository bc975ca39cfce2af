package kubetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The script that builds and caches kube-apiserver and installs etcd, named
// in messages about missing binaries.
const provisionScript = ".ci/kube-apiserver.sh"

// KubernetesVersion is the Kubernetes release whose kube-apiserver the tests
// run: the one matching the module's k8s.io/api (k8s.io/api v0.N.P belongs
// to Kubernetes v1.N.P), as the provisioning script derives it from go.mod.
// A test keeps the two in step.
const KubernetesVersion = "v1.37.2"

// Binaries are the paths of the programs a control plane runs.
type Binaries struct {
	// Etcd is the etcd server.
	Etcd string
	// KubeAPIServer is kube-apiserver.
	KubeAPIServer string
}

// FindBinaries returns the etcd and kube-apiserver to run, as the package
// documentation describes, or an error saying how to provide them.
func FindBinaries() (Binaries, error) {
	var b Binaries
	b.Etcd = os.Getenv("INGRESSMUX_ETCD")
	if b.Etcd == "" {
		path, err := exec.LookPath("etcd")
		if err != nil {
			return b, fmt.Errorf("kubetest: etcd not found on PATH and INGRESSMUX_ETCD not set: run %s", provisionScript)
		}
		b.Etcd = path
	}
	b.KubeAPIServer = os.Getenv("INGRESSMUX_KUBE_APISERVER")
	if b.KubeAPIServer == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return b, fmt.Errorf("kubetest: finding the cached kube-apiserver: %w", err)
		}
		b.KubeAPIServer = filepath.Join(cache, "ingressmux", "kube-apiserver-"+KubernetesVersion, "kube-apiserver")
	}
	for _, path := range []string{b.Etcd, b.KubeAPIServer} {
		if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return b, fmt.Errorf("kubetest: %s is not an executable file: run %s (it builds kube-apiserver once and caches it) or set INGRESSMUX_KUBE_APISERVER and INGRESSMUX_ETCD", path, provisionScript)
		}
	}
	return b, nil
}

// MustFindBinaries is FindBinaries ending the test on error.
func MustFindBinaries(tb testing.TB) Binaries {
	tb.Helper()
	b, err := FindBinaries()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
