package proxy

import (
	"cmp"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"
)

// Balance is how an upstream spreads the requests that neither
// Upstream.Affinity nor Upstream.HashBy place (load-balance).
type Balance uint8

// The balancing algorithms.
const (
	// RoundRobin sends requests to the endpoints in turn (round_robin, the
	// default).
	RoundRobin Balance = iota
	// EWMA sends each request to the better of two endpoints drawn at
	// random, scoring each by the peak exponentially weighted moving
	// average of its response time times its requests in flight plus one
	// (ewma; see "Balancing" in the package documentation).
	EWMA
)

// String returns the load-balance spelling: "round_robin" or "ewma".
func (b Balance) String() string {
	switch b {
	case RoundRobin:
		return "round_robin"
	case EWMA:
		return "ewma"
	}
	return "Balance(" + strconv.Itoa(int(b)) + ")"
}

// upstream is an Upstream ready to serve: its endpoints, its transport, a
// round-robin position and the state of its other balancing policy, if
// any. Routes of one table that share an *Upstream share one upstream, so
// they share the rotation and the EWMA record too.
type upstream struct {
	cfg       *Upstream // as given, for Info
	name      string
	endpoints []string
	te        *transportEntry
	teTLS     *transportEntry // AutoHTTP only: the transport for TLS clients
	n         atomic.Uint64

	// sel places requests for every policy but plain round robin. It is
	// nil for plain round robin, so that the common case costs one
	// comparison and nothing else.
	sel *selector
	// lat measures response times for EWMA; nil otherwise.
	lat *latencies
	// health leaves failing endpoints out for a while; nil when off.
	health *health
	// wrappers are what Config.WrapTransport returned for te and teTLS;
	// nil without a WrapTransport. Apart, they spare the many upstreams
	// of a large table two interfaces each.
	wrappers *wrappedTransports

	// spec is the Upstream this was built from, as it was then.
	spec Upstream
	// origin is the upstream of the table that this one stands for: itself,
	// or the one whose endpoints SetEndpoints replaced with this one.
	origin *upstream
	// live, on a table's upstream, is its replacement with the endpoints
	// SetEndpoints gave last; nil until then. Requests take current().
	live atomic.Pointer[upstream]
}

// current returns the upstream to serve with now: the replacement with the
// latest endpoints, if any.
func (up *upstream) current() *upstream {
	if l := up.live.Load(); l != nil {
		return l
	}
	return up
}

// selector is the policy of an upstream that is not plain round robin,
// with precedence applied: exactly one of affinity, hash and lat decides.
type selector struct {
	affinity *affinity // Upstream.Affinity
	hash     *hashKey  // Upstream.HashBy, when there is no affinity
	subset   int       // Upstream.HashSubsetSize, with hash
	ring     *ring     // for hash and balanced affinity
	lat      *latencies
}

// choice is the endpoint picked for a request, and the affinity cookie
// value to send with the response (empty: none).
type choice struct {
	endpoint string
	cookie   string
}

// pickInput is what a policy may look at to place a request.
type pickInput struct {
	r       *http.Request
	peer    peer
	path    string         // the cleaned path that was matched, for $uri
	trusted []netip.Prefix // Config.TrustedProxies, for $remote_addr
	dry     bool           // Explain: look at round-robin turns, take none
}

// newBalancer returns the runtime form of u, which New has validated.
func newBalancer(u *Upstream, te, teTLS *transportEntry) *upstream {
	up := &upstream{cfg: u, name: u.Name, endpoints: slices.Clone(u.Endpoints), te: te, teTLS: teTLS, spec: *u}
	up.origin = up
	switch {
	case u.Affinity != nil:
		a := newAffinity(u.Name, u.Affinity, up.endpoints)
		up.sel = &selector{affinity: a}
		if u.Affinity.Mode == AffinityBalanced {
			up.sel.ring = newRing(up.endpoints)
		}
	case u.HashBy != "":
		k, _ := parseHashKey(u.HashBy) // checked by Balancing.check
		up.sel = &selector{hash: k, subset: u.HashSubsetSize, ring: newRing(up.endpoints)}
	case u.Balance == EWMA:
		up.lat = newLatencies(up.endpoints, cmp.Or(u.ConnectTimeout, DefaultConnectTimeout))
		up.sel = &selector{lat: up.lat}
	}
	return up
}

// transport returns the transport for a request whose client connection
// is TLS or not: they differ only for AutoHTTP.
func (up *upstream) transport(clientTLS bool) *transportEntry {
	if clientTLS && up.teTLS != nil {
		return up.teTLS
	}
	return up.te
}

// wrapped returns Config.WrapTransport's RoundTripper for the transport
// that transport(clientTLS) returns, or nil.
func (up *upstream) wrapped(clientTLS bool) http.RoundTripper {
	w := up.wrappers
	if w == nil {
		return nil
	}
	if clientTLS && up.teTLS != nil {
		return w.rtTLS
	}
	return w.rt
}

// wrappedTransports are what Config.WrapTransport returned for an
// upstream's transports.
type wrappedTransports struct {
	rt, rtTLS http.RoundTripper
}

// wrappedOf returns rt and rtTLS as an upstream's wrappers: nil when both
// are.
func wrappedOf(rt, rtTLS http.RoundTripper) *wrappedTransports {
	if rt == nil && rtTLS == nil {
		return nil
	}
	return &wrappedTransports{rt: rt, rtTLS: rtTLS}
}

// next returns the next endpoint in round-robin order, or false when there
// is none.
func (up *upstream) next() (string, bool) {
	switch len(up.endpoints) {
	case 0:
		return "", false
	case 1:
		return up.endpoints[0], true
	}
	return up.turn(up.n.Add(1) - 1)
}

