package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
			golden := filepath.Join("testdata", "realworld", name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got, "rerun with -update if the change is intended")
		})
	}
}
