package ingress

import (
	"sync/atomic"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/ingressmux/ingressmux/route"
)

// modesAgreeShortcut lets compareModes skip the comparison where
// modesAgree proves it would find nothing. A variable for the test that
// compares both ways.
var modesAgreeShortcut = true

// modesAgreed counts the compiles modesAgree let skip the comparison, so
// that the test comparing both ways can tell the shortcut was taken.
var modesAgreed atomic.Int64

// modesAgree reports whether, in the Kubernetes mode, ingress-nginx would
// route every request to the same rule as c's spec table, so that
// building the ingress-nginx table and trying example requests in both
// cannot find a difference or a warning. It holds when every path rule
// is "plain": an exact lower-case host, an Exact or Prefix (or
// ImplementationSpecific) path of letters, digits and "/", "-", "_", "."
// that CleanPath leaves as it is and that does not end in "/", and no
// use-regex or rewrite-target. For such rules ingress-nginx's locations
// (see nginxLocations and nginxHostRules) are the Exact paths, an exact
// twin of each Prefix path unless an Exact path has it, and the Prefix
// path with a "/" appended as a string prefix, with no slash redirect,
// since every such location has its twin or an Exact path; nothing is a
// regex. A request path then gets, in both tables: the Exact rule of its
// very path (the twin carries the Prefix rule of that path, which is the
// one the spec table picks when no Exact rule has it, the first of
// duplicates in both); else the longest Prefix p that it continues with
// "/", which is the longest string prefix p+"/"; else the host's Default,
// alike in both. Host entries are the same: no wildcard or hostless rule
// takes part, and a request for an exact host never reaches another's.
// Anything else (regex mode, trailing slashes, wildcards, the rules
// without a host, app-root's "/", hosts that normalise to another) is
// compared in full.
func (c *compiler) modesAgree() bool {
	if !modesAgreeShortcut || c.opts.Matching != MatchSpec {
		return false
	}
	for i := range c.rules {
		r := &c.rules[i]
		if r.Type == route.Default {
			continue
		}
		if r.Conditions != nil || !plainHost(r.Host) || !plainPath(r.Path) {
			return false
		}
		rt := c.compiled[i]
		switch networkingv1.PathType(rt.PathType) {
		case networkingv1.PathTypeExact:
			if r.Type != route.Exact {
				return false
			}
		case networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific:
			if r.Type != route.Prefix {
				return false
			}
		default:
			return false
		}
		if nginxRegexLocation(rt.policy, r.Path) {
			return false
		}
	}
	modesAgreed.Add(1)
	return true
}

// plainHost reports whether h is an exact host in the form a table keeps
// it: lower-case letters, digits, "-", "_" and inner dots.
func plainHost(h string) bool {
	if h == "" || h[len(h)-1] == '.' {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch b := h[i]; {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9', b == '-', b == '_', b == '.':
		default:
			return false
		}
	}
	return true
}

// plainPath reports whether p is a path of letters, digits, "/", "-",
// "_" and "." that CleanPath keeps as it is and that does not end in "/"
// ("/" itself included).
func plainPath(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch b := p[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '/', b == '-', b == '_', b == '.':
		default:
			return false
		}
	}
	clean, err := route.CleanPath(p)
	return err == nil && clean == p
}
