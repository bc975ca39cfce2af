package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// realWorldDir is the corpus of public Ingress manifests kept by the
// ingress package (see its TestRealWorldCorpus).
const realWorldDir = "../../ingress/testdata/realworld"

// TestCheckRealWorldGolden pins what -check says about each real-world
// manifest, as a user migrating it would see it: the table, the route
// settings, the certificates and every warning, or every error and the
// exit status. Regenerate all of them with one run:
//
//	go test ./examples/ingress-proxy -run TestCheckRealWorldGolden -update
func TestCheckRealWorldGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realWorldDir, "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 60)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"-check", "-f", file}, &stdout, &stderr)
			got := fmt.Sprintf("exit %d\n%s", code, stdout.String())
			if stderr.Len() > 0 {
				got += "--- stderr\n" + stderr.String()
			}
			// The report names files by the path given; the golden files
			// should not depend on where the corpus lives.
			got = strings.ReplaceAll(got, realWorldDir+"/", "")
			assertGolden(t, filepath.Join("testdata", "realworld", name+".golden"), got)
		})
	}
}
