package ingress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// fastAll runs the fast parser over the whole of data: every document, or
// declined (why is then its reason).
func fastAll(data []byte) (docs []*yaml.Node, why string) {
	p := newFastYAML(data)
	for {
		doc, ok := p.next()
		if !ok {
			return nil, p.why
		}
		if doc == nil {
			return docs, ""
		}
		docs = append(docs, doc)
	}
}

// v3All is what yaml.v3's Decoder gives for data: its documents, then the
// error that ends them. A panic counts as an error.
func v3All(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml.v3 panicked: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, n)
	}
}

// nodeDiff describes the first difference between two trees, or "". Every
// field is compared but the comments: nothing in this module reads
// HeadComment, LineComment or FootComment, and the fast parser does not
// keep them.
func nodeDiff(got, want *yaml.Node, at string) string {
	if (got == nil) != (want == nil) {
		return fmt.Sprintf("%s: node %v, want %v", at, got, want)
	}
	if got == nil {
		return ""
	}
	type fields struct {
		Kind          yaml.Kind
		Style         yaml.Style
		Tag, Value    string
		Anchor        string
		Line, Column  int
		Alias, Length int
	}
	f := func(n *yaml.Node) fields {
		alias := 0
		if n.Alias != nil {
			alias = 1
		}
		return fields{n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.Line, n.Column, alias, len(n.Content)}
	}
	if g, w := f(got), f(want); g != w {
		return fmt.Sprintf("%s: got %+v, want %+v", at, g, w)
	}
	for i := range got.Content {
		if d := nodeDiff(got.Content[i], want.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkFastContract asserts the fast parser's contract on data: it
// declines, or it gives exactly yaml.v3's documents and yaml.v3 finds no
// error; and parseDocuments, which combines both parsers, always gives
// what yaml.v3 alone gives. It reports whether the fast parser read the
// whole input.
func checkFastContract(t testing.TB, data []byte) (handled bool) {
	t.Helper()
	want, wantErr := v3All(data)
	got, why := fastAll(data)
	if why == "" {
		if wantErr != nil {
			t.Fatalf("fast parser read input yaml.v3 rejects (%v):\n%q", wantErr, data)
		}
		if len(got) != len(want) {
			t.Fatalf("fast parser read %d documents, yaml.v3 %d:\n%q", len(got), len(want), data)
		}
		for i := range got {
			if d := nodeDiff(got[i], want[i], fmt.Sprint("doc", i+1)); d != "" {
				t.Fatalf("fast parser differs from yaml.v3 at %s\ninput: %q", d, data)
			}
			checkDecodeSame(t, got[i], want[i], data)
		}
	}
	// The stream parseDocuments gives, with the fast parser declining
	// part way or not at all. A tree is only valid during its yield (its
	// nodes are reused), so each is compared there.
	var combinedErr error
	combined, diff := 0, ""
	func() {
		defer func() {
			if r := recover(); r != nil {
				combinedErr = fmt.Errorf("yaml.v3 panicked: %v", r)
			}
		}()
		for n, err := range parseDocuments(data) {
			if err != nil {
				combinedErr = err
				break
			}
			if combined < len(want) && diff == "" {
				diff = nodeDiff(n, want[combined], fmt.Sprint("doc", combined+1))
			}
			combined++
		}
	}()
	if (combinedErr == nil) != (wantErr == nil) || (wantErr != nil && combinedErr.Error() != wantErr.Error()) {
		t.Fatalf("parseDocuments error %v, yaml.v3 %v\ninput: %q", combinedErr, wantErr, data)
	}
	if combined != len(want) {
		t.Fatalf("parseDocuments gave %d documents, yaml.v3 %d\ninput: %q", combined, len(want), data)
	}
	if diff != "" {
		t.Fatalf("parseDocuments differs from yaml.v3 at %s\ninput: %q", diff, data)
	}
	return why == ""
}

// checkDecodeSame asserts that Node.Decode, which the converter calls on
// numbers and free-form values, reads the fast tree as it reads yaml.v3's.
func checkDecodeSame(t testing.TB, got, want *yaml.Node, data []byte) {
	t.Helper()
	var g, w any
	gerr, werr := got.Decode(&g), want.Decode(&w)
	if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(withoutNaN(g), withoutNaN(w)) {
		t.Fatalf("Node.Decode gives %v (%v) for the fast tree, %v (%v) for yaml.v3's\ninput: %q", g, gerr, w, werr, data)
	}
}

// withoutNaN replaces NaN, which equals nothing, for comparison.
func withoutNaN(v any) any {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) {
			return "NaN"
		}
	case []any:
		for i := range v {
			v[i] = withoutNaN(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = withoutNaN(v[k])
		}
	case map[any]any:
		for k := range v {
			v[k] = withoutNaN(v[k])
		}
	}
	return v
}

// repositoryYAML lists every YAML and JSON file of the repository: the
// test data of every package and the examples.
func repositoryYAML(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "fuzz") {
			return filepath.SkipDir
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d YAML files; the walk is broken", len(files))
	}
	return files
}

// TestFastYAMLRepositoryFiles holds the fast parser to yaml.v3 on every
// manifest in the repository, and requires it to read the examples (real
// manifests) itself: a fast path that declines them speeds nothing up.
func TestFastYAMLRepositoryFiles(t *testing.T) {
	handled := 0
	files := repositoryYAML(t)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if checkFastContract(t, data) {
			handled++
		} else if strings.HasPrefix(filepath.ToSlash(path), "../examples/") && filepath.Ext(path) != ".json" {
			_, why := fastAll(data)
			t.Errorf("%s: the fast parser declines a real manifest: %s", path, why)
		}
	}
	t.Logf("fast parser read %d of %d files itself", handled, len(files))
}

