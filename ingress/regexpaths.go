package ingress

import (
	"fmt"
	"regexp"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/ingressmux/ingressmux/route"
)

// ingress-nginx makes a location a regular expression when its Ingress has
// use-regex, or a rewrite-target that differs from the path (its
// needsRewrite): the location is then written `location ~* "^PATH"`, and
// that is so for every pathType. These functions decide, path by path, what
// the same path becomes in the Kubernetes (spec) mode.

// safePathType is ingress-nginx's strict-validate-path-type rule (its
// validPathType, on by default since controller v1.12.0): the only
// characters its admission webhook accepts in Exact and Prefix paths.
var safePathType = regexp.MustCompile(`(?i)^/[[:alnum:]._\-/]*$`)

// nginxRegexLocation reports whether ingress-nginx writes the path of an
// Ingress with policy p as a regex location: use-regex, or a rewrite-target
// other than the path itself.
func nginxRegexLocation(p *policy, path string) bool {
	return p.UseRegex || p.RewriteTarget != "" && p.RewriteTarget != path
}

// specPathType is the route type of a path in the Kubernetes mode, and a
// warning when the path is matched as a regex although its pathType is
// Exact or Prefix.
//
//   - ImplementationSpecific is a regex when ingress-nginx would make it a
//     regex location (use-regex, or any rewrite-target other than the path),
//     and a Prefix otherwise.
//   - Exact and Prefix keep their Kubernetes meaning, even in an Ingress
//     with use-regex, unless the path holds characters that only make sense
//     in a regex (the kind quick-start's "/foo(/|$)(.*)" with rewrite-target
//     "/$2"). Such a path, matched literally, would never match a request
//     while its rewrite counts its capture groups: it loads, is matched as a
//     regex as ingress-nginx up to v1.11 did (and later versions still do
//     without their admission webhook), and the warning says how to make it
//     portable.
func (c *compiler) specPathType(p *policy, pathType networkingv1.PathType, path string) (route.PathType, string) {
	regex := nginxRegexLocation(p, path)
	switch pathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		typ := route.Prefix
		if pathType == networkingv1.PathTypeExact {
			typ = route.Exact
		}
		if !regex || safePathType.MatchString(path) {
			return typ, ""
		}
		why := "use-regex"
		if !p.UseRegex {
			why = "rewrite-target " + fmt.Sprintf("%q", p.RewriteTarget)
		}
		return route.Regex, fmt.Sprintf("path %q has regular-expression characters but pathType %s; with %s it is matched as a "+
			"case-insensitive regex anchored at the start, as ingress-nginx up to v1.11 does. ingress-nginx v1.12 and later refuse "+
			"it at admission (strict-validate-path-type allows only letters, digits and \"/\", \"-\", \"_\", \".\" in Exact and Prefix "+
			"paths): set pathType: ImplementationSpecific to keep this meaning everywhere", path, pathType, why)
	}
	if regex {
		return route.Regex, ""
	}
	return route.Prefix, ""
}
