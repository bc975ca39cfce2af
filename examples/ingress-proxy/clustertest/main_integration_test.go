//go:build integration

package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// programPath is the ingress-proxy binary TestMain builds once for every
// test and benchmark of the package.
var programPath string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ingressmux-clustertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	programPath = filepath.Join(dir, "ingress-proxy")
	build := exec.Command("go", "build", "-o", programPath, "github.com/ingressmux/ingressmux/examples/ingress-proxy")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building ingress-proxy: %v\n", err)
		return 1
	}
	return m.Run()
}
