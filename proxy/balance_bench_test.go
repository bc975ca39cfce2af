package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

var pickSink string

// BenchmarkPick measures what choosing an endpoint costs per request for
// each policy, over 10 endpoints, against plain round robin. EWMA includes
// the bookkeeping around the backend's answer; affinity "new" includes
// writing the Set-Cookie header of a new session.
func BenchmarkPick(b *testing.B) {
	eps := endpoints(10)
	h := &Handler{}
	for _, bb := range []struct {
		name   string
		bal    Balancing
		cookie bool // the request carries a session cookie
	}{
		{name: "round_robin"},
		{name: "ewma", bal: Balancing{Balance: EWMA}},
		{name: "hash/request_uri", bal: Balancing{HashBy: "$request_uri"}},
		{name: "hash/http_x_user", bal: Balancing{HashBy: "$http_x_user"}},
		{name: "hash/remote_addr", bal: Balancing{HashBy: "$remote_addr"}},
		{name: "hash/cookie_arg", bal: Balancing{HashBy: "${cookie_sid}-$arg_page"}},
		{name: "hash/subset3", bal: Balancing{HashBy: "$request_uri", HashSubsetSize: 3}},
		{name: "affinity/balanced/sticky", bal: Balancing{Affinity: &Affinity{}}, cookie: true},
		{name: "affinity/balanced/new", bal: Balancing{Affinity: &Affinity{}}},
		{name: "affinity/persistent/sticky", bal: Balancing{Affinity: &Affinity{Mode: AffinityPersistent}}, cookie: true},
		{name: "affinity/persistent/new", bal: Balancing{Affinity: &Affinity{Mode: AffinityPersistent}}},
	} {
		up := newBalancer(&Upstream{Name: "web", Endpoints: eps, Balancing: bb.bal}, nil, nil)
		r := httptest.NewRequest("GET", "http://example.com/users/42?page=2", nil)
		r.RemoteAddr = "192.0.2.1:1234"
		r.Header.Set("X-User", "user-42")
		r.Header.Set("Cookie", "theme=dark; sid=0123456789")
		if bb.cookie {
			// A session cookie that leads to an endpoint.
			c, _ := h.choose(up, r, parsePeer(r.RemoteAddr, nil), "/users/42", false)
			r.Header.Set("Cookie", "theme=dark; "+DefaultAffinityCookie+"="+c.cookie)
		}
		p := parsePeer(r.RemoteAddr, nil)
		rc := &reqCtx{up: up, rt: &routeState{cookiePath: "/"}, in: r}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			hdr := http.Header{}
			for b.Loop() {
				c, _ := h.choose(up, r, p, "/users/42", false)
				pickSink = c.endpoint
				if l := up.lat; l != nil {
					// What measure adds around the backend's answer.
					e := &l.eps[l.index[c.endpoint]]
					e.inflight.Add(1)
					start := clock()
					end := clock()
					e.inflight.Add(-1)
					e.observe(float64(end-start), end)
				}
				if c.cookie != "" {
					rc.cookie = c.cookie
					rc.setAffinityCookie(hdr)
					delete(hdr, "Set-Cookie")
				}
			}
		})
	}
}
