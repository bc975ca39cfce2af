package ingress

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const webIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %s
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
`

func ingressYAML(name string) string { return strings.ReplaceAll(webIngress, "%s", name) }

func ingressNames(set *Set) []string {
	var names []string
	for _, i := range set.Ingresses {
		names = append(names, i.Name)
	}
	return names
}

func writeFiles(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(tb, os.WriteFile(p, []byte(content), 0o644))
	}
}

func TestReadFilesWalksDirectoriesInLexicalOrder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.yaml":            ingressYAML("b"),
		"a.yml":             ingressYAML("a"),
		"sub/c.json":        `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"c"},"spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`,
		"sub/deeper/d.YAML": ingressYAML("d"),
		"notes.txt":         ingressYAML("ignored-txt"),
		"README.md":         "# not a manifest",
	})
	set, err := ReadFiles(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c", "d"}, ingressNames(set), "files are read in lexical order, recursively, by extension")

	// A file named directly is read whatever its extension, and the order
	// of arguments is the load order.
	set, err = ReadFiles(filepath.Join(dir, "notes.txt"), filepath.Join(dir, "a.yml"))
	require.NoError(t, err)
	assert.Equal(t, []string{"ignored-txt", "a"}, ingressNames(set))
}

func TestReadFSMatchesReadFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"manifests/one.yaml":     {Data: []byte(ingressYAML("one") + "---\n" + ingressYAML("two"))},
		"manifests/sub/two.yaml": {Data: []byte(ingressYAML("three"))},
		"other/x.yaml":           {Data: []byte(ingressYAML("elsewhere"))},
	}
	set, err := ReadFS(fsys, "manifests")
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "two", "three"}, ingressNames(set))
	assert.Equal(t, Source{File: "manifests/one.yaml", Doc: 2, Line: 12}, set.Ingresses[1].Source)

	set, err = ReadFS(fsys, ".")
	require.NoError(t, err)
	assert.Len(t, set.Ingresses, 4)
}

func TestDecodeSourcesNameTheInput(t *testing.T) {
	set, err := Decode("stdin", strings.NewReader("\n\n"+ingressYAML("web")))
	require.NoError(t, err)
	require.Len(t, set.Ingresses, 1)
	assert.Equal(t, Source{File: "stdin", Doc: 1, Line: 3}, set.Ingresses[0].Source)
	assert.Equal(t, "default", set.Ingresses[0].Namespace, "objects without a namespace go to default, as with kubectl apply")
	assert.Equal(t, "stdin:3 (document 1)", set.Ingresses[0].Source.String())
}

func TestMissingAndEmptyInputs(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFiles(filepath.Join(dir, "nope.yaml"))
	var list ErrorList
	require.ErrorAs(t, err, &list)
	assert.Contains(t, list[0].Error(), "nope.yaml")
	assert.ErrorIs(t, err, os.ErrNotExist)

	set, err := ReadFiles(dir)
	require.NoError(t, err)
	require.Len(t, set.Warnings, 1)
	assert.Contains(t, set.Warnings[0].Message, "no *.yaml")
}

func TestSizeLimit(t *testing.T) {
	d := Decoder{MaxFileSize: 64}
	_, err := d.DecodeBytes("big.yaml", []byte(ingressYAML("web")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than the 64-byte limit")

	_, err = d.Decode("big.yaml", strings.NewReader(ingressYAML("web")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "big.yaml")

	// The default limit applies without a configured Decoder, and a file
	// over it is refused from its size alone, before it is read.
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(DefaultMaxFileSize+1))
	require.NoError(t, f.Close())
	_, err = ReadFiles(huge)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "limit")

	// A reader is cut off at the limit rather than buffered whole.
	_, err = Decode("endless", io.MultiReader(strings.NewReader("a: "), neverEnding('x')))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "limit")
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// aliasAnchors are top-level keys a0 to a12, each a list of ten aliases
// of the one before: *a12 stands for 10^13 nodes when expanded.
func aliasAnchors() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 12; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestHostileYAMLIsCheap checks that inputs built to exhaust memory fail
// with a clear error after little allocation.
func TestHostileYAMLIsCheap(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n" + aliasAnchors())
	bomb.WriteString("data:\n  k: *a12\n")

	for _, tt := range []struct {
		name, input, want string
	}{
		{"alias bomb", bomb.String(), "alias bomb"},
		{"deep flow nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "invalid YAML"},
		{"deep nesting in a free-form field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  managedFields:\n    - fieldsV1: " +
			strings.Repeat("{a: ", 5000) + "x" + strings.Repeat("}", 5000) + "\n", "nesting deeper than 64 levels"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := DecodeBytes("hostile.yaml", []byte(tt.input))
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(64<<20), "decoding %s allocated %d bytes", tt.name, allocated)
		})
	}
}

