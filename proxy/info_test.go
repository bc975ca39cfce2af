package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestInfoThroughTheHandler checks what a middleware and Config.Observe
// learn about requests that end in each way.
func TestInfoThroughTheHandler(t *testing.T) {
	web := newBackend(t, "web")
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(flaky.Close)
	canary := newBackend(t, "canary")
	down := &Upstream{Name: "down"} // no endpoints
	rWeb := &Route{Upstream: upstreamOf("default/web:80", web), Name: "ingress default/web", Object: ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"},
		Canaries: []Canary{{Upstream: upstreamOf("default/canary:80", canary), Header: "X-Canary"}}}
	rRetry := &Route{Upstream: upstreamOf("default/flaky:80", flaky, web), Name: "retry",
		Retry: Retry{OnStatus: []int{503}}}
	rDown := &Route{Upstream: down, Name: "down"}
	rRedirect := &Route{Upstream: upstreamOf("x", web), Name: "redirect", ForceSSLRedirect: true}
	rDeny := &Route{Upstream: upstreamOf("x", web), Name: "deny",
		Traffic: &Traffic{AllowSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	table := newTable(t,
		prefix("info.test", "/", rWeb),
		prefix("info.test", "/retry", rRetry),
		prefix("info.test", "/down", rDown),
		prefix("info.test", "/redirect", rRedirect),
		prefix("info.test", "/deny", rDeny),
	)
	var observed []*Info
	h, _ := newHandler(t, Config{Table: table, Observe: func(i *Info) { observed = append(observed, i) }})
	t.Cleanup(func() { h.Close() })

	for _, tt := range []struct {
		name     string
		path     string
		header   http.Header
		action   Action
		status   int
		upstream string
		canary   int
		tried    []string
		upStatus int
	}{
		{"proxied", "/a", nil, ActionProxy, 200, "default/web:80", -1, []string{addr(web)}, 200},
		{"canary by header", "/a", http.Header{"X-Canary": {"always"}}, ActionProxy, 200, "default/canary:80", 0, []string{addr(canary)}, 200},
		{"retried on 503", "/retry", nil, ActionProxy, 200, "default/flaky:80", -1, nil, 200},
		{"no endpoints", "/down", nil, ActionUnavailable, 503, "down", -1, nil, 0},
		{"redirect", "/redirect", nil, ActionRedirect, 308, "", -1, nil, 0},
		{"deny", "/deny", nil, ActionDeny, 403, "", -1, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			observed = nil
			r := httptest.NewRequest(http.MethodGet, "http://info.test"+tt.path, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			r, info := WithInfo(r)
			w := serve(h, r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			require.Len(t, observed, 1, "Observe is called once per request")
			assert.Same(t, info, observed[0], "Observe gets the Info WithInfo planted")
			assert.Equal(t, tt.action, info.Action)
			assert.Equal(t, http.MethodGet, info.Method)
			assert.Equal(t, tt.status, info.Status)
			assert.Equal(t, int64(w.Body.Len()), info.BytesOut)
			assert.Equal(t, tt.canary, info.Canary)
			assert.Equal(t, tt.upStatus, info.UpstreamStatus)
			assert.Positive(t, info.Total)
			require.NotNil(t, info.Rule)
			assert.Equal(t, "info.test", info.Rule.Host)
			if tt.upstream == "" {
				assert.Nil(t, info.Upstream)
				assert.Empty(t, info.Attempts)
				return
			}
			require.NotNil(t, info.Upstream)
			assert.Equal(t, tt.upstream, info.Upstream.Name)
			if tt.tried != nil {
				require.Len(t, info.Attempts, len(tt.tried))
				for i, a := range info.Attempts {
					assert.Equal(t, tt.tried[i], a.Endpoint)
				}
			}
		})
	}

	t.Run("origin and timings", func(t *testing.T) {
		r, info := WithInfo(httptest.NewRequest(http.MethodPost, "http://info.test/a", strings.NewReader("hello")))
		w := serve(h, r)
		require.Equal(t, 200, w.Code)
		assert.Equal(t, "Ingress default/web", info.Route.Object.String())
		assert.Equal(t, int64(5), info.BytesIn)
		require.Len(t, info.Attempts, 1)
		a := info.Attempts[0]
		assert.Equal(t, 200, a.Status)
		assert.Positive(t, a.FirstByte)
		assert.GreaterOrEqual(t, info.FirstByte, a.FirstByte)
		assert.GreaterOrEqual(t, info.UpstreamTime, a.FirstByte)
		assert.GreaterOrEqual(t, info.Total, info.UpstreamTime)
	})

	t.Run("retry attempts", func(t *testing.T) {
		r, info := WithInfo(httptest.NewRequest(http.MethodGet, "http://info.test/retry", nil))
		serve(h, r)
		var statuses []int
		for _, a := range info.Attempts {
			statuses = append(statuses, a.Status)
		}
		assert.Contains(t, [][]int{{200}, {503, 200}}, statuses, "round robin may start on either endpoint")
	})

	t.Run("no endpoints is an Error", func(t *testing.T) {
		r, info := WithInfo(httptest.NewRequest(http.MethodGet, "http://info.test/down", nil))
		serve(h, r)
		var e *Error
		require.ErrorAs(t, info.Err, &e)
		assert.Equal(t, 503, e.Status)
		assert.ErrorIs(t, info.Err, ErrNoEndpoints)
	})
}

// TestInfoConnectTime checks that a new connection's time is counted and
// a reused one's is not, on the direct path and through http.Transport.
func TestInfoConnectTime(t *testing.T) {
	web := newBackend(t, "web")
	rt := &Route{Upstream: upstreamOf("web", web), Name: "web"}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("c.test", "/", rt))})
	t.Cleanup(func() { h.Close() })
	for _, method := range []string{http.MethodGet, http.MethodPut} { // direct path, http.Transport
		r, first := WithInfo(httptest.NewRequest(method, "http://c.test/", strings.NewReader("x")))
		if method == http.MethodGet {
			r.Body, r.ContentLength = http.NoBody, 0
		}
		require.Equal(t, 200, serve(h, r).Code)
		assert.Positive(t, first.Connect, "%s: a new connection", method)
		r2, second := WithInfo(r.Clone(r.Context()))
		if method != http.MethodGet {
			r2.Body = http.NoBody
		}
		require.Equal(t, 200, serve(h, r2).Code)
		assert.Zero(t, second.Connect, "%s: a kept-alive connection", method)
	}
}

