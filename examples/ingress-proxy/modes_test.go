package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckModesGolden pins -check's report of the requests that the spec
// and ingress-nginx route differently (testdata/modes: ingress-nginx's own
// path-matching examples, a regex host, trailing slashes, the kind
// quick-start), in the default mode and with -match ingress-nginx, whose
// table is ingress-nginx's.
func TestCheckModesGolden(t *testing.T) {
	for _, tt := range []struct{ golden, mode string }{
		{"testdata/modes.golden", "spec"},
		{"testdata/modes-ingress-nginx.golden", "ingress-nginx"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"-check", "-match", tt.mode, "-f", "testdata/modes"}, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			assertGolden(t, tt.golden, stdout.String())
		})
	}
}

func TestMatchFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-match", "nginx", "-f", "testdata/modes"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `unknown matching mode "nginx": want spec or ingress-nginx`)
}
