package proxy

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUpstreamsReportsHealth checks that the snapshot shows an endpoint
// that refuses connections as failing, then down once it has failed
// MaxFails times, beside a healthy one, and lists canaries and default
// backends too.
func TestUpstreamsReportsHealth(t *testing.T) {
	live := newBackend(t, "live")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()

	up := &Upstream{Name: "default/web:80", Endpoints: []string{dead, addr(live)}}
	canary := &Upstream{Name: "default/web-canary:80", Endpoints: []string{addr(live)}}
	fallback := &Upstream{Name: "default/errors:80", Endpoints: []string{addr(live)}}
	rt := &Route{Upstream: up, DefaultBackend: fallback, Canaries: []Canary{{Upstream: canary, Header: "X-Canary"}}}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt)), MaxFails: 2, FailTimeout: time.Minute})

	states := func() map[string][]EndpointState {
		got := map[string][]EndpointState{}
		for _, u := range h.Upstreams() {
			for _, ep := range u.Endpoints {
				got[u.Upstream.Name] = append(got[u.Upstream.Name], ep.State)
			}
		}
		return got
	}
	assert.Equal(t, map[string][]EndpointState{
		"default/web:80":        {EndpointUp, EndpointUp},
		"default/web-canary:80": {EndpointUp},
		"default/errors:80":     {EndpointUp},
	}, states())

	serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil)) // the dead one's turn
	assert.Equal(t, []EndpointState{EndpointFailing, EndpointUp}, states()["default/web:80"])
	serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil))
	serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil)) // the second failure
	got := h.Upstreams()
	require.Len(t, got, 3)
	assert.Equal(t, []string{"default/errors:80", "default/web-canary:80", "default/web:80"},
		[]string{got[0].Upstream.Name, got[1].Upstream.Name, got[2].Upstream.Name}, "sorted by name")
	web := got[2].Endpoints
	assert.Equal(t, EndpointStatus{Address: addr(live), State: EndpointUp}, web[1])
	assert.Equal(t, dead, web[0].Address)
	assert.Equal(t, EndpointDown, web[0].State)
	assert.Equal(t, 2, web[0].Fails)
	assert.WithinDuration(t, time.Now().Add(time.Minute), web[0].DownUntil, 5*time.Second)
}
