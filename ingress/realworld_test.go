package ingress

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRealWorldCorpus loads every manifest of testdata/realworld, public
// Ingress YAML as its authors wrote it (the origin is the first line of
// each file), and checks the verdict its "# expect:" line gives: what the
// apiserver and ingress-nginx accept loads; what they refuse, and snippets,
// are refused with precise errors, each naming the file and line, and
// never the same problem twice. The -check output of each file is pinned
// by the ingress-proxy program's golden test.
func TestRealWorldCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/realworld/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 60, "the corpus holds at least 60 manifests")
	loaded, refused := 0, 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			origin, expect := corpusHeader(t, file)
			require.True(t, strings.HasPrefix(origin, "https://"), "%s: first line must be '# origin: URL'", file)
			_, compiled, err := LoadFiles(nil, []string{file}, Options{})
			if expect == "load" {
				loaded++
				require.NoError(t, err)
				require.NotNil(t, compiled.Table)
				return
			}
			refused++
			require.True(t, strings.HasPrefix(expect, "refuse: "), "%s: '# expect:' must be 'load' or 'refuse: why'", file)
			var list ErrorList
			require.ErrorAs(t, err, &list, "%s must be refused (%s)", file, expect)
			seen := map[string]bool{}
			for _, e := range list {
				assert.Equal(t, file, e.Source.File)
				assert.Positive(t, e.Source.Line, "%v names no line", e)
				msg := e.Error()
				assert.False(t, seen[msg], "reported twice: %s", msg)
				seen[msg] = true
			}
		})
	}
	t.Logf("%d manifests: %d load, %d refused", len(files), loaded, refused)
}

// corpusHeader reads the "# origin:" and "# expect:" lines that open a
// corpus file.
func corpusHeader(tb testing.TB, file string) (origin, expect string) {
	tb.Helper()
	f, err := os.Open(file)
	require.NoError(tb, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; i < 2 && sc.Scan(); i++ {
		if v, ok := strings.CutPrefix(sc.Text(), "# origin: "); ok {
			origin = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "# expect: "); ok {
			expect = v
		}
	}
	return origin, expect
}