// TestFastYAMLBenchmarkInput requires the fast parser to read the
// benchmark input itself, so that the benchmarks measure it.
func TestFastYAMLBenchmarkInput(t *testing.T) {
	for name, data := range map[string][]byte{
		"manyIngresses":   manyIngresses(300),
		"servicesAndMore": []byte(rootBenchShapes),
	} {
		if !checkFastContract(t, data) {
			_, why := fastAll(data)
			t.Errorf("%s: declined: %s", name, why)
		}
	}
}

// rootBenchShapes is a Service and an EndpointSlice written as the
// module's root benchmarks write them (flow mappings for metadata, flow
// lists of flow mappings for ports and endpoints).
const rootBenchShapes = `---
apiVersion: v1
kind: Service
metadata: {name: api-1, namespace: team-1}
spec:
  ports: [{name: http, port: 8080, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1-1, namespace: team-1, labels: {kubernetes.io/service-name: api-1}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.18.0.2]}, {addresses: [198.18.0.3]}]
`

// fastCases are inputs of each construct of the subset (handled: the fast
// parser must read them) and of constructs outside it (declined: it must
// leave them to yaml.v3); every one is also held to the contract.
var fastCases = []struct {
	name    string
	in      string
	handled bool
}{
	{"empty input", "", true},
	{"comments only", "# a\n  # b\n\n", true},
	{"blank lines only", "\n\n   \n", true},
	{"mapping", "a: 1\nb: two\n", true},
	{"first document without ---", "a: 1\n---\nb: 2\n", true},
	{"explicit documents", "---\na: 1\n---\nb: 2\n", true},
	{"empty documents", "---\n---\n# c\n---\n", true},
	{"trailing ---", "a: 1\n---\n", true},
	{"--- with comment", "--- # start\na: 1\n", true},
	{"last line without newline", "a: 1\nb: 2", true},
	{"--- without newline", "a: 1\n---", true},
	{"trailing spaces", "a: 1   \nb: x y   \n", true},
	{"trailing spaces at the end", "a: 1\n   ", true},
	{"comment after value", "a: b # c\nd: 'e' # f\n", true},
	{"hash without space", "a: b#c\n", true},
	{"comments at odd indentation", "a:\n      # x\n  b: 1\n # y\n  c: 2\n# z\nd: 3\n", true},
	{"quoted hash", "key: \"a # b\"\n", true},
	{"quoted colon", "key: 'a: b'\n", true},
	{"url", "url: http://x:80/\n", true},
	{"colon inside plain", "a: b:c\n", true},
	{"key with colon", "a:b: c\n", true},
	{"value is a colon", "a: :\n", false},
	{"value starts with colon", "a: :x\n", true},
	{"value starts with dash", "a: -x\n", true},
	{"value starts with question mark", "a: ?x\n", true},
	{"plain with brackets", "a: x[0]{1},2\n", true},
	{"plain with inner spaces", "a: x  y   z\n", true},
	{"quoted keys", "\"a b\": 1\n'c''d': 2\n\"e\\tf\": 3\n", true},
	{"empty value", "a:\nb:\n", true},
	{"empty value with comment", "a: # c\nb: 1\n", true},
	{"empty value at end", "a:", true},
	{"nested mapping", "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", true},
	{"deeper sequence", "a:\n  - x\n  - y\n", true},
	{"indentless sequence", "a:\n- x\n- y\nb: 1\n", true},
	{"indentless sequence of mappings", "ports:\n- name: http\n  port: 80\n- name: https\n  port: 443\nx: y\n", true},
	{"compact nested mapping", "- name: x\n  port: 80\n- name: y\n", true},
	{"compact nested sequence", "- - a\n  - b\n- c\n", true},
	{"empty sequence entries", "a:\n-\n- # c\n-\nb: 1\n", true},
	{"entry value on next line", "-\n  a: 1\n-\n  - b\n", true},
	{"blank lines between items", "a:\n\n  - x\n\n  - y\n\nb: 1\n", true},
	{"root indented", "  a: 1\n  b: 2\n", true},
	{"root sequence", "- a\n- b\n", true},
	{"wider compact mapping", "-   a: 1\n    b: 2\n", true},
	{"duplicate keys", "a: 1\na: 2\n", true},
	{"merge key", "<<: {a: 1}\nb: 2\n", true},
	{"flow mapping", "backend: {service: {name: api, port: {number: 8080}}}\n", true},
	{"flow sequence", "a: [a, b, 'c', \"d\"]\n", true},
	{"flow of flows", "e: [{addresses: [198.18.0.1]}, {addresses: []}]\n", true},
	{"empty flows", "a: []\nb: {}\nc: [ ]\nd: { }\n", true},
	{"flow with spaces", "a: [ a , b ]\nb: { c: d }\n", true},
	{"flow then comment", "a: [a] # c\n", true},
	{"flow in sequence", "- {a: 1}\n- [b]\n", true},
	{"flow quoted key", "a: {\"b\": 1, 'c': 2}\n", true},
	{"flow plain with spaces", "a: [x y, z]\n", true},
	{"literal", "a: |\n  line 1\n  line 2\nb: 1\n", true},
	{"literal strip", "a: |-\n  x\n\n\nb: 1\n", true},
	{"literal keep", "a: |+\n  x\n\n\nb: 1\n", true},
	{"literal keep at end", "a: |+\n  x\n\n", true},
	{"literal clip blank lines", "a: |\n  x\n\n  y\n\n", true},
	{"literal leading blank lines", "a: |\n\n\n  x\n", true},
	{"literal more indented", "a: |\n  x\n    y\n  z\n", true},
	{"literal spaces-only line", "a: |\n  x\n      \n  y\n", true},
	{"literal dedented key", "a:\n  b: |\n    x\n  c: 1\nd: 2\n", true},
	{"literal with comment header", "a: | # c\n  x\n", true},
	{"literal with hash content", "a: |\n  # not a comment\n  x\n", true},
	{"literal then dedented comment", "a: |\n  x\n# c\nb: 1\n", true},
	{"literal without final newline", "a: |\n  x", true},
	{"literal indentation indicator", "a: |2\n    x\n  y\n", true},
	{"literal indicator and chomp", "a: |2-\n   x\nb: |-1\n x\n", true},
	{"literal in sequence", "- |\n  x\n- >\n  y\n  z\n", true},
	{"literal in compact mapping", "- a: |\n    x\n  b: 1\n", true},
	{"literal with tab content", "a: |\n  x\ty\n  \tz\n", true},
	{"folded", "a: >\n  one\n  two\n\n  three\n    more\n  four\n", true},
	{"folded strip", "a: >-\n  one\n  two\n", true},
	{"folded keep", "a: >+\n  one\n\n", true},
	{"pem", "tls.crt: |\n  -----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----\n", true},
	{"numbers", "a: 010\nb: 0x1F\nc: 1e3\nd: .5\ne: -0\nf: +1\ng: 1_000\nh: 0o17\ni: 0b101\nj: 12345678901234567890\nk: 0.\nl: -.inf\nm: .NaN\nn: 09\n", true},
	{"special words", "a: ~\nb: Null\nc: yes\nd: on\ne: TRUE\nf: False\ng: NULL\nh: no\ni: off\nj: y\n", true},
	{"quoted specials", "a: \"~\"\nb: 'true'\nc: \"1\"\n", true},
	{"timestamps", "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10\n", true},
	{"escapes", "a: \"\\x41\\u00e9\\U0001F600\\n\\t\\\\\\\"\\0\\a\\b\\v\\f\\r\\e\\ \\N\\_\\L\\P\\'\"\n", true},
	{"unicode", "a: héllo\nb: {c: ünï}\n\"ключ\": значение\n", true},
	{"comment after dash", "- # c\n  a: 1\n- # d\n  - b\n", true},
	{"comment before indentless sequence", "a:\n  # c\n- b\n# d\nc: 1\n", true},
	{"comment between documents", "a: 1\n# end of one\n---\n# start of two\nb: 2\n# foot\n", true},
	{"comment lines in flow-valued mapping", "a: {b: c} # d\n# e\nf: [g] # h\n", true},
	{"long line of multi-byte characters", "a: [" + strings.Repeat("é, ", 30_000) + "é]\n", true},
	{"very long line", "a: " + strings.Repeat("x", 100_000) + "\n", true},
	{"long key", strings.Repeat("k", 1500) + ": 1\n", false},

	{"anchor and alias", "a: &x 1\nb: *x\n", false},
	{"tag", "a: !!str 1\n", false},
	{"tagged document", "--- !!map\na: 1\n", false},
	{"directive", "%YAML 1.1\n---\na: 1\n", false},
	{"document end", "a: 1\n...\n", false},
	{"complex key", "? a\n: b\n", false},
	{"multi-line plain", "a: b\n  c\n", false},
	{"multi-line plain after blank", "a: b\n\n  c\n", false},
	{"multi-line quoted", "a: \"b\n  c\"\n", false},
	{"multi-line flow", "a: [b,\n  c]\n", false},
	{"json document", "{\"a\": 1}\n", false},
	{"tab indentation", "a:\n\tb: 1\n", false},
	{"tab after colon", "a:\tb\n", false},
	{"bom", "\ufeffa: 1\n", false},
	{"carriage return", "a: 1\r\n", false},
	{"control character", "a: \x01\n", false},
	{"invalid utf-8", "a: \xff\n", false},
	{"nel", "a: b\u0085c\n", false},
	{"top-level scalar", "hello\n", false},
	{"top-level quoted", "'hello'\n", false},
	{"mapping in value", "a: b: c\n", false},
	{"sequence on key line", "a: - b\n", false},
	{"bad indentation", "a:\n  b: 1\n c: 2\n", false},
	{"over-indented key", "a: 1\n  b: 2\n", false},
	{"sequence among keys", "a: 1\n- b\n", false},
	{"content after root", "a: 1\n---x\n", false},
	{"space before colon", "a : 1\n", false},
	{"escaped slash", "a: \"\\/\"\n", false},
	{"unknown escape", "a: \"\\q\"\n", false},
	{"surrogate escape", "a: \"\\ud800\"\n", false},
	{"unterminated quote", "a: 'b\n", false},
	{"text after quote", "a: 'b' c\n", false},
	{"empty block scalar", "a: |\nb: 1\n", false},
	{"block scalar indentation 0", "a: |0\n  x\n", false},
	{"block scalar over-indented blank", "a: |\n      \n  x\n", false},
	{"block scalar text after header", "a: |x\n  y\n", false},
	{"trailing comma", "a: [b, ]\n", false},
	{"flow single pair", "a: [b: c]\n", false},
	{"flow colon in plain", "a: [b:c]\n", false},
	{"flow comment", "a: [b #c\n]\n", false},
	{"flow empty value", "a: {b: }\n", false},
	{"flow key without value", "a: {b, c: d}\n", false},
	{"flow as key", "[a]: b\n", false},
	{"deep nesting", strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n", false},
	{"deep flow in value", "a: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n", false},
	{"deep block nesting", deepBlock(150), false},
}

// deepBlock is a mapping nested n levels deep.
func deepBlock(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
	}
	return b.String()
}

