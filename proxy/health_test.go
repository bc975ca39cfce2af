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

// TestPassiveHealth checks that an endpoint refusing connections leaves
// the rotation after MaxFails failures, and comes back once it answers
// again after FailTimeout.
func TestPassiveHealth(t *testing.T) {
	live := newBackend(t, "live")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := ln.Addr().String()
	ln.Close()

	up := &Upstream{Name: "web", Endpoints: []string{deadAddr, addr(live)}}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up})), MaxFails: 2, FailTimeout: 300 * time.Millisecond})
	codes := func(n int) (ok, bad int) {
		for range n {
			if serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil)).Code == 200 {
				ok++
			} else {
				bad++
			}
		}
		return
	}
	_, bad := codes(4) // in turn: dead, live, dead, live
	require.Equal(t, 2, bad, "the dead endpoint gets its turns until it has failed MaxFails times")
	ok, bad := codes(20)
	assert.Equal(t, 20, ok, "out of rotation after 2 failures")
	assert.Zero(t, bad)

	// It comes back: answering again, it gets its turns after FailTimeout.
	revived, err := net.Listen("tcp", deadAddr)
	require.NoError(t, err)
	srv := &http.Server{Handler: echoHandler("revived")}
	go srv.Serve(revived)
	defer srv.Close()
	time.Sleep(350 * time.Millisecond)
	seen := map[string]int{}
	for range 10 {
		rec := serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil))
		require.Equal(t, 200, rec.Code)
		seen[decode(t, rec.Body.Bytes()).Backend]++
	}
	assert.Equal(t, 5, seen["revived"], "back in the rotation: %v", seen)
}

// TestPassiveHealthIgnoresSlowBackends checks that read timeouts, which a
// slow but live backend causes, do not take it out of rotation.
func TestPassiveHealthIgnoresSlowBackends(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	fast := newBackend(t, "fast")
	up := upstreamOf("web", slow, fast)
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up, ReadTimeout: 30 * time.Millisecond})), MaxFails: 1})
	timeouts := 0
	for range 6 {
		if serve(h, httptest.NewRequest(http.MethodGet, "http://x/", nil)).Code == http.StatusGatewayTimeout {
			timeouts++
		}
	}
	assert.Equal(t, 3, timeouts, "the slow endpoint keeps its turns")
}
