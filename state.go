package ingressmux

import (
	"sync/atomic"

	"github.com/ingressmux/ingressmux/ingress"
)

// state is what a successful load leaves for introspection.
type state struct {
	compiled *ingress.Compiled
	warnings []ingress.Warning
	gateway  *gatewaySide // nil when no Gateway API objects are served
}

type atomicState struct{ p atomic.Pointer[state] }

func (a *atomicState) load() *state   { return a.p.Load() }
func (a *atomicState) store(s *state) { a.p.Store(s) }
