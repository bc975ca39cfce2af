package proxy

import (
	"math/rand/v2"
	"net/http"
	"regexp"
)

// Canary is an alternative backend of a route, chosen per request as
// ingress-nginx's canary annotations choose: by header, then by cookie,
// then by weight.
type Canary struct {
	// Upstream is the canary backend.
	Upstream *Upstream
	// Header, when not empty, names a request header: "always" sends the
	// request to this canary, "never" keeps it off it (canary-by-header).
	Header string
	// HeaderValue, when not empty, replaces always/never: the header must
	// equal it exactly; another value decides nothing (canary-by-header-value).
	HeaderValue string
	// HeaderPattern, used when HeaderValue is empty, selects the canary
	// when it matches the header's value (canary-by-header-pattern).
	HeaderPattern *regexp.Regexp
	// Cookie, when not empty, names a cookie: "always" and "never" as for
	// Header (canary-by-cookie).
	Cookie string
	// Weight out of WeightTotal is the share of the requests that neither
	// header nor cookie decided which go to this canary (canary-weight,
	// canary-weight-total). WeightTotal 0 means 100.
	Weight, WeightTotal int
	// Object is the object that declared the canary, such as the canary
	// Ingress, for tools. The Handler does not read it.
	Object ObjectRef
}

// decision is what the header and cookie of a request say about a canary.
type decision uint8

const (
	undecided decision = iota
	always
	never
)

// decide applies the header and cookie rules of c to r.
func (c *Canary) decide(r *http.Request) decision {
	if c.Header != "" {
		if v := r.Header.Get(c.Header); v != "" {
			switch {
			case c.HeaderValue != "":
				if v == c.HeaderValue {
					return always
				}
			case c.HeaderPattern != nil:
				if c.HeaderPattern.MatchString(v) {
					return always
				}
			case v == "always":
				return always
			case v == "never":
				return never
			}
		}
	}
	if c.Cookie != "" {
		if v, ok := cookieValue(r.Header, c.Cookie, false); ok {
			switch v {
			case "always":
				return always
			case "never":
				return never
			}
		}
	}
	return undecided
}

// share is c's weight as a fraction.
func (c *Canary) share() float64 {
	total := c.WeightTotal
	if total <= 0 {
		total = 100
	}
	return float64(c.Weight) / float64(total)
}

// pickUpstream returns the upstream for r and the index of the canary
// it belongs to (-1 for the route's own): the first canary whose header
// or cookie says "always", else one drawn by weight among the canaries not
// ruled out by "never", else the route's own upstream. A route with
// Backends draws one of them by weight instead, whose index is backend
// (else -1); the upstream is nil when every weight is 0.
func (rs *routeState) pickUpstream(r *http.Request) (up *upstream, canary, backend int) {
	if len(rs.canaries) == 0 {
		if rs.weightSums != nil {
			i := rs.pickWeighted()
			if i < 0 {
				return nil, -1, -1
			}
			return rs.backends[i].current(), -1, i
		}
		return rs.up.current(), -1, -1
	}
	var ruledOut uint64 // bit i: canary i said never (the first 64 can)
	for i := range rs.route.Canaries {
		switch rs.route.Canaries[i].decide(r) {
		case always:
			return rs.canaries[i].current(), i, -1
		case never:
			if i < 64 {
				ruledOut |= 1 << i
			}
		}
	}
	x, acc := rand.Float64(), 0.0
	for i := range rs.route.Canaries {
		if i < 64 && ruledOut&(1<<i) != 0 {
			continue
		}
		acc += rs.route.Canaries[i].share()
		if x < acc {
			return rs.canaries[i].current(), i, -1
		}
	}
	return rs.up.current(), -1, -1
}
