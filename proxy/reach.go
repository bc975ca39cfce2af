package proxy

// reach is how a route reaches an Upstream: by which of its fields.
type reach uint8

const (
	reachUpstream reach = iota // Route.Upstream
	reachDefault               // Route.DefaultBackend
	reachCanary                // an element of Route.Canaries
	reachBackend               // an element of Route.Backends
	reachMirror                // an element of Route.Mirrors
)

// what names the Upstream in a problem report.
func (r reach) what() string {
	return [...]string{"upstream", "default backend", "canary", "backend", "mirror"}[r]
}

// field names the list of the Upstream in a problem report; "" for
// Upstream and DefaultBackend.
func (r reach) field() string {
	return [...]string{"", "", "Canaries", "Backends", "Mirrors"}[r]
}

// eachReached calls fn for each Upstream rt reaches, in the order a build
// of a table reaches them, which decides which rule reports a problem and
// which of equal Upstreams makes the upstream the others share:
// Upstream and DefaultBackend if set, then every element of Canaries,
// Backends and Mirrors, whose Upstream may be nil; i is the index of the
// element in its list.
func eachReached(rt *Route, fn func(r reach, i int, u *Upstream)) {
	if rt.Upstream != nil {
		fn(reachUpstream, 0, rt.Upstream)
	}
	if rt.DefaultBackend != nil {
		fn(reachDefault, 0, rt.DefaultBackend)
	}
	for i := range rt.Canaries {
		fn(reachCanary, i, rt.Canaries[i].Upstream)
	}
	for i := range rt.Backends {
		fn(reachBackend, i, rt.Backends[i].Upstream)
	}
	for i := range rt.Mirrors {
		fn(reachMirror, i, rt.Mirrors[i].Upstream)
	}
}

// reachedUpstreams are the runtime forms of the Upstreams a route
// reaches, by field.
type reachedUpstreams struct {
	up, fallback                *upstream
	canaries, backends, mirrors []*upstream
}

// reachedBy returns the runtime forms of the Upstreams rt reaches, as of
// gives them in eachReached's order (nil for one that is nil or invalid).
// A route without an Upstream has, for what names one upstream per route
// (Explain's defaults), its heaviest backend.
func reachedBy(rt *Route, of func(r reach, i int, u *Upstream) *upstream) reachedUpstreams {
	ups := reachedUpstreams{
		canaries: make([]*upstream, len(rt.Canaries)),
		backends: make([]*upstream, len(rt.Backends)),
		mirrors:  make([]*upstream, len(rt.Mirrors)),
	}
	eachReached(rt, func(r reach, i int, u *Upstream) {
		up := of(r, i, u)
		switch r {
		case reachUpstream:
			ups.up = up
		case reachDefault:
			ups.fallback = up
		case reachCanary:
			ups.canaries[i] = up
		case reachBackend:
			ups.backends[i] = up
		case reachMirror:
			ups.mirrors[i] = up
		}
	})
	if rt.Upstream == nil && len(ups.backends) > 0 {
		ups.up = ups.backends[heaviest(rt.Backends)]
	}
	return ups
}
