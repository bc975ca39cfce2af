package rewrite

import (
	"fmt"
	"net/url"
	"strings"
)

// PathModifier replaces a request's path, or the part of it that a route's
// path prefix matched, as Gateway API's HTTPPathModifier does for the
// URLRewrite and RequestRedirect filters (ReplaceFullPath and
// ReplacePrefixMatch).
//
// A prefix replacement works on whole path elements, as PathPrefix
// matching does; a trailing slash of the prefix or of Value is ignored:
//
//	request   prefix   Value    result
//	/foo/bar  /foo     /xyz     /xyz/bar
//	/foo/bar  /foo/    /xyz/    /xyz/bar
//	/foo      /foo     /xyz     /xyz
//	/foo/     /foo     /xyz     /xyz/
//	/foo/bar  /foo     ""       /bar
//	/foo      /foo     /        /
type PathModifier struct {
	// Prefix selects ReplacePrefixMatch: the matched prefix is replaced by
	// Value. Otherwise the whole path is (ReplaceFullPath).
	Prefix bool
	// Value replaces the path or the prefix: an absolute path, escaped
	// as it is to be sent. It may be empty when Prefix is set, which
	// removes the prefix.
	Value string
}

// Check reports whether m can be applied: Value is an absolute path (or
// empty, for a prefix replacement) of URL path characters and %XX
// escapes, without a query or fragment.
func (m *PathModifier) Check() error {
	switch {
	case m.Value == "" && m.Prefix:
		return nil
	case !strings.HasPrefix(m.Value, "/"):
		return fmt.Errorf("rewrite: path %q must start with \"/\"", m.Value)
	case strings.HasPrefix(m.Value, "//"):
		return fmt.Errorf("rewrite: path %q must not start with \"//\", which would name a host", m.Value)
	}
	for i := 0; i < len(m.Value); i++ {
		if !pathByte(m.Value[i]) {
			return fmt.Errorf("rewrite: path %q: character %q is not allowed in a URL path", m.Value, m.Value[i])
		}
	}
	if _, err := url.PathUnescape(m.Value); err != nil {
		return fmt.Errorf("rewrite: path %q: \"%%\" must start an escape such as %%2F", m.Value)
	}
	return nil
}

// pathByte reports whether c may appear in an escaped URL path: RFC
// 3986's pchar and "/", with "%" for escapes (as Gateway API's schema
// allows).
func pathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/%", c) >= 0
}

// Apply returns the path that replaces path, a request path that matched
// the route prefix prefix. When the prefix does not match path element by
// element, which a route's own prefix always does, path is returned as it
// is.
func (m *PathModifier) Apply(path, prefix string) string {
	if !m.Prefix {
		return m.Value
	}
	p := strings.TrimSuffix(prefix, "/")
	if !strings.HasPrefix(path, p) || len(path) > len(p) && path[len(p)] != '/' {
		return path
	}
	out := strings.TrimSuffix(m.Value, "/") + path[len(p):]
	if out == "" {
		return "/"
	}
	// Never "//host/...", which a client or backend could read as a
	// host, when the prefix is removed from a path such as "/a//b".
	for strings.HasPrefix(out, "//") {
		out = out[1:]
	}
	return out
}

// String returns m as Gateway API spells it, for logs.
func (m *PathModifier) String() string {
	if m.Prefix {
		return "ReplacePrefixMatch " + m.Value
	}
	return "ReplaceFullPath " + m.Value
}
