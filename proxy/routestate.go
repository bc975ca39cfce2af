package proxy

import "time"

// routeState is a validated Route with its defaults applied.
type routeState struct {
	route   *Route
	up      *upstream
	traffic *trafficState // Traffic's runtime, or nil
	// routeExtras are the upstreams and rules beyond up that a route may
	// have; noExtras for the routes that have none.
	*routeExtras
	maxBody     int64 // negative: no limit
	readTimeout time.Duration
	sendTimeout time.Duration
	cookiePath  string // the default affinity cookie path (see Affinity.Path)
}

// routeExtras are what few routes have: a default backend, canaries,
// weighted backends, mirrors. Most routes of a large table have one
// upstream and nothing else, and share noExtras: their state is a third
// of the size, for the garbage collector to mark on every cycle too.
type routeExtras struct {
	fallback   *upstream   // DefaultBackend's, or nil
	canaries   []*upstream // Canaries' upstreams, in order
	backends   []*upstream // Backends' upstreams, in order
	mirrors    []*upstream // Mirrors' upstreams, in order
	weightSums []int       // running sums of the Backends' weights; nil without Backends
	// backendRules are the Backends' RequestHeaders; nil when none has any.
	backendRules []headerRules
	intercept    map[int]bool // InterceptErrors, when there is a fallback
}

// noExtras are the extras of every route that has none. Nothing writes
// them.
var noExtras routeExtras
