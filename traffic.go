package ingressmux

import (
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// traffic converts the traffic policy of r for the proxy; nil when r has
// none.
func (m *Mux) traffic(r *ingress.Route) *proxy.Traffic { return nil }
