package proxy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ingressmux/ingressmux/route"
)

// filler is one fill of a state, rule after rule: what it has made so
// far, for the rules that follow, and the problems it found, in rule
// order.
type filler struct {
	h       *Handler
	st, old *state
	tr      transportSource
	// shared are the upstreams this fill made or kept from old, by name:
	// new to st.byName, which gets them at the end. When st.byName is
	// empty (a new state), shared is all there is to look in.
	shared   map[string][]*upstream
	fresh    bool // st.byName is empty
	lists    upstreamLists
	reported map[*Upstream]bool
	errs     []error
}

// fill validates rules and adds their routes and upstreams to st, taking
// transports and balancers from old (which may be nil) when unchanged.
func (h *Handler) fill(st *state, rules []route.Rule, old *state) (*state, error) {
	f := &filler{
		h: h, st: st, old: old,
		tr: transportSource{set: &st.transports, old: old},
		// Most rules reach one upstream of their own: sized so, it does
		// not grow.
		shared:   make(map[string][]*upstream, len(rules)),
		fresh:    st.byName.len() == 0,
		reported: make(map[*Upstream]bool),
	}
	for _, rule := range rules {
		f.rule(rule)
	}
	if f.fresh {
		st.byName = newCowMapFor[string, []*upstream](len(f.shared))
	}
	for name, list := range f.shared {
		if f.fresh {
			st.byName.add(name, list)
			continue
		}
		st.byName.set(name, append(slices.Clip(st.byName.get(name)), list...))
	}
	if len(f.errs) > 0 {
		// Transports built for this table and not taken from the old one
		// may have been used by nothing; they hold no connections yet.
		return nil, errors.Join(f.errs...)
	}
	return st, nil
}

// rule validates rule and adds its route, unless an earlier rule did.
func (f *filler) rule(rule route.Rule) {
	st := f.st
	rt, ok := rule.Value.(*Route)
	if !ok || rt == nil {
		f.errs = append(f.errs, fmt.Errorf("proxy: %s: Value is %T, want a non-nil *proxy.Route", ruleName(rule, nil), rule.Value))
		return
	}
	if _, done := st.routes.lookup(rt); done {
		st.extraUses.set(rt, st.extraUses.get(rt)+1)
		return
	}
	bad := checkRoute(rt)
	var traffic *trafficState
	if rt.Traffic != nil {
		var tbad []error
		traffic, tbad = f.h.trafficOf(st, rt, f.old)
		for _, err := range tbad {
			bad = append(bad, fmt.Errorf("Traffic: %w", err))
		}
	}
	if len(bad) > 0 {
		f.report(rule, rt, bad)
		return
	}
	missing := false
	ups := reachedBy(rt, func(r reach, i int, u *Upstream) *upstream {
		if u == nil {
			f.errs = append(f.errs, fmt.Errorf("proxy: %s: %s[%d]: Upstream is nil", ruleName(rule, rt), r.field(), i))
			missing = true
			return nil
		}
		up := f.upstreamOf(rule, rt, u, r.what())
		missing = missing || up == nil
		return up
	})
	if missing || ups.up == nil {
		return
	}
	rs, bad := f.h.routeStateOf(rule, rt, traffic, ups)
	f.report(rule, rt, bad)
	st.routes.add(rt, rs)
}

// report adds the problems of rt, reached by rule.
func (f *filler) report(rule route.Rule, rt *Route, bad []error) {
	for _, err := range bad {
		f.errs = append(f.errs, fmt.Errorf("proxy: %s: %w", ruleName(rule, rt), err))
	}
}

// upstreamOf returns the runtime form of u, reached by rt's rule as what
// ("upstream", "canary", ...), built once per table; nil if u is invalid,
// which is reported with the first rule that reaches it.
func (f *filler) upstreamOf(rule route.Rule, rt *Route, u *Upstream, what string) *upstream {
	st := f.st
	up, seen := st.upstreams.lookup(u)
	if seen {
		return up
	}
	named := f.shared[u.Name]
	var served []*upstream
	if !f.fresh {
		served = st.byName.get(u.Name)
	}
	up, own, bad := f.h.upstreamFor(u, named, served, &f.tr)
	st.upstreams.add(u, up)
	if own {
		f.shared[u.Name] = f.lists.add(named, up)
	}
	if len(bad) > 0 && !f.reported[u] {
		f.reported[u] = true
		for _, err := range bad {
			f.errs = append(f.errs, fmt.Errorf("proxy: %s: %s %q: %w", ruleName(rule, rt), what, u.Name, err))
		}
	}
	return up
}

