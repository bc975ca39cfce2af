package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
)

// WeightedBackend is one of the backends a route shares its requests
// between by weight, as Gateway API's backendRefs do.
type WeightedBackend struct {
	// Upstream is the backend. An Upstream with Status set answers its
	// share of the requests with that status (500 for a backend that
	// could not be resolved).
	Upstream *Upstream
	// Weight is the backend's share: Weight out of the sum of the weights
	// of the route's Backends. A backend of weight 0 is never chosen.
	Weight int
	// RequestHeaders edit the requests sent to this backend, after the
	// route's Traffic.RequestHeaders (Gateway API's header filters on a
	// backendRef). Forwarding headers are set after them.
	RequestHeaders HeaderRules
}

// ErrUnresolved is the cause of the answer of an upstream that stands in
// for a backend that could not be resolved (see Upstream.Status).
var ErrUnresolved = errors.New("proxy: the backend could not be resolved")

// ErrNoWeight is the cause of the 500 answered by a route whose Backends
// all have weight 0, as Gateway API requires.
var ErrNoWeight = errors.New("proxy: every backend of the route has weight 0")

// maxBackendWeight bounds a weight, as Gateway API's schema does, so that
// the sum of up to thousands of weights stays far from overflowing.
const maxBackendWeight = 1_000_000

// checkBackends returns what is wrong with rt.Backends themselves.
func checkBackends(rt *Route) []error {
	var errs []error
	for i, b := range rt.Backends {
		if b.Weight < 0 || b.Weight > maxBackendWeight {
			//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
			errs = append(errs, fmt.Errorf("Backends[%d]: invalid Weight %d: must be from 0 to %d", i, b.Weight, maxBackendWeight))
		}
	}
	return errs
}

// weights returns the running sums of the weights of bs: backend i is
// chosen for a draw in [sums[i-1], sums[i]).
func weights(bs []WeightedBackend) []int {
	sums := make([]int, len(bs))
	total := 0
	for i, b := range bs {
		total += max(b.Weight, 0)
		sums[i] = total
	}
	return sums
}

// pickWeighted returns the index of the backend drawn by weight, or -1
// when every weight is 0.
func (rs *routeState) pickWeighted() int {
	total := rs.weightSums[len(rs.weightSums)-1]
	if total == 0 {
		return -1
	}
	x := rand.IntN(total)
	for i, sum := range rs.weightSums {
		if x < sum {
			return i
		}
	}
	return len(rs.weightSums) - 1 // not reached: x < total
}

// heaviest returns the index of the first backend of the largest weight.
func heaviest(bs []WeightedBackend) int {
	best := 0
	for i, b := range bs {
		if b.Weight > bs[best].Weight {
			best = i
		}
	}
	return best
}

// unresolved answers r for up, a stand-in for a backend that could not be
// resolved, with up's Status, or with 500 for a route whose backends all
// have weight 0 (up nil); or lets Config.ErrorHandler answer.
func (h *Handler) unresolved(w http.ResponseWriter, r *http.Request, rs *routeState, up *upstream, canary int, info *Info) {
	e := &Error{Status: http.StatusInternalServerError, Route: rs.route.Name, Err: ErrNoWeight}
	if up != nil {
		e.Status, e.Upstream, e.Err = up.spec.Status, up.name, ErrUnresolved
		if info != nil {
			info.Upstream, info.Canary = up.cfg, canary
		}
		h.logger().LogAttrs(r.Context(), slog.LevelDebug, "proxy: backend could not be resolved",
			slog.String("route", rs.route.Name), slog.String("upstream", up.name), slog.Int("status", e.Status))
	} else {
		h.logger().LogAttrs(r.Context(), slog.LevelDebug, "proxy: every backend of the route has weight 0",
			slog.String("route", rs.route.Name))
	}
	info.act(ActionUnresolved)
	h.fail(w, r, e, info)
}

// backendHeaderRules returns the runtime of the Backends' RequestHeaders,
// nil when no backend has any, and their problems.
func backendHeaderRules(bs []WeightedBackend) ([]headerRules, []error) {
	var rules []headerRules
	var errs []error
	for i := range bs {
		hr := &bs[i].RequestHeaders
		if len(hr.Set) == 0 && len(hr.Add) == 0 && len(hr.Remove) == 0 {
			continue
		}
		if rules == nil {
			rules = make([]headerRules, len(bs))
		}
		var es []error
		rules[i], es = newHeaderRules(fmt.Sprintf("Backends[%d].RequestHeaders", i), hr)
		errs = append(errs, es...)
	}
	return rules, errs
}
