package proxy

import (
	"net/http/httptest"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// TestUpdateDropsRouteWithItsLastRule checks that a Route several rules
// carry (two paths of one host, and two other hosts) is served by the
// rules left after Updates remove the others, host by host, and forgotten,
// with its upstream, only with the last rule that carries it.
func TestUpdateDropsRouteWithItsLastRule(t *testing.T) {
	b := newBackend(t, "b")
	rt := &Route{Upstream: upstreamOf("shared", b)}
	rules := map[string][]route.Rule{
		"a.test": {prefix("a.test", "/one", rt), prefix("a.test", "/two", rt)},
		"b.test": {prefix("b.test", "/", rt)},
		"c.test": {prefix("c.test", "/", rt)},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, append(append(rules["a.test"], rules["b.test"]...), rules["c.test"]...)...)})
	steps := []struct {
		host      string
		served    []string // URLs still served by rt after host's rules left
		gone      string   // a URL of host, no longer routed
		forgotten bool     // rt and its upstream are forgotten
	}{
		{"a.test", []string{"http://b.test/", "http://c.test/"}, "http://a.test/one", false},
		{"b.test", []string{"http://c.test/"}, "http://b.test/", false},
		{"c.test", nil, "http://c.test/", true},
	}
	for _, s := range steps {
		table := route.SpliceHosts(h.Table(), map[string]bool{s.host: true}, newTable(t))
		if err := h.Update(table, rules[s.host], nil); err != nil {
			t.Fatalf("Update removing %s: %v", s.host, err)
		}
		for _, url := range s.served {
			if w := serve(h, httptest.NewRequest("GET", url, nil)); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "b" {
				t.Errorf("after %s left: %s got %d %q, want 200 from backend b", s.host, url, w.Code, w.Body.String())
			}
		}
		if w := serve(h, httptest.NewRequest("GET", s.gone, nil)); w.Code != 404 {
			t.Errorf("after %s left: %s got %d, want 404", s.host, s.gone, w.Code)
		}
		st := h.state.Load()
		if known := st.routes.get(rt) != nil; known == s.forgotten {
			t.Errorf("after %s left: route known %v, want %v", s.host, known, !s.forgotten)
		}
		if known := st.upstreams.get(rt.Upstream) != nil; known == s.forgotten {
			t.Errorf("after %s left: upstream known %v, want %v", s.host, known, !s.forgotten)
		}
	}
}
