package proxy

import (
	"cmp"
	"slices"
	"time"
)

// EndpointState is the passive health state of an endpoint.
type EndpointState string

// The endpoint states.
const (
	// EndpointUp is in rotation with no failure on record.
	EndpointUp EndpointState = "up"
	// EndpointFailing is in rotation with failures on record, fewer than
	// Config.MaxFails in a row, or it is being tried again after
	// FailTimeout.
	EndpointFailing EndpointState = "failing"
	// EndpointDown is out of rotation until its FailTimeout has passed.
	EndpointDown EndpointState = "down"
)

// UpstreamStatus is a snapshot of one upstream of the table being served:
// its configuration and the passive health of its endpoints.
type UpstreamStatus struct {
	// Upstream is the upstream as configured; it must not be modified.
	Upstream *Upstream
	// Endpoints are the upstream's endpoints in configuration order.
	Endpoints []EndpointStatus
}

// EndpointStatus is the passive health of one endpoint.
type EndpointStatus struct {
	// Address is the "host:port" of the endpoint.
	Address string
	// State says whether the endpoint is given requests.
	State EndpointState
	// Fails counts its consecutive connection failures on record.
	Fails int
	// DownUntil is when an EndpointDown endpoint is tried again; zero
	// otherwise.
	DownUntil time.Time
}

// Upstreams returns a snapshot of every upstream of the table being
// served (routes' upstreams, canaries, weighted backends, mirrors and
// default backends), sorted by name, with the passive health of their
// endpoints (see Config.MaxFails).
// An upstream with passive health checks off, or with a single endpoint,
// reports every endpoint up. It is meant for status pages and metrics:
// it allocates, and it takes no lock the requests take.
func (h *Handler) Upstreams() []UpstreamStatus {
	st := h.state.Load()
	seen := make(map[*upstream]bool)
	var out []UpstreamStatus
	add := func(up *upstream) {
		if up == nil || seen[up] {
			return
		}
		seen[up] = true
		cur := up.current() // with the endpoints SetEndpoints gave last
		out = append(out, UpstreamStatus{Upstream: cur.cfg, Endpoints: cur.health.snapshot(cur.endpoints)})
	}
	for _, rs := range st.routes.all() {
		add(rs.up)
		add(rs.fallback)
		for _, list := range [...][]*upstream{rs.canaries, rs.backends, rs.mirrors} {
			for _, c := range list {
				add(c)
			}
		}
	}
	slices.SortFunc(out, func(a, b UpstreamStatus) int {
		return cmp.Or(cmp.Compare(a.Upstream.Name, b.Upstream.Name), cmp.Compare(a.Upstream.Protocol, b.Upstream.Protocol))
	})
	return out
}

// snapshot returns the state of endpoints as h records it; h may be nil.
func (h *health) snapshot(endpoints []string) []EndpointStatus {
	out := make([]EndpointStatus, len(endpoints))
	now := clock()
	for i, ep := range endpoints {
		out[i] = EndpointStatus{Address: ep, State: EndpointUp}
		if h == nil {
			continue
		}
		e := &h.eps[i]
		fails, until := e.fails.Load(), e.downUntil.Load()
		out[i].Fails = int(fails)
		switch {
		case until != 0 && now < until:
			out[i].State = EndpointDown
			out[i].DownUntil = time.Now().Add(time.Duration(until - now))
		case fails > 0:
			out[i].State = EndpointFailing
		}
	}
	return out
}
