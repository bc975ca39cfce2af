package proxy

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/rewrite"
)

// mirrorBackend records the requests a mirror gets; while hold is not
// closed, it answers none.
type mirrorBackend struct {
	srv  *httptest.Server
	hits atomic.Int32
	hold chan struct{}

	mu   sync.Mutex
	seen []seen
}

func newMirrorBackend(tb testing.TB, blocked bool) *mirrorBackend {
	m := &mirrorBackend{hold: make(chan struct{})}
	if !blocked {
		close(m.hold)
	}
	echo := echoHandler("mirror")
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.hits.Add(1)
		rec := httptest.NewRecorder()
		echo.ServeHTTP(rec, r)
		m.mu.Lock()
		m.seen = append(m.seen, decode(tb, rec.Body.Bytes()))
		m.mu.Unlock()
		select {
		case <-m.hold:
		case <-r.Context().Done():
		}
	}))
	tb.Cleanup(m.srv.Close)
	return m
}

// settle waits until h has no copy in flight, so that Close, which
// cancels copies, does not cut those a test counts. Every copy is launched
// before the request it copies is answered.
func settle(tb testing.TB, h *Handler) {
	tb.Helper()
	for range 1000 {
		if h.mirrors.inFlight.Load() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("%d copies still in flight after 10 seconds", h.mirrors.inFlight.Load())
}

func (m *mirrorBackend) release() {
	select {
	case <-m.hold:
	default:
		close(m.hold)
	}
}

// TestMirror checks Route.Mirrors as Gateway API's RequestMirror
// (HTTPRouteRequestMirror, HTTPRouteRequestMultipleMirrors): every mirror
// gets a copy of the request as the backend gets it, headers edited and
// path rewritten, body included; the client's answer is the backend's.
func TestMirror(t *testing.T) {
	be := newBackend(t, "primary")
	m1, m2 := newMirrorBackend(t, false), newMirrorBackend(t, false)
	tr := &Traffic{RequestHeaders: HeaderRules{
		Set:    map[string]string{"X-Header-Set": "set-overwrites-values"},
		Add:    map[string]string{"X-Header-Add-Append": "header-val-2"},
		Remove: []string{"X-Header-Remove"},
	}}
	rt := &Route{
		Name:        "mirrored",
		Upstream:    upstreamOf("primary", be),
		Traffic:     tr,
		ReplacePath: &rewrite.PathModifier{Prefix: true, Value: "/v2"},
		Mirrors:     []Mirror{{Upstream: upstreamOf("m1", m1.srv)}, {Upstream: upstreamOf("m2", m2.srv), Numerator: 1, Denominator: 1}},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("app.example", "/mirror", rt))})
	r := httptest.NewRequest(http.MethodPost, "http://app.example/mirror/x?q=1", strings.NewReader("hello body"))
	r.Header.Set("X-Header-Remove", "remove-val")
	r.Header.Set("X-Header-Add-Append", "append-val-1")
	w := serve(h, r)
	if w.Code != http.StatusOK || decode(t, w.Body.Bytes()).Backend != "primary" {
		t.Fatalf("got %d %s, want the primary's answer", w.Code, w.Body)
	}
	primary := decode(t, w.Body.Bytes())
	settle(t, h)
	for _, m := range []*mirrorBackend{m1, m2} {
		m.mu.Lock()
		got := m.seen
		m.mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("mirror got %d requests, want 1", len(got))
		}
		s := got[0]
		if s.URI != "/v2/x?q=1" || s.URI != primary.URI || s.Host != "app.example" || s.BodyLen != int64(len("hello body")) {
			t.Errorf("mirror got %s %q (host %q, %d body bytes), want what the primary got: %q, host app.example, 10 bytes", "POST", s.URI, s.Host, s.BodyLen, primary.URI)
		}
		for k, want := range map[string]string{"X-Header-Set": "set-overwrites-values", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Remove": "-", "X-Forwarded-For": "192.0.2.1"} {
			if got := header(s.Header, k); got != want {
				t.Errorf("mirror header %s = %q, want %q", k, got, want)
			}
		}
	}
}

