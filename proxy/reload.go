package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/ingressmux/ingressmux/route"
)

// state is everything ServeHTTP needs about one table. It never changes
// once published: Reload builds a new one and swaps the pointer, and
// requests in flight finish with the state they started with.
type state struct {
	table      *route.Table
	routes     *cowMap[*Route, *routeState]
	transports transportSet // the transports the routes use
	closed     bool         // Close was called: nothing is served
	// upstreams is the runtime form of each Upstream of the table, so that
	// the next table can keep those that did not change, and SetEndpoints
	// can find them by name.
	upstreams *cowMap[*Upstream, *upstream]
	byName    *cowMap[string, []*upstream] // upstreams by Upstream.Name
	// extraUses counts, for each Route that more than one rule of the
	// table carries, the rules beyond the first, so that Update drops a
	// Route only with the last rule that carries it. A Route of routes
	// that it does not hold is carried by one rule: nearly all are, and
	// they cost no entry.
	extraUses *cowMap[*Route, int]
	// traffics are the runtimes of the routes' traffic policies.
	traffics trafficRuntimes
	// counts are how many routes use each upstream and traffic runtime,
	// so that Update drops them with their last route without looking at
	// the others; nil until the first Update after New or Reload counts
	// them.
	counts *useCounts
}

// Reload validates table as New does and, if it is valid, serves it from
// now on. Requests in flight finish on the previous table. Upstreams whose
// transport settings (Protocol, TLS, ConnectTimeout) are unchanged keep
// their transport and its idle connections; afterwards the idle
// connections of transports no longer used are closed. A table that fails
// validation is not served: the previous one stays, and the error says
// why, as New's does.
func (h *Handler) Reload(table *route.Table) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.state.Load()
	if old.closed {
		return ErrClosed
	}
	st, err := h.build(table, old)
	if err != nil {
		return err
	}
	h.state.Store(st)
	for _, te := range old.transports.all {
		if !st.transports.holds(te) {
			te.closeIdle()
		}
	}
	old.traffics.closeUnused(st.traffics)
	return nil
}

// build validates table and prepares its state, taking transports from old
// (which may be nil) when their key is unchanged.
func (h *Handler) build(table *route.Table, old *state) (*state, error) {
	if table == nil {
		return nil, errors.New("proxy: the route table is nil")
	}
	rules := table.Rules()
	// Config.WrapTransport is called as fill calls it: one call at a time,
	// in rule order.
	if workers := fillWorkers(len(rules)); workers > 1 && h.cfg.WrapTransport == nil {
		st := newState(table)
		if h.fillConcurrent(st, rules, old, workers) {
			return st, nil
		}
		// A rule has a problem: fill finds them all, in rule order.
	}
	return h.fill(newState(table), rules, old)
}

// newState returns an empty state for table.
func newState(table *route.Table) *state {
	// Nothing shares the maps of a new state yet: they are made for the
	// table's size, so that filling them neither copies nor grows them.
	// A route has one Upstream, mostly, and its own.
	n := table.Len()
	return &state{table: table, routes: newCowMapFor[*Route, *routeState](n), upstreams: newCowMapFor[*Upstream, *upstream](n), byName: newCowMap[string, []*upstream](), extraUses: newCowMap[*Route, int](), traffics: newTrafficRuntimes()}
}

// equalUpstream returns the upstream of the lists whose Upstream is equal
// to u, or nil.
func equalUpstream(u *Upstream, lists ...[]*upstream) *upstream {
	for _, list := range lists {
		for _, up := range list {
			if sameUpstream(&up.spec, u) {
				return up
			}
		}
	}
	return nil
}

// checkRoute returns what is wrong with rt itself.
func checkRoute(rt *Route) []error {
	var errs []error
	if rt.Upstream == nil && len(rt.Backends) == 0 {
		errs = append(errs, errors.New("Upstream is nil"))
	}
	if len(rt.Backends) > 0 && len(rt.Canaries) > 0 {
		//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
		errs = append(errs, errors.New("Backends and Canaries cannot be used together"))
	}
	errs = append(errs, checkBackends(rt)...)
	errs = append(errs, checkMirrors(rt)...)
	if rt.ReplacePath != nil {
		if rt.Rewrite != nil {
			errs = append(errs, errors.New("ReplacePath and Rewrite cannot be used together"))
		}
		if err := rt.ReplacePath.Check(); err != nil {
			errs = append(errs, fmt.Errorf("ReplacePath: %w", err))
		}
	}
	if rt.Redirect != nil {
		errs = append(errs, rt.Redirect.Check()...)
	}
	if rt.Rewrite != nil && rt.Rewrite.Target() == "" {
		// Only the zero Path has no target (NewPath makes "" "/"); it
		// has no pattern to apply.
		//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
		errs = append(errs, errors.New("Rewrite: not made by rewrite.NewPath"))
	}
	if rt.ReadTimeout < 0 {
		errs = append(errs, fmt.Errorf("ReadTimeout: invalid value %v: must not be negative", rt.ReadTimeout))
	}
	if rt.SendTimeout < 0 {
		errs = append(errs, fmt.Errorf("SendTimeout: invalid value %v: must not be negative", rt.SendTimeout))
	}
	if rt.RequestTimeout < 0 {
		errs = append(errs, fmt.Errorf("RequestTimeout: invalid value %v: must not be negative", rt.RequestTimeout))
	}
	if rt.BackendTimeout < 0 {
		errs = append(errs, fmt.Errorf("BackendTimeout: invalid value %v: must not be negative", rt.BackendTimeout))
	}
	errs = append(errs, checkResponseRewrites(rt)...)
	if r := rt.Retry; r.Tries < 0 || r.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Retry: Tries and Timeout must not be negative"))
	}
	for i, c := range rt.Canaries {
		if c.Weight < 0 || c.WeightTotal < 0 || c.Weight > c.WeightTotal && (c.WeightTotal > 0 || c.Weight > 100) {
			//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
			errs = append(errs, fmt.Errorf("Canaries[%d]: Weight %d out of WeightTotal %d is not a share", i, c.Weight, c.WeightTotal))
		}
	}
	for _, code := range rt.InterceptErrors {
		if code < 400 || code > 599 {
			errs = append(errs, fmt.Errorf("InterceptErrors: invalid value %d: must be a 4xx or 5xx status code", code))
		}
	}
	if rt.HostRedirect != "" && !validHost(rt.HostRedirect) {
		errs = append(errs, fmt.Errorf("HostRedirect: invalid value %q: must be a host name", rt.HostRedirect))
	}
	return errs
}

