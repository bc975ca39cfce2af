package proxy

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWeightedBackends checks that a route with Backends shares its
// requests by weight, never sends any to a backend of weight 0, answers
// an unresolved backend's share with 500 and everything with 500 when
// every weight is 0 (Gateway API's backendRefs).
func TestWeightedBackends(t *testing.T) {
	v1, v2, v3 := newBackend(t, "v1"), newBackend(t, "v2"), newBackend(t, "v3")
	missing := &Upstream{Name: "ns/missing:80", Status: http.StatusInternalServerError}
	const requests = 1000
	for _, tc := range []struct {
		name     string
		backends []WeightedBackend
		want     map[string]float64 // backend name ("500" for the 500s) -> share
	}{
		{
			name: "70/30/0",
			backends: []WeightedBackend{
				{Upstream: upstreamOf("v1", v1), Weight: 70},
				{Upstream: upstreamOf("v2", v2), Weight: 30},
				{Upstream: upstreamOf("v3", v3), Weight: 0},
			},
			want: map[string]float64{"v1": 0.7, "v2": 0.3},
		},
		{
			name:     "one backend",
			backends: []WeightedBackend{{Upstream: upstreamOf("v2", v2), Weight: 1}},
			want:     map[string]float64{"v2": 1},
		},
		{
			name: "unresolved keeps its share",
			backends: []WeightedBackend{
				{Upstream: upstreamOf("v1", v1), Weight: 1},
				{Upstream: missing, Weight: 1},
			},
			want: map[string]float64{"v1": 0.5, "500": 0.5},
		},
		{
			name: "all weights 0",
			backends: []WeightedBackend{
				{Upstream: upstreamOf("v1", v1), Weight: 0},
				{Upstream: upstreamOf("v2", v2), Weight: 0},
			},
			want: map[string]float64{"500": 1},
		},
		{
			name:     "only unresolved",
			backends: []WeightedBackend{{Upstream: missing, Weight: 5}},
			want:     map[string]float64{"500": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("w.example", "/", &Route{Name: "w", Backends: tc.backends}))})
			defer h.Close()
			got := map[string]int{}
			for range requests {
				w := serve(h, httptest.NewRequest(http.MethodGet, "http://w.example/x", nil))
				switch w.Code {
				case http.StatusOK:
					got[decode(t, w.Body.Bytes()).Backend]++
				case http.StatusInternalServerError:
					got["500"]++
				default:
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			for name, n := range got {
				if _, ok := tc.want[name]; !ok {
					t.Errorf("%s got %d requests, want none", name, n)
				}
			}
			for name, share := range tc.want {
				// 1000 draws: the standard deviation of a share is at most
				// 1.6 percentage points; 7 points is over 4 of them.
				if f := float64(got[name]) / requests; f < share-0.07 || f > share+0.07 {
					t.Errorf("%s got %.3f of the requests, want %.2f", name, f, share)
				}
			}
		})
	}
}

// TestWeightedBackendHeaders checks Backends' own RequestHeaders, as
// Gateway API's HTTPRouteRequestHeaderModifierBackendWeights: each request
// carries the headers of the backend it went to, after the route's.
func TestWeightedBackendHeaders(t *testing.T) {
	v1, v2 := newBackend(t, "v1"), newBackend(t, "v2")
	rt := &Route{
		Traffic: &Traffic{RequestHeaders: HeaderRules{Set: map[string]string{"Backend": "route", "X-Route": "yes"}}},
		Backends: []WeightedBackend{
			{Upstream: upstreamOf("v1", v1), Weight: 10, RequestHeaders: HeaderRules{Set: map[string]string{"Backend": "v1"}}},
			{Upstream: upstreamOf("v2", v2), Weight: 10, RequestHeaders: HeaderRules{Set: map[string]string{"Backend": "v2"}, Add: map[string]string{"X-Route": "v2"}}},
		},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	seenBoth := map[string]bool{}
	for range 100 {
		w := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
		s := decode(t, w.Body.Bytes())
		seenBoth[s.Backend] = true
		wantRoute := "yes"
		if s.Backend == "v2" {
			wantRoute = "yes,v2"
		}
		if got := s.Header.Get("Backend"); got != s.Backend || s.Header.Get("X-Route") != wantRoute {
			t.Fatalf("%s got Backend %q and X-Route %q, want %q and %q", s.Backend, got, s.Header.Get("X-Route"), s.Backend, wantRoute)
		}
	}
	if !seenBoth["v1"] || !seenBoth["v2"] {
		t.Errorf("backends answering: %v, want both", seenBoth)
	}
	wantNewError(t, &Route{Backends: []WeightedBackend{{Upstream: upstreamOf("v1", v1), Weight: 1, RequestHeaders: HeaderRules{Set: map[string]string{"Bad Name": "x"}}}}},
		`Backends[0].RequestHeaders.Set: invalid header name "Bad Name"`)
}

// TestUnresolvedUpstream checks the 500 of a route whose only upstream
// could not be resolved: Config.ErrorHandler gets ErrUnresolved, Info
// names the action, and nothing is contacted.
func TestUnresolvedUpstream(t *testing.T) {
	missing := &Upstream{Name: "ns/missing:80", Status: http.StatusInternalServerError}
	var gotErr error
	var action Action
	h, logs := newHandler(t, Config{
		Table:   newTable(t, prefix("u.example", "/", &Route{Name: "u", Upstream: missing})),
		Observe: func(i *Info) { action = i.Action },
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			gotErr = err
			http.Error(w, "custom", http.StatusInternalServerError)
		},
	})
	defer h.Close()
	w := serve(h, httptest.NewRequest(http.MethodGet, "http://u.example/", nil))
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "custom") {
		t.Errorf("got %d %q, want the ErrorHandler's 500", w.Code, w.Body)
	}
	var e *Error
	if !errors.As(gotErr, &e) || e.Status != http.StatusInternalServerError || !errors.Is(gotErr, ErrUnresolved) || e.Upstream != "ns/missing:80" {
		t.Errorf("ErrorHandler got %v, want an *Error with status 500 and ErrUnresolved", gotErr)
	}
	if action != ActionUnresolved {
		t.Errorf("Info.Action = %q, want %q", action, ActionUnresolved)
	}
	if !logs.Contains(`upstream=ns/missing:80`) {
		t.Errorf("log does not name the upstream:\n%s", logs)
	}
}

