package ingress

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/route"
)

// TestCompileGolden compiles each testdata/compile/*.yaml file with the
// options of its "# options:" line, checks every "# match: HOST PATH ->
// BACKEND" line (host "-" for none; backend "-" for a redirect-only rule) against the table (so the merge rules are asserted, not only
// recorded), and compares the table dump, TLS hosts and warnings with the
// .golden twin. A file with "# error: FIELD TYPE" lines must fail to compile
// with exactly those errors.
func TestCompileGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/compile/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			h := readCompileHeader(t, file)
			set, err := ReadFiles(file)
			require.NoError(t, err)
			require.NoError(t, set.Validate())
			compiled, err := Compile(set, h.opts)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if len(h.errors) > 0 {
				var list ErrorList
				require.ErrorAs(t, err, &list, "want errors %q", h.errors)
				var got []string
				for _, e := range list {
					got = append(got, describe(e, nil))
				}
				slices.Sort(got)
				slices.Sort(h.errors)
				require.Equal(t, h.errors, got, "errors: %v", err)
				checkGolden(t, golden, err.Error()+"\n")
				return
			}
			require.NoError(t, err)
			for _, m := range h.matches {
				got := "none"
				if r := compiled.Table.Match(route.NormalizeHost(m.host), m.path); r != nil {
					got = r.Backend.String()
					if got == "" {
						got = "-" // a rule that only redirects, as the dump shows it
					}
				}
				if got != m.want {
					t.Errorf("Match(%q, %q) = %s, want %s\n%s", m.host, m.path, got, m.want, compiled.Table.Explain(route.NormalizeHost(m.host), m.path))
				}
			}
			checkGolden(t, golden, dumpCompiled(compiled))
		})
	}
}

type compileHeader struct {
	opts    Options
	matches []struct{ host, path, want string }
	errors  []string
}

func readCompileHeader(tb testing.TB, file string) compileHeader {
	tb.Helper()
	f, err := os.Open(file)
	require.NoError(tb, err)
	defer f.Close()
	var h compileHeader
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# options: "):
			for _, opt := range strings.Fields(strings.TrimPrefix(line, "# options: ")) {
				switch k, v, _ := strings.Cut(opt, "="); k {
				case "class":
					h.opts.IngressClass = v
				case "reject-classless":
					h.opts.RejectClassless = true
				case "skip-invalid":
					h.opts.SkipInvalidIngresses = true
				case "match":
					if err := h.opts.Matching.Set(v); err != nil {
						tb.Fatalf("%s: %v", file, err)
					}
				default:
					tb.Fatalf("%s: unknown option %q", file, opt)
				}
			}
		case strings.HasPrefix(line, "# match: "):
			var m struct{ host, path, want string }
			lhs, rhs, ok := strings.Cut(strings.TrimPrefix(line, "# match: "), " -> ")
			fields := strings.Fields(lhs)
			if !ok || len(fields) != 2 {
				tb.Fatalf("%s: bad match line %q", file, line)
			}
			m.host, m.path, m.want = fields[0], fields[1], strings.TrimSpace(rhs)
			if m.host == "-" { // a request without a Host header
				m.host = ""
			}
			h.matches = append(h.matches, m)
		case strings.HasPrefix(line, "# error: "):
			h.errors = append(h.errors, strings.TrimPrefix(line, "# error: "))
		}
	}
	if len(h.matches) == 0 && len(h.errors) == 0 {
		tb.Fatalf("%s has neither match nor error lines", file)
	}
	return h
}

func dumpCompiled(c *Compiled) string {
	var b strings.Builder
	b.WriteString(c.Table.String())
	seen := map[string]bool{}
	for _, r := range c.Table.Rules() {
		rt := compiledOf(c, r)
		line := fmt.Sprintf("backend %s via %s %v dns=%q", rt.Target.Name, rt.Target.Via, rt.Target.Addresses, rt.Target.DNSName)
		if !seen[line] {
			seen[line] = true
			b.WriteString(line + "\n")
		}
	}
	for _, r := range c.Table.Rules() {
		for _, cn := range compiledOf(c, r).Canaries {
			cp := cn.policy.Canary
			fmt.Fprintf(&b, "canary %s %s -> %s from ingress %s/%s header=%q cookie=%q weight=%d/%d\n",
				hostLabel(r.Host), r.Path, cn.Backend, cn.Origin.Namespace, cn.Origin.Name, cp.Header, cp.Cookie, cp.Weight, cp.WeightTotal)
		}
	}
	for _, t := range c.TLS {
		fmt.Fprintf(&b, "tls %s secret %s from %s\n", hostLabel(t.Host), t.Secret, t.Origin)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func TestCompileKeepsSetWarnings(t *testing.T) {
	set, err := DecodeBytes("x.yaml", []byte(ingressYAML("web")+"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"))
	require.NoError(t, err)
	compiled, err := Compile(set, Options{})
	require.NoError(t, err)
	require.NotEmpty(t, compiled.Warnings)
	require.Equal(t, set.Warnings[0], compiled.Warnings[0], "the set's warnings come first")
	require.Contains(t, compiled.Warnings[0].Message, "Deployment")
}

func TestCompileAnnotationPrefix(t *testing.T) {
	set, err := DecodeBytes("x.yaml", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    example.com/use-regex: "true"
spec:
  rules:
    - http:
        paths:
          - {path: "/item/[0-9]+$", pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
`))
	require.NoError(t, err)
	for _, tt := range []struct {
		prefix string
		want   route.PathType
	}{
		{"", route.Prefix}, // the default prefix does not see example.com/use-regex
		{"example.com", route.Regex},
	} {
		compiled, err := Compile(set, Options{AnnotationPrefix: tt.prefix})
		require.NoError(t, err)
		rules := compiled.Table.Rules()
		require.Len(t, rules, 1)
		if rules[0].Type != tt.want {
			t.Errorf("prefix %q: path type %s, want %s", tt.prefix, rules[0].Type, tt.want)
		}
	}
}

// TestPathField: the field of a paths entry that Compile writes into
// routes and warnings is the one field.Path writes.
func TestPathField(t *testing.T) {
	for _, c := range []struct{ rule, path int }{{0, 0}, {0, 1}, {3, 0}, {12, 107}} {
		want := field.NewPath("spec").Child("rules").Index(c.rule).Child("http", "paths").Index(c.path).String()
		if got := pathField(c.rule, c.path); got != want {
			t.Errorf("pathField(%d, %d) = %q, want %q", c.rule, c.path, got, want)
		}
	}
}