// peek returns the endpoint next would return, without taking the turn:
// what a dry run (Explain) reports.
func (up *upstream) peek() (string, bool) {
	if len(up.endpoints) == 0 {
		return "", false
	}
	return up.turn(up.n.Load())
}

// turn returns the endpoint of round-robin turn i, skipping those out of
// rotation.
func (up *upstream) turn(i uint64) (string, bool) {
	n := uint64(len(up.endpoints))
	if up.health != nil {
		// Skip endpoints out of rotation; if all are, the turn's one is
		// tried anyway: failing fast helps nobody more than trying.
		for k := range n {
			if j := int((i + k) % n); up.health.live(j) {
				return up.endpoints[j], true
			}
		}
	}
	return up.endpoints[i%n], true
}

// choose picks the endpoint of up for a request: by affinity cookie, by
// hash, by EWMA or in turn, as the upstream says. It reports false when up
// has no endpoint.
func (h *Handler) choose(up *upstream, r *http.Request, p peer, path string, dry bool) (choice, bool) {
	if up.sel == nil {
		var ep string
		var ok bool
		if dry {
			ep, ok = up.peek()
		} else {
			ep, ok = up.next()
		}
		return choice{endpoint: ep}, ok
	}
	if len(up.endpoints) == 0 {
		return choice{}, false
	}
	return up.sel.choose(up, pickInput{r: r, peer: p, path: path, trusted: h.cfg.TrustedProxies, dry: dry})
}

// choose picks the endpoint for in from up's endpoints, of which there is
// at least one.
func (s *selector) choose(up *upstream, in pickInput) (choice, bool) {
	switch {
	case s.affinity != nil:
		return s.affinity.choose(up, s.ring, in), true
	case s.hash != nil:
		return choice{endpoint: s.chooseByHash(up, in, nil)}, true
	default:
		return choice{endpoint: up.endpoints[s.lat.pick(nil)]}, true
	}
}

// retryEndpoint picks the endpoint for a retry of the request: one not in
// tried, chosen by the upstream's policy. With affinity, the response's
// cookie names the new endpoint when the session is new or ChangeOnFailure
// is set.
func (rc *reqCtx) retryEndpoint(tried []string) (string, bool) {
	up := rc.up
	s := up.sel
	if s == nil {
		return up.untriedInTurn(tried)
	}
	in := pickInput{r: rc.in, peer: rc.peer, path: rc.path, trusted: rc.h.cfg.TrustedProxies}
	switch {
	case s.affinity != nil:
		c, ok := s.affinity.place(up, s.ring, tried)
		// A new session goes where it is served, as ingress-nginx's
		// last Set-Cookie wins; an old one moves only if asked to.
		if ok && (rc.cookie != "" || s.affinity.changeOnFailure) {
			rc.cookie = c.cookie
		}
		return c.endpoint, ok
	case s.hash != nil:
		ep := s.chooseByHash(up, in, tried)
		return ep, ep != ""
	default:
		i := s.lat.pick(func(i int) bool { return slices.Contains(tried, up.endpoints[i]) })
		if i < 0 {
			return "", false
		}
		return up.endpoints[i], true
	}
}

// untriedInTurn returns the next endpoint in round-robin order that is not
// in tried.
func (up *upstream) untriedInTurn(tried []string) (string, bool) {
	for range len(up.endpoints) {
		ep, ok := up.next()
		if !ok {
			return "", false
		}
		if !slices.Contains(tried, ep) {
			return ep, true
		}
	}
	return "", false
}

// Balancing says how an upstream chooses the endpoint of each request. The
// zero value sends requests to the endpoints in turn. When several fields
// are set, Affinity wins over HashBy, which wins over Balance, as in
// ingress-nginx.
type Balancing struct {
	// Balance is the algorithm for requests that neither Affinity nor
	// HashBy place (load-balance). The zero value is RoundRobin.
	Balance Balance
	// HashBy, when not empty, places each request by consistent hashing of
	// a key built from it (upstream-hash-by): nginx variables and text,
	// such as "$request_uri" or "${http_x_user}-$arg_id". The variables
	// are listed under "Balancing" in the package documentation; another
	// one is an error. A request whose key comes out empty is balanced in
	// turn.
	HashBy string
	// HashSubsetSize, when positive, makes HashBy choose a subset of this
	// many endpoints for each key, and a random endpoint of the subset for
	// each request (upstream-hash-by-subset and -subset-size).
	HashSubsetSize int
	// Affinity, when not nil, pins each client to an endpoint with a
	// cookie (affinity: cookie).
	Affinity *Affinity
}

// check returns what is wrong with b.
func (b *Balancing) check() []error {
	var errs []error
	if b.Balance > EWMA {
		errs = append(errs, fmt.Errorf("Balance: unsupported value %s: supported values: round_robin, ewma", b.Balance))
	}
	if b.HashBy != "" {
		if _, err := parseHashKey(b.HashBy); err != nil {
			errs = append(errs, fmt.Errorf("HashBy: invalid value %q: %w", b.HashBy, err))
		}
	}
	if b.HashSubsetSize < 0 || b.HashSubsetSize > 0 && b.HashBy == "" {
		errs = append(errs, fmt.Errorf("HashSubsetSize: invalid value %d: must be positive, and needs HashBy", b.HashSubsetSize))
	}
	if b.Affinity != nil {
		for _, err := range b.Affinity.check() {
			errs = append(errs, fmt.Errorf("Affinity: %w", err))
		}
	}
	return errs
}
