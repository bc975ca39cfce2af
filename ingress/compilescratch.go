package ingress

import (
	"sync"

	"github.com/ingressmux/ingressmux/route"
)

// compileScratch is memory that one Compile needs only while it runs: the
// policies of its Ingresses, its compiled routes, its rules (route.Prepare
// copies them), and the maps it finds things in. Nothing of the result
// points to it: the proxy routes are copied from the policies and
// compiled routes. A Tracker compiles tens of thousands of small groups on
// a full load; reusing this memory from one to the next spares the garbage
// collector about 3 KB per Ingress.
type compileScratch struct {
	taken        []Ingress
	policies     []policy
	routes       []compiledRoute
	rules        []route.Rule
	places       []place
	compiled     []*compiledRoute
	introducedBy map[string]string
	proxies      proxyBuilder
}

// maxPooledScratch bounds the length of what a compileScratch put back
// for reuse holds: one large Compile would otherwise keep its memory in
// the pool, and it pays for itself only over many small compiles.
const maxPooledScratch = 1024

var scratches = sync.Pool{New: func() any { return new(compileScratch) }}

// takeScratch gives c a compileScratch, to give back with releaseScratch.
func (c *compiler) takeScratch() {
	s := scratches.Get().(*compileScratch)
	if s.introducedBy == nil {
		s.introducedBy = map[string]string{}
	}
	c.scratch, c.introducedBy, c.proxies = s, s.introducedBy, s.proxies
}

// reserve makes room in the scratch for the policies of ingresses
// Ingresses and for rules rules, which become c.rules and c.places.
func (c *compiler) reserve(ingresses, rules int) {
	s := c.scratch
	if cap(s.policies) < ingresses {
		s.policies = make([]policy, 0, ingresses)
	}
	if cap(s.routes) < rules {
		s.routes = make([]compiledRoute, 0, rules)
	}
	if cap(s.rules) < rules {
		s.rules, s.places = make([]route.Rule, 0, rules), make([]place, 0, rules)
	}
	c.rules, c.places = s.rules[:0], s.places[:0]
}

// releaseScratch clears what the compile left in its scratch, so that it
// keeps nothing alive, and makes it available to the next compile.
func (c *compiler) releaseScratch() {
	s := c.scratch
	// Appends may have moved these: keep the latest.
	s.rules, s.places, s.compiled = c.rules, c.places, c.compiled
	s.proxies = c.proxies
	large := false
	for _, n := range []int{len(s.taken), len(s.policies), len(s.routes), len(s.rules), len(s.places), len(s.compiled),
		len(s.introducedBy), len(s.proxies.traffics), len(s.proxies.upstreams), len(s.proxies.sources)} {
		large = large || n > maxPooledScratch
	}
	if large {
		return
	}
	clear(s.taken)
	clear(s.policies)
	clear(s.routes)
	clear(s.rules)
	clear(s.places)
	clear(s.compiled)
	s.taken, s.policies, s.routes, s.rules, s.places, s.compiled = s.taken[:0], s.policies[:0], s.routes[:0], s.rules[:0], s.places[:0], s.compiled[:0]
	clear(s.introducedBy)
	clear(s.proxies.traffics)
	clear(s.proxies.upstreams)
	clear(s.proxies.sources)
	scratches.Put(s)
}

// newPolicy returns a default policy for one Ingress, from the scratch
// while it has room.
func (c *compiler) newPolicy() *policy {
	s := c.scratch
	if s == nil || len(s.policies) == cap(s.policies) {
		return new(defaultPolicy())
	}
	s.policies = append(s.policies, defaultPolicy())
	return &s.policies[len(s.policies)-1]
}

// newRoute returns a *compiledRoute set to r, from the scratch while it
// has room.
func (c *compiler) newRoute(r *compiledRoute) *compiledRoute {
	s := c.scratch
	if s == nil || len(s.routes) == cap(s.routes) {
		p := new(compiledRoute)
		*p = *r
		return p
	}
	s.routes = append(s.routes, *r)
	return &s.routes[len(s.routes)-1]
}

// detached returns a copy of r that outlives the compile, for
// Compiled.routes, which the package's tests read. The copies of the
// routes of one Ingress share one copy of its policy, as the routes do.
func (c *compiler) detached(r *compiledRoute) *compiledRoute {
	cp := *r
	p, ok := c.detachedPolicies[r.policy]
	if !ok {
		p = new(*r.policy)
		if c.detachedPolicies == nil {
			c.detachedPolicies = map[*policy]*policy{}
		}
		c.detachedPolicies[r.policy] = p
	}
	cp.policy = p
	return &cp
}
