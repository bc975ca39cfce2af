package rewrite

import (
	"slices"
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
		// Groups the pattern does not have expand to nothing, as in nginx.
		{"/", "/$1", "/x/y", "/", true},
		{"/a(/|$)", "/b/$2", "/a/c", "/b/", true},
		{"/(.*)", "$3", "/x", "/", true},
		// An absolute URL: the result is where to redirect.
		{"/old(/|$)(.*)", "https://new.example.com/$2", "/old/a/b", "https://new.example.com/a/b", true},
		{"/old", "http://new.example.com", "/old", "http://new.example.com", true},
		{"/old(.*)", "https://new.example.com/x$9", "/other", "/other", false},
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
		{"/(a)", "/$host", "only $1 to $9 are supported, not $h"},
		{"/(a)", "/${host}", "not $host"},
		{"/(a)", "/${1", "unclosed ${"},
		{"/(a)", "/$", "not $"},
		{"/(a)", "relative", "must be a path"},
		{"/(a)", "https://$1/", "capture groups may not be used in the host"},
		{"/(a)", "https://x$1.example.com/", "capture groups may not be used in the host"},
		{"/(a)", "https:///x", "nor an absolute http or https URL"},
		{"/(a)", "ftp://x/", "must be a path"},
		{"/(a)", "$scheme://x/", "only $1 to $9 are supported"},
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
		if ok && !r.Redirects() && !strings.HasPrefix(got, "/") {
			t.Fatalf("rewritten path %q does not start with /", got)
		}
	})
}

func TestPathRedirectsAndMissingGroups(t *testing.T) {
	for _, tt := range []struct {
		pattern, target string
		redirects       bool
		missing         []int
	}{
		{"/foo(/|$)(.*)", "/$2", false, nil},
		{"/", "/$1", false, []int{1}},
		{"/a(b)", "/$3/$2/$1/$3", false, []int{2, 3}},
		{"/(.*)", "https://other.example.com/$1", true, nil},
		{"/", "HTTP://other.example.com/$1", true, []int{1}},
	} {
		r, err := NewPath(tt.pattern, tt.target)
		if err != nil {
			t.Fatalf("NewPath(%q, %q): %v", tt.pattern, tt.target, err)
		}
		if r.Redirects() != tt.redirects || !slices.Equal(r.MissingGroups(), tt.missing) {
			t.Errorf("NewPath(%q, %q): Redirects() = %v, MissingGroups() = %v; want %v, %v",
				tt.pattern, tt.target, r.Redirects(), r.MissingGroups(), tt.redirects, tt.missing)
		}
	}
}