// newUpstream validates u and returns its runtime form with transports
// from tr. It returns nil and the problems if u is invalid.
func (h *Handler) newUpstream(u *Upstream, tr *transportSource) (*upstream, []error) {
	var errs []error
	if u.Protocol > AutoHTTP {
		errs = append(errs, fmt.Errorf("Protocol: unsupported value %s: supported values: HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP", u.Protocol))
	}
	if u.ConnectTimeout < 0 {
		errs = append(errs, fmt.Errorf("ConnectTimeout: invalid value %v: must not be negative", u.ConnectTimeout))
	}
	errs = append(errs, u.Balancing.check()...)
	if u.Status != 0 && (u.Status < 400 || u.Status > 599) {
		//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
		errs = append(errs, fmt.Errorf("Status: invalid value %d: must be a 4xx or 5xx status code", u.Status))
	}
	for i, ep := range u.Endpoints {
		if err := checkEndpoint(ep); err != nil {
			//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
			errs = append(errs, fmt.Errorf("Endpoints[%d]: invalid value %q: %w", i, ep, err))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if u.Protocol != AutoHTTP {
		te, err := tr.get(keyOf(u, u.Protocol, h.cfg.BackendCAs))
		if err != nil {
			return nil, []error{err}
		}
		up := h.withHealth(newBalancer(u, te, nil))
		up.wrappers = wrappedOf(h.wrap(u, u.Protocol, te, tr.set), nil)
		return up, nil
	}
	te, err := tr.get(keyOf(u, HTTP, h.cfg.BackendCAs))
	if err != nil {
		return nil, []error{err}
	}
	teTLS, err := tr.get(keyOf(u, HTTPS, h.cfg.BackendCAs))
	if err != nil {
		return nil, []error{err}
	}
	up := h.withHealth(newBalancer(u, te, teTLS))
	up.wrappers = wrappedOf(h.wrap(u, HTTP, te, tr.set), h.wrap(u, HTTPS, teTLS, tr.set))
	return up, nil
}

// wrap returns what Config.WrapTransport makes of te for u spoken with
// proto, or nil without a WrapTransport.
func (h *Handler) wrap(u *Upstream, proto Protocol, te *transportEntry, set *transportSet) http.RoundTripper {
	if h.cfg.WrapTransport == nil {
		return nil
	}
	c := *u
	c.Protocol = proto
	rt := h.cfg.WrapTransport(c, entryTransport{te})
	if rt == nil {
		return nil
	}
	set.wrapped = append(set.wrapped, rt)
	return rt
}

// withHealth gives up its passive health record, as Config says.
func (h *Handler) withHealth(up *upstream) *upstream {
	up.health = newHealth(up.endpoints, h.cfg.MaxFails, h.cfg.FailTimeout)
	return up
}

// transportFor returns the transport of key from set, else from old (which
// may be nil), else a new one; it is added to set.
func transportFor(key transportKey, set *transportSet, old *state) (*transportEntry, error) {
	te := set.find(key)
	if te == nil && old != nil {
		te = old.transports.find(key)
		if te != nil {
			set.add(te)
		}
	}
	if te == nil {
		var err error
		if te, err = newTransportEntry(key); err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		set.add(te)
	}
	return te, nil
}

// interceptSet returns the codes of rt.InterceptErrors as a set, or nil
// when there is nothing to send them to.
func interceptSet(rt *Route) map[int]bool {
	if rt.DefaultBackend == nil || len(rt.InterceptErrors) == 0 {
		return nil
	}
	set := make(map[int]bool, len(rt.InterceptErrors))
	for _, code := range rt.InterceptErrors {
		set[code] = true
	}
	return set
}

// checkEndpoint tells whether ep is a usable "host:port" address.
func checkEndpoint(ep string) error {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return errors.New("want host:port")
	}
	if host == "" {
		return errors.New("missing host")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("port %q: want a number from 1 to 65535", port)
	}
	return nil
}

// bodyLimit returns rt's body limit with the defaults applied; negative
// means none.
func (h *Handler) bodyLimit(rt *Route) int64 {
	if rt.MaxBodyBytes != 0 {
		return rt.MaxBodyBytes
	}
	return h.maxBody
}

// ruleName names a rule in errors: its origin (else its route's name), its
// host and its path.
func ruleName(rule route.Rule, rt *Route) string {
	who := rule.Origin
	if who == "" && rt != nil {
		who = rt.Name
	}
	if who == "" {
		who = "rule"
	}
	host := rule.Host
	if host == "" {
		host = "*"
	}
	path := rule.Path
	if rule.Type == route.Default {
		path = "-"
	}
	return fmt.Sprintf("%s: host %q path %q", who, host, path)
}

// transportOf returns the transport serving rt in the current state, or
// nil; for tests.
func (h *Handler) transportOf(rt *Route) *http.Transport {
	if rs := h.state.Load().routes.get(rt); rs != nil {
		return rs.up.te.t
	}
	return nil
}