func TestFastYAMLCases(t *testing.T) {
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			handled := checkFastContract(t, []byte(tc.in))
			if handled != tc.handled {
				_, why := fastAll([]byte(tc.in))
				t.Fatalf("fast parser handled = %v (%s), want %v", handled, why, tc.handled)
			}
		})
	}
}

// TestFastYAMLDeclinesMidStream checks the hand-over to yaml.v3 when the
// fast parser declines a later document: at every position, and with a
// syntax error just after documents the fast parser could read.
func TestFastYAMLDeclinesMidStream(t *testing.T) {
	docs := []string{"a: 1\n", "---\nb: [c]\n", "---\n", "---\nd: |\n  x\n", "---\ne: &x 1\n", "---\n\tbad: tab\n", "---\nf: \"g\n  h\"\n", "---\ni: 2\n"}
	for i := range docs {
		for j := i + 1; j <= len(docs); j++ {
			in := strings.Join(docs[i:j], "")
			if !strings.HasPrefix(in, "---") {
				in = "---\n" + in
			}
			checkFastContract(t, []byte(in))
			checkFastContract(t, []byte(in+"---\nx: [\n"))
			checkFastContract(t, []byte(in+"---\n---\n---\n- a\n b\n"))
		}
	}
	// Declining the tenth document of many hands yaml.v3 the rest: the
	// first documents come from the fast parser, the others from yaml.v3.
	var b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&b, "---\nn: %d\n", i)
		if i == 9 {
			b.WriteString("alias: &a x\n")
		}
	}
	checkFastContract(t, []byte(b.String()))
}