// TestWeightedBackendErrors checks the configuration errors of Backends.
func TestWeightedBackendErrors(t *testing.T) {
	good := &Upstream{Name: "good", Endpoints: []string{"127.0.0.1:80"}}
	for _, tc := range []struct {
		name  string
		route *Route
		want  string
	}{
		{"negative weight", &Route{Backends: []WeightedBackend{{Upstream: good, Weight: -1}}}, "Backends[0]: invalid Weight -1"},
		{"huge weight", &Route{Backends: []WeightedBackend{{Upstream: good, Weight: 2_000_000}}}, "Backends[0]: invalid Weight 2000000"},
		{"nil upstream", &Route{Backends: []WeightedBackend{{Upstream: good, Weight: 1}, {Weight: 1}}}, "Backends[1]: Upstream is nil"},
		{"with canaries", &Route{Backends: []WeightedBackend{{Upstream: good, Weight: 1}}, Canaries: []Canary{{Upstream: good, Weight: 10}}}, "Backends and Canaries cannot be used together"},
		{"status not an error", &Route{Upstream: &Upstream{Name: "x", Status: 200}}, `upstream "x": Status: invalid value 200: must be a 4xx or 5xx status code`},
		{"no upstream at all", &Route{}, "Upstream is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantNewError(t, tc.route, tc.want) })
	}
}

// wantNewError checks that New refuses a table of rt with an error that
// contains want.
func wantNewError(t *testing.T, rt *Route, want string) {
	t.Helper()
	_, err := New(Config{Table: newTable(t, prefix("e.example", "/", rt))})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("New error = %v, want one containing %q", err, want)
	}
}

// TestBackendsAndMirrorsAreUpstreams checks that the upstreams of
// Backends and Mirrors are the Handler's like any other: Upstreams lists
// them, and SetEndpoints finds them and moves their requests.
func TestBackendsAndMirrorsAreUpstreams(t *testing.T) {
	old, moved := newBackend(t, "old"), newBackend(t, "moved")
	rt := &Route{
		Backends: []WeightedBackend{{Upstream: upstreamOf("a", old), Weight: 0}, {Upstream: upstreamOf("b", old), Weight: 1}},
		Mirrors:  []Mirror{{Upstream: upstreamOf("m", old)}},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	defer h.Close()
	var names []string
	for _, u := range h.Upstreams() {
		names = append(names, u.Upstream.Name)
	}
	if strings.Join(names, " ") != "a b m" {
		t.Errorf("Upstreams() = %v, want a b m", names)
	}
	for _, name := range []string{"b", "m"} {
		if n, err := h.SetEndpoints(name, []string{addr(moved)}); n != 1 || err != nil {
			t.Errorf("SetEndpoints(%q) = %d, %v; want 1 upstream updated", name, n, err)
		}
	}
	if s := decode(t, serve(h, httptest.NewRequest(http.MethodGet, "/", nil)).Body.Bytes()); s.Backend != "moved" {
		t.Errorf("request went to %s after SetEndpoints, want moved", s.Backend)
	}
}