// TestNoInfoWithoutReaders checks that nothing is tracked when nobody
// asks: hooks see no Info.
func TestNoInfoWithoutReaders(t *testing.T) {
	web := newBackend(t, "web")
	var got []*Info
	h, _ := newHandler(t, Config{
		Table:          newTable(t, prefix("n.test", "/", &Route{Upstream: upstreamOf("web", web)})),
		ModifyResponse: func(res *http.Response) error { got = append(got, RequestInfo(res.Request.Context())); return nil },
	})
	t.Cleanup(func() { h.Close() })
	require.Equal(t, 200, serve(h, httptest.NewRequest(http.MethodGet, "http://n.test/", nil)).Code)
	require.Len(t, got, 1)
	assert.Nil(t, got[0])
}

// TestHooks checks WrapTransport, ModifyResponse and ErrorHandler, in the
// shape of httputil.ReverseProxy's.
func TestHooks(t *testing.T) {
	web := newBackend(t, "web")
	refused := &Upstream{Name: "refused", Endpoints: []string{closedPort(t)}}
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer silent.Close()
	defer close(release)
	var wrapped []string
	var sent atomic.Int32
	cfg := Config{
		Table: newTable(t,
			prefix("h.test", "/", &Route{Upstream: upstreamOf("web", web), Name: "web"}),
			prefix("h.test", "/refused", &Route{Upstream: refused, Name: "refused"}),
			prefix("h.test", "/none", &Route{Upstream: &Upstream{Name: "none"}, Name: "none"}),
			prefix("h.test", "/silent", &Route{Upstream: upstreamOf("silent", silent), Name: "silent", ReadTimeout: 50 * time.Millisecond}),
		),
		WrapTransport: func(u Upstream, next http.RoundTripper) http.RoundTripper {
			wrapped = append(wrapped, u.Name)
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				sent.Add(1)
				req.Header.Set("X-Traced", u.Name)
				if i := RequestInfo(req.Context()); i != nil {
					req.Header.Set("X-Action", string(i.Action))
				}
				return next.RoundTrip(req)
			})
		},
		Observe: func(*Info) {},
		ModifyResponse: func(res *http.Response) error {
			if res.Request.URL.Query().Get("fail") != "" {
				return errors.New("refused by ModifyResponse")
			}
			res.Header.Set("X-Modified", "yes")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("ErrorHandler got %T, want *Error", err)
				return
			}
			w.Header().Set("X-Cause", fmt.Sprint(errors.Is(err, ErrNoEndpoints)))
			if i := RequestInfo(r.Context()); i != nil {
				w.Header().Set("X-Info-Action", string(i.Action))
			}
			w.Header().Set("X-Read-Timeout", fmt.Sprint(errors.Is(err, ErrReadTimeout)))
			w.WriteHeader(e.Status)
			fmt.Fprintf(w, "custom %d", e.Status)
		},
	}
	h, _ := newHandler(t, cfg)
	t.Cleanup(func() { h.Close() })
	assert.ElementsMatch(t, []string{"web", "refused", "none", "silent"}, wrapped, "WrapTransport is called per upstream")

	// Both the direct path (GET) and http.Transport (POST) go through
	// the wrapper.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		w := serve(h, httptest.NewRequest(method, "http://h.test/x", strings.NewReader("b")))
		require.Equal(t, 200, w.Code, method)
		assert.Equal(t, "yes", w.Header().Get("X-Modified"), method)
		assert.Equal(t, "web", decode(t, w.Body.Bytes()).Header.Get("X-Traced"), method)
	}
	assert.Equal(t, int32(2), sent.Load())

	r, _ := WithInfo(httptest.NewRequest(http.MethodGet, "http://h.test/x", nil))
	w := serve(h, r)
	assert.Equal(t, "proxy", decode(t, w.Body.Bytes()).Header.Get("X-Action"), "RequestInfo in the wrapped transport")

	r, info := WithInfo(httptest.NewRequest(http.MethodGet, "http://h.test/x?fail=1", nil))
	w = serve(h, r)
	assert.Equal(t, 502, w.Code)
	assert.Equal(t, "custom 502", w.Body.String())
	assert.ErrorContains(t, info.Err, "refused by ModifyResponse")
	assert.Equal(t, 200, info.UpstreamStatus, "the backend answered; the hook refused")

	w = serve(h, httptest.NewRequest(http.MethodGet, "http://h.test/refused", nil))
	assert.Equal(t, "custom 502", w.Body.String())
	assert.Equal(t, "false", w.Header().Get("X-Cause"))

	w = serve(h, httptest.NewRequest(http.MethodGet, "http://h.test/silent", nil))
	assert.Equal(t, 504, w.Code)
	assert.Equal(t, "custom 504", w.Body.String())
	assert.Equal(t, "true", w.Header().Get("X-Read-Timeout"))

	w = serve(h, httptest.NewRequest(http.MethodGet, "http://h.test/none", nil))
	assert.Equal(t, "unavailable", w.Header().Get("X-Info-Action"), "ErrorHandler reads the Info Observe gets")
	assert.Equal(t, 503, w.Code)
	assert.Equal(t, "custom 503", w.Body.String())
	assert.Equal(t, "true", w.Header().Get("X-Cause"))
}