// TestMirrorSampling checks that a mirror with a share gets about that
// share of the requests (HTTPRouteRequestPercentageMirror), and one with
// Numerator 0 none.
func TestMirrorSampling(t *testing.T) {
	be := newBackend(t, "primary")
	for _, tc := range []struct {
		num, den int
		want     float64
	}{{20, 100, 0.2}, {25, 50, 0.5}, {0, 100, 0}, {0, 0, 1}} {
		m := newMirrorBackend(t, false)
		rt := &Route{Upstream: upstreamOf("primary", be), Mirrors: []Mirror{{Upstream: upstreamOf("m", m.srv), Numerator: tc.num, Denominator: tc.den}}}
		h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
		const requests = 500
		for range requests {
			if w := serve(h, httptest.NewRequest(http.MethodGet, "/", nil)); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
		}
		settle(t, h)
		h.Close()
		// 500 draws: the standard deviation of a share is at most 2.3
		// percentage points; 10 points is over 4 of them.
		if f := float64(m.hits.Load()) / requests; f < tc.want-0.1 || f > tc.want+0.1 {
			t.Errorf("%d/%d: mirror got %.3f of the requests, want %.2f", tc.num, tc.den, f, tc.want)
		}
	}
}

// TestMirrorNeverHoldsThePrimary checks that a mirror that does not
// answer, one that refuses connections, and copies beyond the bound
// leave the requests they copy alone, that no more than
// MaxMirrorsInFlight copies are in flight, and that Close ends them.
func TestMirrorNeverHoldsThePrimary(t *testing.T) {
	be := newBackend(t, "primary")
	stuck := newMirrorBackend(t, true)
	defer stuck.release()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	rt := &Route{Upstream: upstreamOf("primary", be), Mirrors: []Mirror{
		{Upstream: upstreamOf("stuck", stuck.srv)},
		{Upstream: &Upstream{Name: "refused", Endpoints: []string{refused}}},
		{Upstream: &Upstream{Name: "unresolved", Status: http.StatusInternalServerError}},
		{Upstream: &Upstream{Name: "no endpoints"}},
	}}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	const requests = MaxMirrorsInFlight + 40
	for i := range requests {
		// Were the primary waiting for the stuck mirror, this would never
		// return: the mirror answers only once released below.
		if w := serve(h, httptest.NewRequest(http.MethodGet, "/", nil)); w.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, w.Code)
		}
	}
	for i := 0; stuck.hits.Load() == 0 && i < 1000; i++ {
		time.Sleep(10 * time.Millisecond) // for the first copy to arrive
	}
	h.Close() // cancels the stuck copies and waits for them
	if n := stuck.hits.Load(); n > MaxMirrorsInFlight || n == 0 {
		t.Errorf("stuck mirror got %d copies, want from 1 to %d", n, MaxMirrorsInFlight)
	}
}

// TestMirrorLargeBody checks that a request whose body is over
// MaxMirrorBodyBytes is proxied whole and not copied.
func TestMirrorLargeBody(t *testing.T) {
	be := newBackend(t, "primary")
	m := newMirrorBackend(t, false)
	rt := &Route{Upstream: upstreamOf("primary", be), MaxBodyBytes: -1, Mirrors: []Mirror{{Upstream: upstreamOf("m", m.srv)}}}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	big := strings.Repeat("x", MaxMirrorBodyBytes+1)
	for _, declared := range []bool{true, false} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(big))
		if !declared {
			r.ContentLength = -1 // chunked: found out while reading
		}
		w := serve(h, r)
		if s := decode(t, w.Body.Bytes()); w.Code != http.StatusOK || s.BodyLen != int64(len(big)) {
			t.Errorf("declared %v: primary got %d body bytes, status %d", declared, s.BodyLen, w.Code)
		}
	}
	small := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("small"))
	small.ContentLength = -1
	serve(h, small)
	settle(t, h)
	if n := m.hits.Load(); n != 1 {
		t.Errorf("mirror got %d copies, want 1 (the small body only)", n)
	}
}

func TestMirrorErrors(t *testing.T) {
	up := &Upstream{Name: "a", Endpoints: []string{"127.0.0.1:80"}}
	for _, tc := range []struct {
		name string
		m    Mirror
		want string
	}{
		{"nil upstream", Mirror{}, "Mirrors[0]: Upstream is nil"},
		{"over one", Mirror{Upstream: up, Numerator: 3, Denominator: 2}, "Mirrors[0]: Numerator 3 out of Denominator 2 is not a share"},
		{"negative", Mirror{Upstream: up, Numerator: -1, Denominator: 2}, "Mirrors[0]: Numerator -1"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantNewError(t, &Route{Upstream: up, Mirrors: []Mirror{tc.m}}, tc.want) })
	}
}