// TestPlainTag holds plainTag to yaml.v3's own resolution.
func TestPlainTag(t *testing.T) {
	for _, v := range []string{
		"0", "1", "01", "010", "09", "123456789012345678", "1234567890123456789", "99999999999999999999",
		"-1", "+1", "-0", "0x1F", "0o17", "0b101", "-0b101", "1_000", "1e3", "1.5", ".5", "-.5", "+.inf", "-.Inf",
		".nan", ".NaN", "1.", "2001-12-14", "2001-12-14T21:59:43Z", "2001-12-14 21:59:43.10", "1-2", "198.18.0.1",
		"true", "True", "TRUE", "tRue", "false", "yes", "no", "on", "off", "y", "n", "null", "Null", "NULL", "nULL",
		"~", "~x", "<<", "<", "<x", "name", "Ingress", "networking.k8s.io/v1", "-", "+", ".", "-x", "8m", "1Gi", "100m",
	} {
		n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(v), n.ShortTag(); got != want {
			t.Errorf("plainTag(%q) = %s, yaml.v3 resolves %s", v, got, want)
		}
	}
}

// TestReusedNodesLeaveNoTrace decodes the corpora file by file in one
// order and then in the reverse order: every file's trees are built from
// nodes an earlier file's trees used, and each file must still decode to
// exactly what it decoded to the first time.
func TestReusedNodesLeaveNoTrace(t *testing.T) {
	var files []string
	for _, dir := range []string{"testdata/valid", "testdata/invalid", "testdata/realworld", "testdata/traffic"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, names...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d corpus files", len(files))
	}
	type decoded struct {
		set *Set
		err string
	}
	decode := func(name string) decoded {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		set, err := DecodeBytes(name, data)
		return decoded{set, fmt.Sprint(err)}
	}
	first := map[string]decoded{}
	for _, name := range files {
		first[name] = decode(name)
	}
	for _, name := range slices.Backward(files) {
		if again := decode(name); !reflect.DeepEqual(again, first[name]) {
			t.Errorf("%s decodes differently after other files reused its nodes", name)
		}
	}
}
