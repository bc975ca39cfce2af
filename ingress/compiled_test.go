package ingress

import (
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

func init() { recordCompiled = true }

// compiledOf returns what the route of r was compiled from: the policy
// read from the annotations, the resolved backend.
func compiledOf(c *Compiled, r route.Rule) *compiledRoute {
	return c.routes[r.Value.(*proxy.Route)]
}
