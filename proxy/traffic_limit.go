package proxy

import (
	"cmp"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Rate-limit defaults, as in ingress-nginx.
const (
	// DefaultBurstMultiplier is limit-burst-multiplier's default: a client
	// may go this many times its per-second (or per-minute) limit over it
	// in a burst.
	DefaultBurstMultiplier = 5
	// DefaultLimitRejectStatus is the status of requests refused by a rate
	// or connection limit (ingress-nginx's limit-req-status-code and
	// limit-conn-status-code).
	DefaultLimitRejectStatus = 503
	// DefaultMaxClients is how many client addresses a rate limit tracks
	// at most, about 200 bytes each.
	DefaultMaxClients = 100_000
)

// RateLimit limits the requests of each client address (see "Client
// address" in the Traffic documentation), as ingress-nginx's limit-rps, limit-rpm and
// limit-connections do. When several limits are set, a request must pass
// all of them. Requests over a limit are refused with RejectStatus; they
// are never delayed.
//
// The counters belong to the Traffic that holds the RateLimit: routes that
// share a *Traffic share them, which is how ingress-nginx shares one zone
// among all the paths of an Ingress. They are per Handler (per process), as
// ingress-nginx's are per replica.
type RateLimit struct {
	// RPS is the sustained number of requests per second a client may
	// make; zero means no per-second limit (limit-rps).
	RPS int
	// RPM is the sustained number of requests per minute; zero means no
	// per-minute limit (limit-rpm).
	RPM int
	// Connections is how many requests a client may have in flight at
	// once; zero means no limit (limit-connections). With HTTP/2 each
	// stream counts, as in nginx.
	Connections int
	// BurstMultiplier sets the burst of RPS and RPM: a client that was idle
	// may send limit × BurstMultiplier requests beyond the first one at
	// once (nginx's limit_req burst with nodelay). Zero means
	// DefaultBurstMultiplier.
	BurstMultiplier int
	// Exempt lists the client addresses no limit applies to
	// (limit-allowlist).
	Exempt []netip.Prefix
	// RejectStatus is the status of refused requests, 400-599. Zero means
	// Config.LimitRejectStatus, else DefaultLimitRejectStatus (503); 429
	// is the usual alternative.
	RejectStatus int
	// MaxClients bounds how many client addresses are tracked; beyond it
	// the least recently seen are forgotten. Zero means DefaultMaxClients.
	MaxClients int
}

// check returns what is wrong with l.
func (l *RateLimit) check() []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{{"RPS", l.RPS}, {"RPM", l.RPM}, {"Connections", l.Connections}, {"BurstMultiplier", l.BurstMultiplier}, {"MaxClients", l.MaxClients}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("RateLimit.%s: invalid value %d: must not be negative", f.name, f.v))
		}
	}
	if s := l.RejectStatus; s != 0 && (s < 400 || s > 599) {
		errs = append(errs, fmt.Errorf("RateLimit.RejectStatus: invalid value %d: must be 400-599", s))
	}
	for i, p := range l.Exempt {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("RateLimit.Exempt[%d]: invalid prefix %q", i, p))
		}
	}
	return errs
}

// limiter is the runtime of a RateLimit.
type limiter struct {
	rps, rpm rate.Limit
	rpsBurst int
	rpmBurst int
	conns    int
	exempt   []netip.Prefix
	status   int
	text     string // the body of refusals
	clients  *lru[netip.Addr, client]
	now      func() time.Time // time.Now; tests replace it
}

// client is what a limiter knows of one client address.
type client struct {
	rps, rpm *rate.Limiter // nil when that limit is off
	inFlight int
}

// newLimiter returns the runtime of l; defaultStatus (Config.LimitRejectStatus)
// applies when l sets no RejectStatus.
func newLimiter(l *RateLimit, defaultStatus int) *limiter {
	mult := l.BurstMultiplier
	if mult == 0 {
		mult = DefaultBurstMultiplier
	}
	max := l.MaxClients
	if max == 0 {
		max = DefaultMaxClients
	}
	lm := &limiter{
		conns:  l.Connections,
		exempt: normalizePrefixes(l.Exempt),
		status: l.RejectStatus,
		now:    time.Now,
	}
	if lm.status == 0 {
		lm.status = cmp.Or(defaultStatus, DefaultLimitRejectStatus)
	}
	lm.text = strconv.Itoa(lm.status) + " " + strings.ToLower(http.StatusText(lm.status))
	if lm.status == http.StatusServiceUnavailable {
		lm.text = "503 service temporarily unavailable" // nginx's words
	}
	// nginx lets an idle client send burst+1 requests at once (the first
	// one, then burst more): a token bucket holding burst+1 tokens.
	if l.RPS > 0 {
		lm.rps, lm.rpsBurst = rate.Limit(l.RPS), l.RPS*mult+1
	}
	if l.RPM > 0 {
		lm.rpm, lm.rpmBurst = rate.Limit(float64(l.RPM)/60), l.RPM*mult+1
	}
	lm.clients = newLRU[netip.Addr, client](max, func(c *client) bool { return c.inFlight > 0 })
	return lm
}

// admit counts a request from a. It reports false when a limit refuses
// it; otherwise release, when not nil, must be called when the request is
// done (it frees the connection slot).
func (lm *limiter) admit(a netip.Addr) (release func(), ok bool) {
	if contains(lm.exempt, a) {
		return nil, true
	}
	now := lm.now()
	s := lm.clients.lock(a)
	defer s.mu.Unlock()
	c, fresh := s.put(lm.clients, a)
	if fresh {
		if lm.rps != 0 {
			c.rps = rate.NewLimiter(lm.rps, lm.rpsBurst)
		}
		if lm.rpm != 0 {
			c.rpm = rate.NewLimiter(lm.rpm, lm.rpmBurst)
		}
	}
	if lm.conns > 0 && c.inFlight >= lm.conns {
		return nil, false
	}
	// All limits or none: a request refused by one limit takes nothing
	// from the others, as with nginx's several limit_req. The shard lock
	// makes the test and the taking one step.
	if c.rps != nil && c.rps.TokensAt(now) < 1 || c.rpm != nil && c.rpm.TokensAt(now) < 1 {
		return nil, false
	}
	if c.rps != nil {
		c.rps.AllowN(now, 1)
	}
	if c.rpm != nil {
		c.rpm.AllowN(now, 1)
	}
	if lm.conns == 0 {
		return nil, true
	}
	c.inFlight++
	return func() {
		s := lm.clients.lock(a)
		// c is still a's entry: entries with requests in flight are never
		// evicted.
		c.inFlight--
		s.mu.Unlock()
	}, true
}

// wouldAdmit reports whether admit would let a request from a through
// now, without counting it: what a dry run (Explain) asks.
func (lm *limiter) wouldAdmit(a netip.Addr) bool {
	if contains(lm.exempt, a) {
		return true
	}
	now := lm.now()
	s := lm.clients.lock(a)
	defer s.mu.Unlock()
	c := s.get(a)
	if c == nil {
		return true // a client never seen has every token
	}
	if lm.conns > 0 && c.inFlight >= lm.conns {
		return false
	}
	return !(c.rps != nil && c.rps.TokensAt(now) < 1 || c.rpm != nil && c.rpm.TokensAt(now) < 1)
}

// normalizePrefixes masks the prefixes and turns IPv4-mapped IPv6 prefixes
// into IPv4 ones, since client addresses are compared unmapped.
func normalizePrefixes(ps []netip.Prefix) []netip.Prefix {
	if ps == nil {
		return nil
	}
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out
}
