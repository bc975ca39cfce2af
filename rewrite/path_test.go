package rewrite

import (
	"strings"
	"testing"
)

func TestPathApply(t *testing.T) {
	for _, tt := range []struct {
		pattern, target, path string
		want                  string
		rewritten             bool
	}{
		// ingress-nginx's documented example.
		{"/something(/|$)(.*)", "/$2", "/something", "/", true},
		{"/something(/|$)(.*)", "/$2", "/something/", "/", true},
		{"/something(/|$)(.*)", "/$2", "/something/new", "/new", true},
		{"/something(/|$)(.*)", "/$2", "/SOMETHING/New", "/New", true}, // case-insensitive match, captured text kept
		{"/something(/|$)(.*)", "/$2", "/other", "/other", false},
		// The trap: the whole path is replaced.
		{"/foo", "/", "/foo/bar", "/", true},
		{"/foo", "/", "/foobar", "/", true},
		// Several groups, braces, a group that did not participate.
		{"/api/v(\\d+)/(.*)", "/v${1}/svc/$2", "/api/v2/users", "/v2/svc/users", true},
		{"/a(/x)?(.*)", "/b$1$2", "/a/y", "/b/y", true},
		{"/(.*)", "$1", "/x/y", "/x/y", true}, // a result without a leading slash gets one
		{"/", "", "/x", "/", true},            // empty target means "/"
	} {
		r, err := NewPath(tt.pattern, tt.target)
		if err != nil {
			t.Fatalf("NewPath(%q, %q): %v", tt.pattern, tt.target, err)
		}
		got, ok := r.Apply(tt.path)
		if got != tt.want || ok != tt.rewritten {
			t.Errorf("NewPath(%q, %q).Apply(%q) = %q, %v; want %q, %v", tt.pattern, tt.target, tt.path, got, ok, tt.want, tt.rewritten)
		}
	}
}

func TestNewPathErrors(t *testing.T) {
	for _, tt := range []struct{ pattern, target, want string }{
		{"/(a", "/", "missing closing )"},
		{"/(?=x)", "/", "invalid or unsupported Perl syntax"},
		{"/a", "/$1", "refers to $1 but pattern \"/a\" has 0 capture group(s)"},
		{"/(a)", "/$host", "only $1 to $9 are supported, not $h"},
		{"/(a)", "/${host}", "not $host"},
		{"/(a)", "/${1", "unclosed ${"},
		{"/(a)", "/$", "not $"},
		{"/(a)", "relative", "must be a path"},
		{"/(a)", "https://x/", "must be a path"},
	} {
		_, err := NewPath(tt.pattern, tt.target)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewPath(%q, %q) error = %v, want it to contain %q", tt.pattern, tt.target, err, tt.want)
		}
	}
}

func FuzzPathApply(f *testing.F) {
	f.Add("/something(/|$)(.*)", "/$2", "/something/new")
	f.Add("/(a+)(b*)", "/x/$2/$1", "/aaab")
	f.Fuzz(func(t *testing.T, pattern, target, path string) {
		r, err := NewPath(pattern, target)
		if err != nil {
			return
		}
		got, ok := r.Apply(path)
		if !ok && got != path {
			t.Fatalf("unmatched path changed: %q -> %q", path, got)
		}
		if ok && !strings.HasPrefix(got, "/") {
			t.Fatalf("rewritten path %q does not start with /", got)
		}
	})
}
