package proxy

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestRoutesWithoutExtrasShareNone checks that routes with weighted
// backends, a default backend and mirrors, built in one table with plain
// routes, leave the extras that plain routes share empty: a plain route is
// served by its own upstream alone, whatever was built before and after
// it.
func TestRoutesWithoutExtrasShareNone(t *testing.T) {
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	rules := newTable(t,
		prefix("plain1.test", "/", &Route{Upstream: upstreamOf("a", a)}),
		prefix("weighted.test", "/", &Route{Backends: []WeightedBackend{{Upstream: upstreamOf("b", b), Weight: 1}, {Upstream: upstreamOf("c", c), Weight: 1}}}),
		prefix("fallback.test", "/", &Route{Upstream: upstreamOf("empty"), DefaultBackend: upstreamOf("c", c), InterceptErrors: []int{503}, Mirrors: []Mirror{{Upstream: upstreamOf("b", b)}}}),
		prefix("plain2.test", "/", &Route{Upstream: upstreamOf("a", a)}),
	)
	h, _ := newHandler(t, Config{Table: rules})
	if !reflect.DeepEqual(noExtras, routeExtras{}) {
		t.Fatalf("the shared extras were written: %+v", noExtras)
	}
	for _, host := range []string{"plain1.test", "plain2.test"} {
		for range 4 {
			if w := serve(h, httptest.NewRequest("GET", "http://"+host+"/", nil)); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "a" {
				t.Fatalf("%s: got %d %q, want 200 from a", host, w.Code, w.Body.String())
			}
		}
	}
	if w := serve(h, httptest.NewRequest("GET", "http://fallback.test/", nil)); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "c" {
		t.Errorf("fallback.test: got %d %q, want 200 from the default backend c", w.Code, w.Body.String())
	}
	st := h.state.Load()
	for _, rule := range rules.Rules() {
		rs := st.routes.get(rule.Value.(*Route))
		if plain := rule.Host == "plain1.test" || rule.Host == "plain2.test"; plain != (rs.routeExtras == &noExtras) {
			t.Errorf("%s: shares the empty extras: %v, want %v", rule.Host, !plain, plain)
		}
	}
}
