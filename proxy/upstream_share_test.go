package proxy

import (
	"github.com/ingressmux/ingressmux/route"
	"net/http/httptest"
	"testing"
)

// TestEqualUpstreamsShareBalancer checks that routes whose Upstream values
// are distinct but equal share one balancer (one rotation over the
// endpoints), within a table and with the table being served on Update,
// while a differently balanced Upstream keeps its own.
func TestEqualUpstreamsShareBalancer(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	backendOf := func(h *Handler, host string) string {
		r := httptest.NewRequest("GET", "http://"+host+"/", nil)
		w := serve(h, r)
		if w.Code != 200 {
			t.Fatalf("%s: status %d", host, w.Code)
		}
		return decode(t, w.Body.Bytes()).Backend
	}
	x := prefix("x.test", "/", &Route{Upstream: upstreamOf("web", a, b)})
	y := prefix("y.test", "/", &Route{Upstream: upstreamOf("web", a, b)})
	h, _ := newHandler(t, Config{Table: newTable(t, x, y)})
	if got := []string{backendOf(h, "x.test"), backendOf(h, "y.test"), backendOf(h, "x.test")}; got[0] == got[1] || got[1] == got[2] {
		t.Errorf("equal upstreams in one table: %v, want one rotation", got)
	}

	// A route brought by Update shares the served upstream's rotation.
	z := prefix("z.test", "/", &Route{Upstream: upstreamOf("web", a, b)})
	if err := h.Update(newTable(t, x, y, z), nil, []route.Rule{z}); err != nil {
		t.Fatal(err)
	}
	first := backendOf(h, "x.test")
	if got := backendOf(h, "z.test"); got == first {
		t.Errorf("after Update: x then z both got %s, want one rotation", got)
	}

	// A differently balanced upstream is not shared.
	hashed := upstreamOf("web", a, b)
	hashed.HashBy = "$request_uri"
	w := prefix("w.test", "/", &Route{Upstream: hashed})
	h2, _ := newHandler(t, Config{Table: newTable(t, x, w)})
	st := h2.state.Load()
	if st.routes.get(x.Value.(*Route)).up == st.routes.get(w.Value.(*Route)).up {
		t.Error("an upstream with other balancing settings shares the balancer")
	}
	if n := len(st.byName.get("web")); n != 2 {
		t.Errorf("upstreams named web: %d, want 2", n)
	}
	if n := len(h.state.Load().byName.get("web")); n != 1 {
		t.Errorf("upstreams named web after sharing: %d, want 1 (SetEndpoints counts each once)", n)
	}
}
