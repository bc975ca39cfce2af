package rewrite

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Path rewrites request paths the way nginx's rewrite directive does for
// ingress-nginx's rewrite-target: when Pattern matches anywhere in the path
// (case-insensitively), the whole path is replaced by the target, whose $1
// to $9 are the pattern's capture groups. Paths the pattern does not match
// are left alone. Build one with NewPath; the zero value is not usable.
//
// The trap ingress-nginx users know: with rewrite-target "/" and a path
// "/foo", every request under /foo — /foo/bar, /foobar, /FOO/x — becomes
// exactly "/", because the whole path is replaced. Capture the rest
// explicitly (path "/foo(/|$)(.*)", target "/$2") to keep it.
type Path struct {
	re       *regexp.Regexp
	target   string
	parts    []part // the target split into literals and group references
	redirect bool   // the target is an absolute URL
}

// part is a literal of the target or, when group > 0, a reference to a
// capture group.
type part struct {
	literal string
	group   int
}

// NewPath compiles pattern (RE2 syntax, matched case-insensitively and
// unanchored, as nginx's rewrite does) and target. The target is a path
// starting with "/" or with a group (empty means "/"), or an absolute http
// or https URL, which makes the rewrite a redirect (see Redirects). It may
// refer to capture groups $1 to $9 (also as ${1}) in its path, never in a
// URL's scheme or host, and may not refer to named variables such as
// $host, which only nginx knew; a "$" that is not a reference is an error
// rather than a surprise. A reference to a group the pattern does not have
// expands to nothing, as in nginx; MissingGroups lists such references so
// that callers can warn.
func NewPath(pattern, target string) (*Path, error) {
	re, err := regexp.Compile("(?i)" + pattern)
	if err != nil {
		return nil, fmt.Errorf("rewrite: pattern %q: %w", pattern, err)
	}
	if target == "" {
		target = "/"
	}
	if err := CheckTarget(target); err != nil {
		return nil, err
	}
	parts, _, _ := parseTarget(target)
	return &Path{re: re, target: target, parts: parts, redirect: isURL(target)}, nil
}

// CheckTarget reports whether target is a valid rewrite target on its own.
// Whether the groups it refers to exist depends on the pattern (see
// MissingGroups).
func CheckTarget(target string) error {
	switch {
	case isURL(target):
		// The scheme and host are fixed: a capture group there would let
		// the request choose where clients are sent.
		rest := target[strings.Index(target, "://")+3:]
		host, _, _ := strings.Cut(rest, "/")
		if strings.Contains(host, "$") {
			return fmt.Errorf("rewrite: target %q: capture groups may not be used in the host of a URL, which would let requests choose where clients are redirected", target)
		}
		if u, err := url.Parse(target); err != nil || u.Host == "" || u.User != nil {
			return fmt.Errorf("rewrite: target %q is not a path starting with \"/\" nor an absolute http or https URL", target)
		}
	case target != "" && !strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "$"):
		return fmt.Errorf("rewrite: target %q must be a path starting with \"/\" (or with a group such as $1), or an absolute http or https URL", target)
	}
	_, _, err := parseTarget(target)
	return err
}

// isURL reports whether target is an absolute http or https URL.
func isURL(target string) bool {
	lower := strings.ToLower(target)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

// Redirects reports whether the target is an absolute URL. nginx answers
// such a rewrite with a redirect (302) to the expanded target, with the
// request's query string appended, instead of proxying the request.
func (r *Path) Redirects() bool { return r.redirect }

// MissingGroups lists, in increasing order, the groups the target refers
// to that the pattern does not have; each expands to nothing.
func (r *Path) MissingGroups() []int {
	var missing []int
	for _, pt := range r.parts {
		if pt.group > r.re.NumSubexp() && !slices.Contains(missing, pt.group) {
			missing = append(missing, pt.group)
		}
	}
	slices.Sort(missing)
	return missing
}

// parseTarget splits a target into literals and $N references.
func parseTarget(target string) ([]part, int, error) {
	var parts []part
	maxGroup := 0
	rest := target
	for rest != "" {
		i := strings.IndexByte(rest, '$')
		if i < 0 {
			parts = append(parts, part{literal: rest})
			break
		}
		if i > 0 {
			parts = append(parts, part{literal: rest[:i]})
		}
		rest = rest[i+1:]
		ref := rest
		braced := strings.HasPrefix(ref, "{")
		if braced {
			end := strings.IndexByte(ref, '}')
			if end < 0 {
				return nil, 0, fmt.Errorf("rewrite: target %q: unclosed ${", target)
			}
			ref, rest = ref[1:end], ref[end+1:]
		} else if ref != "" {
			ref, rest = ref[:1], ref[1:]
		}
		if len(ref) != 1 || ref[0] < '1' || ref[0] > '9' {
			return nil, 0, fmt.Errorf("rewrite: target %q: only $1 to $9 are supported, not $%s (nginx variables are not available)", target, ref)
		}
		g := int(ref[0] - '0')
		maxGroup = max(maxGroup, g)
		parts = append(parts, part{group: g})
	}
	return parts, maxGroup, nil
}

// Apply returns the rewritten path and true when the pattern matches p, or
// p and false when it does not. A group that did not take part in the match,
// or that the pattern does not have, expands to nothing. When Redirects, the
// result is the URL to redirect to.
func (r *Path) Apply(p string) (string, bool) {
	m := r.re.FindStringSubmatchIndex(p)
	if m == nil {
		return p, false
	}
	var b strings.Builder
	b.Grow(len(r.target) + len(p))
	for _, pt := range r.parts {
		if pt.group == 0 {
			b.WriteString(pt.literal)
			continue
		}
		if 2*pt.group+1 >= len(m) {
			continue // a group the pattern does not have, as in nginx
		}
		if start, end := m[2*pt.group], m[2*pt.group+1]; start >= 0 {
			b.WriteString(p[start:end])
		}
	}
	out := b.String()
	if !r.redirect && !strings.HasPrefix(out, "/") {
		out = "/" + out // a target of only a group that captured "foo/bar"
	}
	return out, true
}

// String returns the pattern and target, for logs.
func (r *Path) String() string {
	return fmt.Sprintf("%s -> %s", strings.TrimPrefix(r.re.String(), "(?i)"), r.target)
}

// Target returns the target as given (after defaulting "" to "/").
func (r *Path) Target() string { return r.target }
