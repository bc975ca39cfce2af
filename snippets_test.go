package ingressmux_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDocSnippetsBuild compiles every Go snippet of README.md and of the
// package documentation, so that what they show exists as shown. A
// snippet is Go when it looks like Go (an assignment, a func, a call
// into this module): such a snippet must build. Statements are wrapped in
// a function with a t *testing.T in scope; imports are added for the
// packages the snippet names.
func TestDocSnippetsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every snippet with the go command")
	}
	var snippets []snippet
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for i, block := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		snippets = append(snippets, snippet{fmt.Sprintf("README.md go block %d", i+1), block[1]})
	}
	require.NotEmpty(t, snippets, "README.md has Go snippets")
	for _, dir := range []string{".", "proxy", "route", "rewrite", "tlsconfig", "ingressmuxtest"} {
		snippets = append(snippets, docSnippets(t, dir)...)
	}

	tmp := t.TempDir()
	overlay := map[string]map[string]string{"Replace": {}}
	var pkgs []string
	for i, s := range snippets {
		src, err := s.program()
		require.NoError(t, err, "%s does not parse as Go:\n%s", s.where, s.code)
		file := filepath.Join(tmp, fmt.Sprintf("snippet%d.go", i))
		require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
		pkg := fmt.Sprintf("internal/docsnippets/s%d", i)
		abs, err := filepath.Abs(filepath.Join(pkg, "main.go"))
		require.NoError(t, err)
		overlay["Replace"][abs] = file
		pkgs = append(pkgs, "./"+pkg)
		t.Logf("%s -> %s", s.where, pkg)
	}
	data, err := json.Marshal(overlay)
	require.NoError(t, err)
	overlayFile := filepath.Join(tmp, "overlay.json")
	require.NoError(t, os.WriteFile(overlayFile, data, 0o644))
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the snippets")
	cmd := exec.Command(goCmd, append([]string{"build", "-overlay", overlayFile}, pkgs...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "a documented snippet does not build:\n%s", out)
}

// snippet is a piece of Go shown in documentation.
type snippet struct{ where, code string }

// imports are the packages snippets may name, by name.
var imports = map[string]string{
	"context": "context", "errors": "errors", "fmt": "fmt", "log": "log", "slog": "log/slog",
	"http": "net/http", "time": "time", "os": "os", "testing": "testing",
	"ingressmux": "github.com/ingressmux/ingressmux", "ingress": "github.com/ingressmux/ingressmux/ingress",
	"proxy": "github.com/ingressmux/ingressmux/proxy", "route": "github.com/ingressmux/ingressmux/route",
	"rewrite": "github.com/ingressmux/ingressmux/rewrite", "tlsconfig": "github.com/ingressmux/ingressmux/tlsconfig",
	"ingressmuxtest": "github.com/ingressmux/ingressmux/ingressmuxtest",
	"require":        "github.com/stretchr/testify/require", "assert": "github.com/stretchr/testify/assert",
}

// program makes s a main package: top-level declarations as they are,
// statements in a function that has t *testing.T.
func (s snippet) program() (string, error) {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	code := s.code
	decls := strings.HasPrefix(strings.TrimSpace(code), "func ") || strings.HasPrefix(strings.TrimSpace(code), "type ")
	if !decls {
		code = "func snippet(t *testing.T) {\n" + code + "\n}\n\nvar _ = snippet\n"
	}
	for name, path := range imports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(code) {
			fmt.Fprintf(&b, "\t%q\n", path)
		}
	}
	b.WriteString(")\n\n")
	b.WriteString(code)
	if !strings.Contains(code, "func main()") {
		b.WriteString("\nfunc main() {}\n")
	}
	src := b.String()
	if _, err := parser.ParseFile(token.NewFileSet(), "snippet.go", src, 0); err != nil {
		return "", err
	}
	return src, nil
}

// docSnippets returns the code blocks of dir's package documentation
// that look like Go.
func docSnippets(t *testing.T, dir string) []snippet {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var out []snippet
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ParseComments)
		require.NoError(t, err)
		out = append(out, commentSnippets(name, f)...)
	}
	return out
}

// goLike matches code that is Go rather than a table or a shell line.
var goLike = regexp.MustCompile(`:=|^func |\bingressmux\.|\bproxy\.[A-Z]|\bingressmuxtest\.`)

// commentSnippets returns the Go code blocks of f's doc comments.
func commentSnippets(name string, f *ast.File) []snippet {
	var out []snippet
	var p comment.Parser
	groups := []*ast.CommentGroup{f.Doc}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			groups = append(groups, d.Doc)
		case *ast.GenDecl:
			groups = append(groups, d.Doc)
		}
	}
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, block := range p.Parse(g.Text()).Content {
			code, ok := block.(*comment.Code)
			if ok && goLike.MatchString(code.Text) {
				out = append(out, snippet{name + ": " + strings.SplitN(code.Text, "\n", 2)[0], code.Text})
			}
		}
	}
	return out
}