func TestUnknownFieldSuggestions(t *testing.T) {
	const pathEntry = "spec.rules[0].http.paths[0]."
	for _, tt := range []struct {
		entry, field, want string
	}{
		{"path: /\n            pathtype: Prefix", "pathtype", `did you mean "pathType"?`},
		{"PATH: /\n            pathType: Prefix", "PATH", `did you mean "path"?`},
		{"path: /\n            pathType: Prefix\n            bakend: {}", "bakend", `did you mean "backend"?`},
		{"path: /\n            pathType: Prefix\n            zzzzzzzz: 1", "zzzzzzzz", "known fields: backend, path, pathType"},
	} {
		input := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - backend: {service: {name: web, port: {number: 80}}}
            ` + tt.entry + "\n"
		_, err := DecodeBytes("typo.yaml", []byte(input))
		var list ErrorList
		require.ErrorAs(t, err, &list, tt.field)
		require.Len(t, list, 1, "%v", err)
		e := list[0]
		assert.Equal(t, ErrorTypeUnknownField, e.Field.Type)
		assert.Equal(t, pathEntry+tt.field, e.Field.Field)
		assert.Contains(t, e.Error(), pathEntry+tt.field+": unknown field; "+tt.want)
		assert.Equal(t, strings.Count(input[:strings.Index(input, tt.field+":")], "\n")+1, e.Source.Line, "line of the misspelt key")
	}
}

func TestErrorsUnwrapToFieldErrors(t *testing.T) {
	set, err := DecodeBytes("web.yaml", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: Web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {number: 80}}}
`))
	require.NoError(t, err)
	err = set.Validate()
	var fe *field.Error
	require.ErrorAs(t, err, &fe, "callers can reach the apimachinery field error")
	assert.Equal(t, "spec.rules[0].host", fe.Field)
	assert.Equal(t, field.ErrorTypeInvalid, fe.Type)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, Source{File: "web.yaml", Doc: 1, Line: 6}, e.Source, "the line of the host field")
	assert.Equal(t, "ingress default/web", e.Object)
}

func TestSecretStringDataMergesIntoData(t *testing.T) {
	set, err := DecodeBytes("s.yaml", []byte(`apiVersion: v1
kind: Secret
metadata: {name: s, namespace: apps}
data:
  a: b2xk       # "old"
  keep: a2VlcA==
stringData:
  a: new
`))
	require.NoError(t, err)
	require.Len(t, set.Secrets, 1)
	s := set.Secrets[0]
	assert.Equal(t, map[string][]byte{"a": []byte("new"), "keep": []byte("keep")}, s.Data, "stringData wins, as on the apiserver")
	assert.Nil(t, s.StringData)
	assert.Equal(t, "secret apps/s", s.Ref())
}

func TestSetAddKeepsLoadOrder(t *testing.T) {
	first, err := DecodeBytes("1.yaml", []byte(ingressYAML("first")))
	require.NoError(t, err)
	second, err := DecodeBytes("2.yaml", []byte(ingressYAML("second")+"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"))
	require.NoError(t, err)
	first.Add(second)
	first.Add(nil)
	assert.Equal(t, []string{"first", "second"}, ingressNames(first))
	assert.Len(t, first.Warnings, 1)
	assert.Equal(t, 2, first.Len())
}

func TestErrorListRendersOneProblemPerLine(t *testing.T) {
	_, err := DecodeBytes("x.yaml", []byte("kind: Ingress\n---\napiVersion: v1\n"))
	var list ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 2)
	assert.Equal(t, list[0].Error()+"\n"+list[1].Error(), err.Error())
	assert.True(t, errors.Is(err, list[1]))
	assert.True(t, bytes.Contains([]byte(err.Error()), []byte("(document 2)")))
}
