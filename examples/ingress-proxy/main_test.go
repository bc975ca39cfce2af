package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // fragments, in order
		stderr []string
	}{
		{
			name: "seed loads",
			args: []string{"-check", "-f", "../seed"},
			code: 0,
			stdout: []string{
				"2 route(s) from 2 Ingresses",
				"HOST PATH TYPE BACKEND ORIGIN",
				"projectdomain.com /api Prefix default/project-backend-external:443 ingress default/project-backend-api",
				"projectdomain.com / Prefix default/project-frontend-service:80 ingress default/project-frontend",
				"tls projectdomain.com secret default/projectdomain-com-tls (ingress default/project-frontend)",
				"2 warning(s):", "service default/project-frontend-service is not loaded; using its cluster DNS name project-frontend-service.default.svc.cluster.local:80", "secret default/projectdomain-com-tls is not loaded",
			},
		},
		{
			name:   "errors go to stderr with exit 1, warnings too",
			args:   []string{"-check", "-f", "../../ingress/testdata/invalid/ingress-many-errors-at-once.yaml", "-f", "../../ingress/testdata/valid/multi-document.yaml"},
			code:   1,
			stderr: []string{"spec.rules[0].host: Invalid value: \"Foo.com\"", "spec.rules[1].http.paths: Required value", "5 error(s)", "1 warning(s):", "kind Deployment (apps/v1) is not used"},
		},
		{
			name:   "warnings are printed on success",
			args:   []string{"-check", "-f", "../../ingress/testdata/valid/beta-versions.yaml"},
			code:   0,
			stdout: []string{"legacy.example.com /exact Exact default/app:80", "legacy.example.com /app Prefix default/app:http", "legacy.example.com - Default default/fallback:8080", "*.team-a.example.com / Prefix team-a/team-a:80", "7 warning(s):", "extensions/v1beta1 Ingress is deprecated", `the named port "http" cannot be resolved without it`},
		},
		{
			name:   "class filter",
			args:   []string{"-check", "-ingress-class", "nginx", "-f", "../../ingress/testdata/compile/classes.yaml"},
			code:   0,
			stdout: []string{"3 route(s) from 3 Ingresses", "annotation.example.com", "classless.example.com", "field.example.com", "skipped: its class is \"traefik\", not \"nginx\""},
		},
		{
			name:   "compile errors exit 1",
			args:   []string{"-check", "-f", "../../ingress/testdata/compile/regex-unsupported.yaml"},
			code:   1,
			stderr: []string{"spec.rules[0].http.paths[0].path: Invalid value: \"/(?!admin).*\"", "RE2 does not support look-around", "2 error(s)"},
		},
		{name: "no manifests", args: []string{"-check"}, code: 2, stderr: []string{"give at least one -f PATH"}},
		{name: "stray argument", args: []string{"-check", "-f", "../seed", "extra"}, code: 2, stderr: []string{`unexpected arguments ["extra"]`}},
		{name: "missing file", args: []string{"-check", "-f", "nope.yaml"}, code: 1, stderr: []string{"nope.yaml: ", "no such file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			assert.Equal(t, tt.code, code, "exit code; stderr:\n%s", stderr.String())
			assertInOrder(t, stdout.String(), tt.stdout)
			assertInOrder(t, stderr.String(), tt.stderr)
		})
	}
}

// assertInOrder checks that the fragments occur in text in order, comparing
// with runs of spaces collapsed so column widths do not matter.
func assertInOrder(tb testing.TB, text string, fragments []string) {
	tb.Helper()
	text = strings.Join(strings.Fields(text), " ")
	rest := text
	for _, f := range fragments {
		i := strings.Index(rest, f)
		if i < 0 {
			tb.Errorf("output lacks %q (in order) in:\n%s", f, text)
			return
		}
		rest = rest[i+len(f):]
	}
}
