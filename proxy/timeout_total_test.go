package proxy

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTotalTimeouts checks Route.RequestTimeout and BackendTimeout, as
// Gateway API's timeouts.request and timeouts.backendRequest
// (HTTPRouteRequestTimeout, HTTPRouteBackendRequestTimeout): a backend
// slower than either gets 504 with the timeout as the cause, a response
// still streaming when the request timeout passes is cut off although
// bytes keep coming, each retry has its own backend timeout, and a fast
// backend is not affected.
func TestTotalTimeouts(t *testing.T) {
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers nothing until the proxy gives up
	}))
	defer silent.Close()
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for range 100 { // 100 bytes over 5 seconds, unless cut off
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	defer trickle.Close()
	fast := newBackend(t, "fast")
	// slowThenFine answers its first request with 503 and the others with
	// 200, each after 300 ms: two attempts take longer than one backend
	// timeout of 500 ms, each alone does not.
	var calls atomic.Int32
	slowThenFine := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := calls.Add(1) == 1
		select {
		case <-r.Context().Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "fine")
	})
	retryA, retryB := httptest.NewServer(slowThenFine), httptest.NewServer(slowThenFine)
	defer retryA.Close()
	defer retryB.Close()

	for _, tc := range []struct {
		name      string
		route     *Route
		wantCode  int
		wantCause error
		wantBody  func(string) bool
	}{
		{"request timeout before the headers", &Route{Upstream: upstreamOf("silent", silent), RequestTimeout: 100 * time.Millisecond}, 504, ErrRequestTimeout, nil},
		{"backend timeout before the headers", &Route{Upstream: upstreamOf("silent", silent), BackendTimeout: 100 * time.Millisecond}, 504, ErrBackendTimeout, nil},
		{"backend timeout within a longer request timeout", &Route{Upstream: upstreamOf("silent", silent), BackendTimeout: 100 * time.Millisecond, RequestTimeout: time.Hour}, 504, ErrBackendTimeout, nil},
		{"request timeout shorter than the backend timeout", &Route{Upstream: upstreamOf("silent", silent), BackendTimeout: time.Hour, RequestTimeout: 100 * time.Millisecond}, 504, ErrRequestTimeout, nil},
		{"request timeout cuts a streaming response", &Route{Upstream: upstreamOf("trickle", trickle), RequestTimeout: 300 * time.Millisecond}, 200, nil,
			func(body string) bool { return len(body) > 0 && len(body) < 100 }},
		{"fast backend", &Route{Upstream: upstreamOf("fast", fast), RequestTimeout: time.Minute, BackendTimeout: time.Minute}, 200, nil,
			func(body string) bool { return strings.Contains(body, `"Backend":"fast"`) }},
		{"each retry has its own backend timeout", &Route{Upstream: upstreamOf("retry", retryA, retryB), BackendTimeout: 500 * time.Millisecond, Retry: Retry{OnStatus: []int{503}}}, 200, nil,
			func(body string) bool { return body == "fine" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cause error
			tc.route.Name = tc.name
			h, _ := newHandler(t, Config{
				Table: newTable(t, prefix("", "/", tc.route)),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					cause = err
					w.WriteHeader(http.StatusGatewayTimeout)
				},
			})
			defer h.Close()
			srv := httptest.NewServer(h)
			defer srv.Close()
			res, err := http.Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body) // a cut-off body ends in an error
			res.Body.Close()
			if res.StatusCode != tc.wantCode {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.wantCode)
			}
			if tc.wantCause != nil && !errors.Is(cause, tc.wantCause) {
				t.Errorf("ErrorHandler got %v, want %v", cause, tc.wantCause)
			}
			if tc.wantCause == nil && cause != nil {
				t.Errorf("ErrorHandler got %v, want no call", cause)
			}
			if tc.wantBody != nil && !tc.wantBody(string(body)) {
				t.Errorf("body %q is not what was expected", body)
			}
		})
	}
	if _, err := New(Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("fast", fast), RequestTimeout: -1, BackendTimeout: -1}))}); err == nil ||
		!strings.Contains(err.Error(), "RequestTimeout: invalid value -1ns") || !strings.Contains(err.Error(), "BackendTimeout: invalid value -1ns") {
		t.Errorf("New error = %v, want both negative timeouts named", err)
	}
}

// TestTotalTimeoutsSpareUpgrades checks that a WebSocket connection
// outlives the request timeout of its route once upgraded: the timeout is
// about the exchange that asked for the upgrade.
func TestTotalTimeoutsSpareUpgrades(t *testing.T) {
	be := httptest.NewServer(echoUpgrade)
	defer be.Close()
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("ws", be), RequestTimeout: 50 * time.Millisecond, BackendTimeout: 50 * time.Millisecond}))})
	c, br, res := upgradeThrough(t, h)
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", res.StatusCode)
	}
	time.Sleep(200 * time.Millisecond) // four request timeouts
	checkEcho(t, c, br, "still", "here")
}
