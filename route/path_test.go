package route

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"", "/"},
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"//", "/"},
		{"/a//b", "/a/b"},
		{"///a///b///", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/b/.", "/a/b/"},
		{"/a/b/./", "/a/b/"},
		{"/a/..", "/"},
		{"/a/../", "/"},
		{"/a/b/../c", "/a/c"},
		{"/a/%2e%2e/b", "/b"},
		{"/a/%2E/b", "/a/b"},
		{"/a/.%2e/b", "/b"},
		{"/a/...", "/a/..."},
		{"/a/..b/.c", "/a/..b/.c"},
		{"/a/%7Euser", "/a/~user"},
		{"/%41%62%2d%5f%7e%30", "/Ab-_~0"},
		{"/%2F", "/%2F"},
		{"/%2f", "/%2F"},
		{"/a%2fb/..", "/"},
		{"/a/%2F/../b", "/a/b"},
		{"/%3a%40", "/%3A%40"},
		{"/%25", "/%25"},
		{"/%252e%252e", "/%252e%252e"},
		{"/a b", "/a%20b"},
		{"/caf\u00e9", "/caf%C3%A9"},
		{"/a?b#c", "/a%3Fb%23c"},
		{"/a!$&'()*+,;=:@[]", "/a!$&'()*+,;=:@[]"},
		{"/A/B", "/A/B"},
	} {
		got, err := CleanPath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CleanPath(%q) = %q, %v, want %q, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestCleanPathErrors(t *testing.T) {
	for _, tt := range []struct {
		in, msg string
	}{
		{"a/b", `route: malformed request path "a/b": must start with "/"`},
		{"*", `route: malformed request path "*": must start with "/"`},
		{"/a/%zz", `route: malformed request path "/a/%zz": invalid percent-encoding at byte 3`},
		{"/a/%4", `route: malformed request path "/a/%4": invalid percent-encoding at byte 3`},
		{"/a/%", `route: malformed request path "/a/%": invalid percent-encoding at byte 3`},
		{"/a%g0", `route: malformed request path "/a%g0": invalid percent-encoding at byte 2`},
		{"/a\x00b", `route: malformed request path "/a\x00b": NUL byte at byte 2`},
		{"/a%00b", `route: malformed request path "/a%00b": encoded NUL byte at byte 2`},
		{"/..", `route: malformed request path "/..": ".." climbs above the root`},
		{"/../x", `route: malformed request path "/../x": ".." climbs above the root`},
		{"/a/../..", `route: malformed request path "/a/../..": ".." climbs above the root`},
		{"/%2e%2e/x", `route: malformed request path "/%2e%2e/x": ".." climbs above the root`},
	} {
		got, err := CleanPath(tt.in)
		if !errors.Is(err, ErrBadPath) {
			t.Errorf("CleanPath(%q) = %q, %v, want an error wrapping ErrBadPath", tt.in, got, err)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("CleanPath(%q) error = %q, want %q", tt.in, err, tt.msg)
		}
		if got != "" {
			t.Errorf("CleanPath(%q) = %q with an error, want \"\"", tt.in, got)
		}
	}
}

func TestCleanPathNoAllocWhenClean(t *testing.T) {
	for _, p := range []string{"/", "/a/b/c", "/a/b/", "/api/v1/users/%2F/x", "/a!$&'()*+,;=:@"} {
		var got string
		allocs := testing.AllocsPerRun(100, func() { got, _ = CleanPath(p) })
		if got != p {
			t.Errorf("CleanPath(%q) = %q, want it unchanged", p, got)
		}
		if allocs != 0 {
			t.Errorf("CleanPath(%q) allocates %v times, want 0", p, allocs)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"", ""},
		{"foo.com", "foo.com"},
		{"FOO.Com", "foo.com"},
		{"foo.com:8080", "foo.com"},
		{"foo.com.", "foo.com"},
		{"foo.com.:80", "foo.com"},
		{"foo.com..", "foo.com."},
		{"Foo.COM.:443", "foo.com"},
		{"[::1]:80", "[::1]"},
		{"[::1]", "[::1]"},
		{"[FE80::1]:80", "[fe80::1]"},
		{"::1", "::1"},
		{"10.0.0.1:80", "10.0.0.1"},
		{"foo.com:", "foo.com"},
		{"ÄB.com", "Äb.com"}, // only ASCII is folded, as in DNS
	} {
		if got := NormalizeHost(tt.in); got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeHostNoAlloc(t *testing.T) {
	for _, h := range []string{"foo.com", "a.b.example.org", "", "[::1]"} {
		if allocs := testing.AllocsPerRun(100, func() { NormalizeHost(h) }); allocs != 0 {
			t.Errorf("NormalizeHost(%q) allocates %v times, want 0", h, allocs)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", "/a/b/", "/a/./b/../c", "/%2e%2E/", "/a/%2F/b", "/%zz", "/%4", "/\x00",
		"/a b/\u00e9", "/./../", "/a/..%2F..", "/.../..../", "/%7e%41", "a/b", "/a/b/..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanPath(in)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("CleanPath(%q) error %v does not wrap ErrBadPath", in, err)
			}
			return
		}
		again, err := CleanPath(out)
		if err != nil || again != out {
			t.Fatalf("CleanPath(%q) = %q, but CleanPath(%q) = %q, %v: not idempotent", in, out, out, again, err)
		}
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("CleanPath(%q) = %q, does not start with /", in, out)
		}
		for _, bad := range []string{"//", "/./", "/../"} {
			if strings.Contains(out, bad) {
				t.Fatalf("CleanPath(%q) = %q, contains %q", in, out, bad)
			}
		}
		if strings.HasSuffix(out, "/.") || strings.HasSuffix(out, "/..") {
			t.Fatalf("CleanPath(%q) = %q, ends in a dot segment", in, out)
		}
		if strings.IndexByte(out, 0) >= 0 {
			t.Fatalf("CleanPath(%q) = %q, contains NUL", in, out)
		}
		// A trailing slash survives: a client that asked for a directory
		// still does.
		if len(in) > 1 && strings.HasSuffix(in, "/") && !strings.HasSuffix(out, "/") {
			t.Fatalf("CleanPath(%q) = %q, lost the trailing slash", in, out)
		}
	})
}
