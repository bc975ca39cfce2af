package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
)

// mutationTokens are the values FuzzCompile swaps for one another in a
// manifest: hostnames, path types, listener protocols and ports, section
// names, namespaces, kinds and weights, so that mutants stay valid YAML and
// mostly valid objects while their listeners, routes and references combine
// in ways no manifest spells.
var mutationTokens = [][]string{
	{`"*.example.com"`, `"*.foo.example.com"`, `"foo.example.com"`, `"a.b.example.com"`, `"*"`, `""`, `"example.com"`, `"*.com"`},
	{"PathPrefix", "Exact", "RegularExpression"},
	{"protocol: HTTP", "protocol: HTTPS", "protocol: TCP", "protocol: GRPC"},
	{"port: 80", "port: 443", "port: 8080", "port: 0", "port: 65535"},
	{"sectionName: http", "sectionName: https", "sectionName: tls", "sectionName: missing"},
	{"namespace: gateway-conformance-infra", "namespace: gateway-conformance-web-backend", "namespace: gateway-conformance-app-backend", "namespace: nowhere"},
	{"kind: Service", "kind: Secret", "kind: Gateway", "kind: HTTPRoute"},
	{"weight: 0", "weight: 1", "weight: 1000000", "weight: 70"},
	{"from: Same", "from: All", "from: Selector", "from: None"},
	{"value: /", "value: //", "value: /a/../b", "value: /%2F", "value: /foo"},
	{"type: RequestHeaderModifier", "type: RequestRedirect", "type: URLRewrite", "type: RequestMirror", "type: CORS"},
}

// mutate applies ops to doc: each pair of bytes picks a token group and an
// occurrence to replace, and the value to put there.
func mutate(doc string, ops []byte) string {
	for ; len(ops) >= 2; ops = ops[2:] {
		group := mutationTokens[int(ops[0])%len(mutationTokens)]
		from := group[int(ops[0]>>4)%len(group)]
		to := group[int(ops[1])%len(group)]
		n := strings.Count(doc, from)
		if n == 0 {
			continue
		}
		nth := int(ops[1]>>4) % n
		at := 0
		for range nth + 1 {
			i := strings.Index(doc[at:], from)
			at += i + 1
		}
		at--
		doc = doc[:at] + to + doc[at+len(from):]
	}
	return doc
}

// FuzzCompile compiles the conformance manifests with mutations: whatever
// they become, Compile never panics, and compiling the same objects twice
// gives the same table, listeners, certificates, warnings and status.
func FuzzCompile(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no manifests: %v", err)
	}
	for i := range files {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte{0x00, 0x13, 0x02, 0x01, 0x23, 0x31})
	}
	base, err := os.ReadFile(filepath.Join("testdata", "conformance-base.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, file uint8, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64] // a few dozen mutations reach every combination worth trying
		}
		data, err := os.ReadFile(files[int(file)%len(files)])
		if err != nil {
			t.Fatal(err)
		}
		doc := mutate(string(base)+"\n---\n"+string(data), ops)
		doc = strings.ReplaceAll(doc, "{GATEWAY_CLASS_NAME}", className)
		compile := func() string {
			set, err := ingress.DecodeBytes("fuzz.yaml", []byte(doc))
			if err != nil {
				return "decode: " + err.Error()
			}
			out, err := Compile(set, Options{})
			got := render(t, out)
			if err != nil {
				got += "\n# error\n" + err.Error()
			}
			return got
		}
		if a, b := compile(), compile(); a != b {
			t.Fatalf("two compiles of the same objects differ:\n--- first:\n%s\n--- second:\n%s", a, b)
		}
	})
}
