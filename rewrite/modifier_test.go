package rewrite

import (
	"strings"
	"testing"
)

// TestPathModifierApply checks the replacements of Gateway API's
// HTTPPathModifier: its documented ReplacePrefixMatch table and the
// conformance test HTTPRouteRewritePath.
func TestPathModifierApply(t *testing.T) {
	for _, tc := range []struct {
		path, prefix string
		m            PathModifier
		want         string
	}{
		// The table of HTTPPathModifier.ReplacePrefixMatch.
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/bar"},
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: "/xyz/"}, "/xyz/bar"},
		{"/foo/bar", "/foo/", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/bar"},
		{"/foo/bar", "/foo/", PathModifier{Prefix: true, Value: "/xyz/"}, "/xyz/bar"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/xyz/"},
		{"/foo/bar", "/foo", PathModifier{Prefix: true, Value: ""}, "/bar"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: ""}, "/"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: ""}, "/"},
		{"/foo/", "/foo", PathModifier{Prefix: true, Value: "/"}, "/"},
		{"/foo", "/foo", PathModifier{Prefix: true, Value: "/"}, "/"},
		// HTTPRouteRewritePath.
		{"/prefix/one/two", "/prefix/one", PathModifier{Prefix: true, Value: "/one"}, "/one/two"},
		{"/strip-prefix/three", "/strip-prefix", PathModifier{Prefix: true, Value: "/"}, "/three"},
		{"/strip-prefix", "/strip-prefix", PathModifier{Prefix: true, Value: "/"}, "/"},
		{"/full/one/two", "/full/one", PathModifier{Value: "/one"}, "/one"},
		{"/prefix/rewrite-path-and-modify-headers/one", "/prefix/rewrite-path-and-modify-headers", PathModifier{Prefix: true, Value: "/prefix"}, "/prefix/one"},
		// The root prefix, and prefixes that do not match element-wise.
		{"/x/y", "/", PathModifier{Prefix: true, Value: "/api"}, "/api/x/y"},
		{"/foobar", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/foobar"},
		{"/other", "/foo", PathModifier{Prefix: true, Value: "/xyz"}, "/other"},
		{"/a%2Fb/c", "/a%2Fb", PathModifier{Prefix: true, Value: "/z"}, "/z/c"},
	} {
		if got := tc.m.Apply(tc.path, tc.prefix); got != tc.want {
			t.Errorf("%v.Apply(%q, prefix %q) = %q, want %q", tc.m.String(), tc.path, tc.prefix, got, tc.want)
		}
	}
}

func TestPathModifierCheck(t *testing.T) {
	for _, tc := range []struct {
		m       PathModifier
		wantErr string
	}{
		{PathModifier{Value: "/ok/path-1_~%20"}, ""},
		{PathModifier{Prefix: true, Value: ""}, ""},
		{PathModifier{Value: ""}, `must start with "/"`},
		{PathModifier{Value: "relative"}, `must start with "/"`},
		{PathModifier{Value: "//evil.example/x"}, `must not start with "//"`},
		{PathModifier{Value: "/a?b=1"}, `character '?'`},
		{PathModifier{Value: "/a#frag"}, `character '#'`},
		{PathModifier{Prefix: true, Value: "/a b"}, `character ' '`},
		{PathModifier{Value: "/a\r\nSet-Cookie: x"}, `character '\r'`},
	} {
		err := tc.m.Check()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Check(%+v) = %v, want %q", tc.m, err, tc.wantErr)
		}
	}
}