// TestCloseReleasesEverything checks that Close closes the idle
// connections of every transport and leaves no goroutine behind, and
// that a closed Handler serves nothing more.
func TestCloseReleasesEverything(t *testing.T) {
	before := goleak.IgnoreCurrent()
	web := httptest.NewServer(echoHandler("web"))
	defer web.Close()
	up := upstreamOf("web", web)
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("c.test", "/", &Route{Upstream: up}),
		prefix("c.test", "/h2c", &Route{Upstream: &Upstream{Name: "grpc", Protocol: GRPC, Endpoints: up.Endpoints}}),
	)})
	for _, method := range []string{http.MethodGet, http.MethodPut} {
		require.Equal(t, 200, serve(h, httptest.NewRequest(method, "http://c.test/", strings.NewReader("x"))).Code)
	}
	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "Close is idempotent")
	// The backend's own goroutines stay: only the proxy's side must be gone.
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))

	w := serve(h, httptest.NewRequest(http.MethodGet, "http://c.test/", nil))
	assert.Equal(t, 503, w.Code)
	assert.ErrorIs(t, h.Reload(h.Table()), ErrClosed)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := l.Addr().String()
	l.Close()
	return a
}

// TestInfoOfAnUpgrade checks that an upgraded connection is observed
// once it ends, with the 101 the client got.
func TestInfoOfAnUpgrade(t *testing.T) {
	backend := httptest.NewServer(echoUpgrade)
	defer backend.Close()
	observed := make(chan *Info, 1)
	h, _ := newHandler(t, Config{
		Table:   newTable(t, prefix("", "/", &Route{Upstream: &Upstream{Name: "ws", Endpoints: []string{addr(backend)}}})),
		Observe: func(i *Info) { observed <- i },
	})
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := net.Dial("tcp", addr(srv))
	require.NoError(t, err)
	fmt.Fprintf(c, "GET /chat HTTP/1.1\r\nHost: chat.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	require.Equal(t, 101, res.StatusCode)
	c.Close()
	info := <-observed // once the relay ends
	assert.Equal(t, ActionProxy, info.Action)
	assert.Equal(t, 101, info.Status)
	assert.Equal(t, 101, info.UpstreamStatus)
}
