package ingress

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/rewrite"
)

// warnRewrite says what a rewrite-target does that its author may not
// expect, where ingressmux does what nginx does rather than refusing what
// ingress-nginx accepts: references to capture groups the path does not
// have, and absolute URLs, which nginx answers with a redirect.
func (c *compiler) warnRewrite(ing Ingress, at *field.Path, path string, rw *rewrite.Path) {
	key := field.NewPath("metadata", "annotations").Key(c.opts.annotation("rewrite-target")).String()
	if missing := rw.MissingGroups(); len(missing) > 0 {
		refs := make([]string, len(missing))
		for i, g := range missing {
			refs[i] = fmt.Sprintf("$%d", g)
		}
		c.warn(ing, key, fmt.Sprintf("path %q (%s) has no capture group for %s: it is replaced by nothing, as nginx does",
			path, at.Child("path"), strings.Join(refs, ", ")))
	}
	if rw.Redirects() {
		c.warn(ing, key, fmt.Sprintf("%q is an absolute URL: requests for path %q (%s) are redirected there with 302 and their query string, as nginx does, not proxied",
			rw.Target(), path, at.Child("path")))
	}
}