// upstreamFor returns the runtime form of u, which the fill meets for the
// first time: an equal upstream of named (those of u.Name the fill made
// or kept) or of served (those of the table being served, for Update), so
// that routes reaching the same backend the same way share one balancer
// and one transport; else the previous table's upstream of u, unchanged;
// else a new one. own tells that the upstream is not in named yet: kept
// or made. It returns nil and the problems if u is invalid.
func (h *Handler) upstreamFor(u *Upstream, named, served []*upstream, tr *transportSource) (up *upstream, own bool, bad []error) {
	if up := equalUpstream(u, named, served); up != nil {
		return up, false, nil
	}
	if old := tr.old; old != nil {
		// The same Upstream, unchanged: keep its balancer, so that its
		// rotation, EWMA and health records and the endpoints
		// SetEndpoints gave it survive the reload.
		if prev := old.upstreams.get(u); prev != nil && sameUpstream(&prev.spec, u) {
			tr.keep(prev)
			return prev, true, nil
		}
	}
	up, bad = h.newUpstream(u, tr)
	if up == nil {
		return nil, false, bad
	}
	up.carryFrom(tr.old)
	return up, true, nil
}

// routeStateOf returns the state of rt, reached by rule, with its traffic
// runtime and upstreams; the problems are those of its Backends' header
// rules.
func (h *Handler) routeStateOf(rule route.Rule, rt *Route, traffic *trafficState, ups reachedUpstreams) (*routeState, []error) {
	extras := &noExtras
	if ups.fallback != nil || len(ups.canaries) > 0 || len(ups.backends) > 0 || len(ups.mirrors) > 0 {
		extras = &routeExtras{fallback: ups.fallback, canaries: ups.canaries, backends: ups.backends, mirrors: ups.mirrors, intercept: interceptSet(rt)}
	}
	var bad []error
	if len(ups.backends) > 0 {
		extras.weightSums = weights(rt.Backends)
		extras.backendRules, bad = backendHeaderRules(rt.Backends)
	}
	return &routeState{
		route:       rt,
		up:          ups.up,
		traffic:     traffic,
		routeExtras: extras,
		maxBody:     h.bodyLimit(rt),
		readTimeout: cmp.Or(rt.ReadTimeout, DefaultReadTimeout),
		sendTimeout: cmp.Or(rt.SendTimeout, DefaultSendTimeout),
		cookiePath:  ruleCookiePath(rule),
	}, bad
}

// transportSource finds the transports of a fill: in set, else in old's
// (old may be nil), else new; what it finds in old or makes joins set.
// Workers of a concurrent fill share set through mu, each with its own
// source, which remembers in local what it found there so that it rarely
// takes the lock: a table has few transports and many upstreams.
type transportSource struct {
	set   *transportSet
	old   *state
	mu    *sync.Mutex // guards set; nil when one goroutine fills
	local transportSet
}

// get returns the transport of key.
func (s *transportSource) get(key transportKey) (*transportEntry, error) {
	if s.mu == nil {
		return transportFor(key, s.set, s.old)
	}
	if te := s.local.find(key); te != nil {
		return te, nil
	}
	te, err := s.getShared(key)
	if err == nil {
		s.local.add(te)
	}
	return te, err
}

// keep adds the transports of up, an upstream of old that the fill keeps,
// to set.
func (s *transportSource) keep(up *upstream) {
	if s.mu == nil {
		s.set.keep(up)
		return
	}
	if (up.te == nil || s.local.holds(up.te)) && (up.teTLS == nil || s.local.holds(up.teTLS)) && up.wrappers == nil {
		return
	}
	s.keepShared(up)
	s.local.keep(up)
}

// getShared returns the transport of key from set, under mu. The lock is
// released by defer: comparing keys runs code of the user's TLS
// configuration (a private key's Equal), and a panic there must leave
// the other workers free to stop, so that it reaches the caller instead
// of hanging them on the lock.
func (s *transportSource) getShared(key transportKey) (*transportEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return transportFor(key, s.set, s.old)
}

// keepShared adds the transports of up to set, under mu, released by
// defer as getShared's is.
func (s *transportSource) keepShared(up *upstream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set.keep(up)
}
