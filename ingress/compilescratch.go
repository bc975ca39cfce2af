package ingress

import "sync"

// compileScratch is memory that one Compile needs only while it runs: the
// policies of its Ingresses and its compiled routes, which the proxy
// routes are copied from and which nothing of the result points to. A
// Tracker compiles tens of thousands of small groups on a full load;
// reusing this memory from one to the next spares the garbage collector
// about 2 KB per Ingress and 260 bytes per path.
type compileScratch struct {
	policies []policy
	routes   []compiledRoute
}

// maxPooledScratch bounds the policies and routes of a compileScratch put
// back for reuse: one large Compile would otherwise keep its memory in
// the pool, and it pays for itself only over many small compiles.
const maxPooledScratch = 1024

var scratches = sync.Pool{New: func() any { return new(compileScratch) }}

// getScratch returns a compileScratch with room for the policies of
// ingresses Ingresses and rules compiled routes.
func getScratch(ingresses, rules int) *compileScratch {
	s := scratches.Get().(*compileScratch)
	if cap(s.policies) < ingresses {
		s.policies = make([]policy, 0, ingresses)
	}
	if cap(s.routes) < rules {
		s.routes = make([]compiledRoute, 0, rules)
	}
	return s
}

// release clears what the compile left in s, so that it keeps nothing
// alive, and makes s available to the next compile.
func (s *compileScratch) release() {
	clear(s.policies)
	clear(s.routes)
	s.policies, s.routes = s.policies[:0], s.routes[:0]
	if cap(s.policies) <= maxPooledScratch && cap(s.routes) <= maxPooledScratch {
		scratches.Put(s)
	}
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

// newRoute returns r as a *compiledRoute, from the scratch while it has
// room.
func (c *compiler) newRoute(r compiledRoute) *compiledRoute {
	s := c.scratch
	if s == nil || len(s.routes) == cap(s.routes) {
		return &r
	}
	s.routes = append(s.routes, r)
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
