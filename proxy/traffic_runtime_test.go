package proxy

import (
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// TestTrafficRuntimeByIdentity checks that rate-limit counters follow the
// policy, not the *Traffic value: a reload that gives the same object an
// equal policy (a new value, as a front end compiles it again) keeps them,
// whichever the route; a changed policy, or another object, starts afresh;
// and routes of one object with equal policies share one zone.
func TestTrafficRuntimeByIdentity(t *testing.T) {
	be := newTrafficBackend(t, nil)
	web := ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"}
	other := ObjectRef{Kind: "Ingress", Namespace: "default", Name: "other"}
	limit := func() *Traffic { return &Traffic{RateLimit: &RateLimit{RPM: 1, BurstMultiplier: 1}} }
	table := func(tb testing.TB, routes ...*Route) *route.Table {
		var rules []route.Rule
		for i, rt := range routes {
			rt.Upstream = upstreamOf("app", be.srv)
			rules = append(rules, prefix("app.example.com", []string{"/a", "/b", "/c"}[i], rt))
		}
		return newTable(tb, rules...)
	}
	// RPM 1 with multiplier 1: two requests, the third is refused.
	status := func(h *Handler, path string) int { return serve(h, req("GET", path, "192.0.2.1:1")).Code }

	h, _ := newHandler(t, Config{Table: table(t, &Route{Object: web, Traffic: limit()}, &Route{Object: web, Traffic: limit()})})
	if a, b := status(h, "/a"), status(h, "/b"); a != 200 || b != 200 {
		t.Fatalf("first two requests: %d %d, want 200 200", a, b)
	}
	if got := status(h, "/a"); got != 503 {
		t.Fatalf("third request over two routes of one object: %d, want 503 (one zone)", got)
	}

	// Equal policy, new values: the counters stay.
	if err := h.Reload(table(t, &Route{Object: web, Traffic: limit()}, &Route{Object: web, Traffic: limit()})); err != nil {
		t.Fatal(err)
	}
	if got := status(h, "/b"); got != 503 {
		t.Errorf("after a reload with an equal policy: %d, want 503 (counters kept)", got)
	}

	// Another object with an equal policy has its own zone.
	if err := h.Reload(table(t, &Route{Object: web, Traffic: limit()}, &Route{Object: other, Traffic: limit()})); err != nil {
		t.Fatal(err)
	}
	if got := status(h, "/b"); got != 200 {
		t.Errorf("another object: %d, want 200 (its own zone)", got)
	}
	if got := status(h, "/a"); got != 503 {
		t.Errorf("the first object after adding another: %d, want 503 (counters kept)", got)
	}

	// A changed policy starts afresh; the old runtime is dropped.
	changed := &Traffic{RateLimit: &RateLimit{RPM: 2, BurstMultiplier: 1}}
	if err := h.Reload(table(t, &Route{Object: web, Traffic: changed})); err != nil {
		t.Fatal(err)
	}
	if got := status(h, "/a"); got != 200 {
		t.Errorf("a changed policy: %d, want 200 (new counters)", got)
	}
	if n := h.state.Load().traffics.byPolicy.len(); n != 1 {
		t.Errorf("runtimes kept: %d, want 1 (those of routes gone are dropped)", n)
	}

	// Unnamed routes with equal policies do not share: nothing says they
	// are one policy.
	h2, _ := newHandler(t, Config{Table: table(t, &Route{Traffic: limit()}, &Route{Traffic: limit()})})
	status(h2, "/a")
	status(h2, "/a")
	if got := status(h2, "/b"); got != 200 {
		t.Errorf("an unnamed route's equal policy: %d, want 200 (its own zone)", got)
	}
}

// TestTrafficRuntimeUpdate checks that Update keeps the runtime of the
// policies of routes it does not touch and of equal policies of the same
// object it brings, and drops the runtime no route uses any more.
func TestTrafficRuntimeUpdate(t *testing.T) {
	be := newTrafficBackend(t, nil)
	web := ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"}
	limit := func() *Traffic { return &Traffic{RateLimit: &RateLimit{RPM: 1, BurstMultiplier: 1}} }
	a := prefix("app.example.com", "/a", &Route{Upstream: upstreamOf("app", be.srv), Object: web, Traffic: limit()})
	h, _ := newHandler(t, Config{Table: newTable(t, a)})
	serve(h, req("GET", "/a", "192.0.2.1:1"))
	serve(h, req("GET", "/a", "192.0.2.1:1"))

	b := prefix("app.example.com", "/a", &Route{Upstream: upstreamOf("app", be.srv), Object: web, Traffic: limit()})
	if err := h.Update(newTable(t, b), []route.Rule{a}, []route.Rule{b}); err != nil {
		t.Fatal(err)
	}
	if got := serve(h, req("GET", "/a", "192.0.2.1:1")).Code; got != 503 {
		t.Errorf("after an update with an equal policy: %d, want 503 (counters kept)", got)
	}
	c := prefix("app.example.com", "/a", &Route{Upstream: upstreamOf("app", be.srv), Object: web})
	if err := h.Update(newTable(t, c), []route.Rule{b}, []route.Rule{c}); err != nil {
		t.Fatal(err)
	}
	if n := h.state.Load().traffics.byPolicy.len(); n != 0 {
		t.Errorf("runtimes kept after the policy left: %d, want 0", n)
	}
}

// TestLimitRejectStatusDefault checks that Config.LimitRejectStatus is the
// status of limits that set none, and that a limit's own wins.
func TestLimitRejectStatusDefault(t *testing.T) {
	be := newTrafficBackend(t, nil)
	for _, tt := range []struct {
		own, def, want int
	}{{0, 0, 503}, {0, 429, 429}, {503, 429, 503}} {
		tr := &Traffic{RateLimit: &RateLimit{RPM: 1, BurstMultiplier: 1, RejectStatus: tt.own}}
		h, _ := newHandler(t, Config{LimitRejectStatus: tt.def, Table: newTable(t,
			prefix("app.example.com", "/", &Route{Upstream: upstreamOf("app", be.srv), Traffic: tr}))})
		var got int
		for range 3 {
			got = serve(h, req("GET", "/", "192.0.2.1:1")).Code
		}
		if got != tt.want {
			t.Errorf("RejectStatus %d, Config %d: %d, want %d", tt.own, tt.def, got, tt.want)
		}
	}
}
