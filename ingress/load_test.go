package ingress

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ingressDoc is an Ingress of host with one Prefix path "/", with extra
// lines spliced in under metadata (annotations) and in the path entry.
func ingressDoc(name, host, metadataExtra, pathExtra string) string {
	return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ` + name + `
` + metadataExtra + `spec:
  rules:
  - host: ` + host + `
    http:
      paths:
      - path: /
` + pathExtra + `        backend:
          service:
            name: web
            port:
              number: 80
`
}

// TestLoadReportsEverythingInOnePass checks that decoding, validation and
// annotation errors of every file come back together, in file and line
// order, and that a decoding problem's echoes are not reported twice.
func TestLoadReportsEverythingInOnePass(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
	}{{
		name: "a typo does not hide a bad pathType in the same Ingress",
		files: map[string]string{"a.yaml": ingressDoc("typo", "a.example.com", "", "        pathtype: Prefix\n") +
			"      - path: /x\n        pathType: Regex\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\n"},
		want: []string{
			`a.yaml:11 (document 1): ingress default/typo: spec.rules[0].http.paths[0].pathtype: unknown field; did you mean "pathType"?`,
			`a.yaml:18 (document 1): ingress default/typo: spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`,
		},
	}, {
		name: "a broken file hides nothing in the others",
		files: map[string]string{
			"a.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n   name: x\n",
			"b.yaml": ingressDoc("badann", "b.example.com", "  annotations:\n    nginx.ingress.kubernetes.io/proxy-body-size: lots\n", "        pathType: Prefix\n"),
			"c.yaml": ingressDoc("badhost", "B_AD", "", "        pathType: Prefix\n"),
		},
		want: []string{
			`a.yaml:8 (document 1): invalid YAML: did not find expected key`,
			`b.yaml:6 (document 1): ingress default/badann: metadata.annotations[nginx.ingress.kubernetes.io/proxy-body-size]: Invalid value: "lots": must be a size in bytes with an optional k, m or g suffix, such as 1m or 512k; 0 means no limit`,
			`c.yaml:7 (document 1): ingress default/badhost: spec.rules[0].host: Invalid value: "B_AD": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		},
	}, {
		name:  "a misspelt field is not also reported as missing",
		files: map[string]string{"a.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: svc\nspec:\n  defaultBackend:\n    service:\n      nmae: web\n      port:\n        number: 80\n"},
		want:  []string{`a.yaml:8 (document 1): ingress default/svc: spec.defaultBackend.service.nmae: unknown field; did you mean "name"?`},
	}, {
		name:  "a v1beta1 backend in a v1 Ingress is named as such, once",
		files: map[string]string{"a.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: old\nspec:\n  defaultBackend:\n    serviceName: web\n    servicePort: 80\n"},
		want: []string{
			`a.yaml:7 (document 1): ingress default/old: spec.defaultBackend.serviceName: unknown field; this is the networking.k8s.io/v1beta1 spelling; v1 has service: {name: NAME, port: {number: PORT}} (or port: {name: NAME})`,
			`a.yaml:8 (document 1): ingress default/old: spec.defaultBackend.servicePort: unknown field; this is the networking.k8s.io/v1beta1 spelling; v1 has service: {name: NAME, port: {number: PORT}} (or port: {name: NAME})`,
		},
	}, {
		name:  "a bad value is not also reported as missing",
		files: map[string]string{"a.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: port\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port:\n        number: http\n"},
		want:  []string{`a.yaml:10 (document 1): ingress default/port: spec.defaultBackend.service.port.number: Invalid value: "http": must be an integer`},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			_, compiled, err := LoadFiles(fsys, []string{"."}, Options{})
			assert.Nil(t, compiled)
			var list ErrorList
			require.True(t, errors.As(err, &list), "Load error %v is not an ErrorList", err)
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestSyntaxErrorLine checks that a YAML syntax error names the line where
// the problem is, not the line where the enclosing block starts.
func TestSyntaxErrorLine(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       string
	}{
		{"key indented one space too far", "a: 1\nb:\n  c: 1\n  d: 2\n e: 3\n",
			"x.yaml:5 (document 1): invalid YAML: did not find expected key"},
		{"value after a mapping on one line", "a:\n  b: 1\n  c: d: e\n",
			"x.yaml:3 (document 1): invalid YAML: mapping values are not allowed in this context"},
		{"unterminated quote", "a:\n  b: \"x\n  c: 1\n",
			"x.yaml:2 (document 1): invalid YAML: found unexpected end of stream"},
		{"in the second document", "apiVersion: v1\nkind: Foo\n---\nb:\n  c: [1,\n    2]\n  d: 1\n e: 2\n",
			"x.yaml:8 (document 2): invalid YAML: did not find expected key"},
		{"tab indentation", "a:\n\tb: 1\n",
			"x.yaml:2 (document 1): invalid YAML: found character that cannot start any token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBytes("x.yaml", []byte(tt.text))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
