package proxy

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// get sends GET host/ through h and returns the answering backend.
func get(t *testing.T, h *Handler) string {
	t.Helper()
	w := serve(h, httptest.NewRequest("GET", "http://x/", nil))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	return decode(t, w.Body.Bytes()).Backend
}

func TestSetEndpoints(t *testing.T) {
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	up := upstreamOf("svc", a, b)
	rt := &Route{Upstream: up}
	table := newTable(t, prefix("", "/", rt))
	h, _ := newHandler(t, Config{Table: table})

	if got := []string{get(t, h), get(t, h)}; got[0] != "a" || got[1] != "b" {
		t.Fatalf("before: %v, want [a b]", got)
	}
	n, err := h.SetEndpoints("svc", []string{addr(a), addr(b), addr(c)})
	if err != nil || n != 1 {
		t.Fatalf("SetEndpoints = %d, %v; want 1, nil", n, err)
	}
	// The rotation goes on where it was (two picks made): c is next.
	if got := []string{get(t, h), get(t, h), get(t, h)}; got[0] != "c" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("after: %v, want [c a b]", got)
	}
	if h.state.Load().table != table {
		t.Fatal("SetEndpoints replaced the route table")
	}
	var shown []string
	for _, u := range h.Upstreams() {
		for _, e := range u.Endpoints {
			shown = append(shown, e.Address)
		}
	}
	if want := []string{addr(a), addr(b), addr(c)}; !slices.Equal(shown, want) {
		t.Errorf("Upstreams shows %v, want the endpoints SetEndpoints gave %v", shown, want)
	}

	tests := []struct {
		name      string
		upstream  string
		endpoints []string
		wantN     int
		wantErr   bool
	}{
		{"unknown upstream", "nope", []string{addr(a)}, 0, false},
		{"invalid endpoint", "svc", []string{addr(a), "no-port"}, 0, true},
		{"port zero", "svc", []string{"127.0.0.1:0"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := h.SetEndpoints(tt.upstream, tt.endpoints)
			if n != tt.wantN || (err != nil) != tt.wantErr {
				t.Fatalf("SetEndpoints = %d, %v; want %d, error %v", n, err, tt.wantN, tt.wantErr)
			}
			// Nothing changed: a, b and c still take turns.
			seen := map[string]bool{}
			for range 3 {
				seen[get(t, h)] = true
			}
			if len(seen) != 3 {
				t.Fatalf("endpoints in use: %v, want a, b and c", seen)
			}
		})
	}

	// A reload with the same Upstream keeps the pushed endpoints.
	if err := h.Reload(newTable(t, prefix("", "/", &Route{Upstream: up}))); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 3 {
		seen[get(t, h)] = true
	}
	if !seen["c"] {
		t.Fatalf("after a reload with the same Upstream: %v, want c still served", seen)
	}
	// Only c: every request goes there.
	if _, err := h.SetEndpoints("svc", []string{addr(c)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := get(t, h); got != "c" {
			t.Fatalf("with only c: served by %s", got)
		}
	}
}

func TestSetEndpointsKeepsBalancingState(t *testing.T) {
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	up := upstreamOf("svc", a, b)
	up.Balance = EWMA
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	old := h.state.Load().byName.get("svc")[0]
	old.lat.eps[old.lat.index[addr(b)]].observe(5e6, 1000)
	old.health.failed(addr(b))

	if _, err := h.SetEndpoints("svc", []string{addr(b), addr(c)}); err != nil {
		t.Fatal(err)
	}
	cur := old.current()
	if cur == old {
		t.Fatal("no replacement upstream")
	}
	bi, ci := cur.lat.index[addr(b)], cur.lat.index[addr(c)]
	if got := cur.lat.eps[bi].cost.Load(); got != old.lat.eps[old.lat.index[addr(b)]].cost.Load() || cur.lat.eps[bi].stamp.Load() != 1000 {
		t.Errorf("b's EWMA record was not carried over")
	}
	if cur.lat.eps[ci].stamp.Load() != 0 {
		t.Errorf("c, a new endpoint, has a response time on record")
	}
	if cur.health.eps[cur.health.index[addr(b)]].fails.Load() != 1 || cur.health.failing.Load() != 1 {
		t.Errorf("b's failure was not carried over")
	}

	// A reload that builds a new but equal Upstream keeps the records too.
	up2 := upstreamOf("svc", b, c)
	up2.Balance = EWMA
	if err := h.Reload(newTable(t, prefix("", "/", &Route{Upstream: up2}))); err != nil {
		t.Fatal(err)
	}
	next := h.state.Load().byName.get("svc")[0]
	if next.health.eps[next.health.index[addr(b)]].fails.Load() != 1 {
		t.Errorf("a reload lost b's failure record")
	}
	if next.lat.eps[next.lat.index[addr(b)]].stamp.Load() != 1000 {
		t.Errorf("a reload lost b's EWMA record")
	}
}

func TestUpdateKeepsUnchangedRoutes(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	keep := &Route{Upstream: upstreamOf("a", a)}
	gone := &Route{Upstream: upstreamOf("b", b)}
	rules := []route.Rule{prefix("a.test", "/", keep), prefix("b.test", "/", gone)}
	h, _ := newHandler(t, Config{Table: newTable(t, rules...)})
	before := h.state.Load().routes.get(keep)

	added := []route.Rule{prefix("b.test", "/v2", &Route{Upstream: upstreamOf("a", a)})}
	part := newTable(t, added...)
	table := route.Splice(h.state.Load().table, func(host string) bool { return host != "b.test" }, part)
	if err := h.Update(table, rules[1:], part.Rules()); err != nil {
		t.Fatal(err)
	}
	st := h.state.Load()
	if st.routes.get(keep) != before {
		t.Error("the unchanged route was prepared again")
	}
	if _, ok := st.routes.lookup(gone); ok {
		t.Error("the removed route is still prepared")
	}
	if w := serve(h, httptest.NewRequest("GET", "http://b.test/v2/x", nil)); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "a" {
		t.Errorf("new route: %d %s", w.Code, w.Body)
	}
	if w := serve(h, httptest.NewRequest("GET", "http://b.test/", nil)); w.Code != 404 {
		t.Errorf("removed route still answers: %d", w.Code)
	}
	// An invalid added route changes nothing.
	bad := newTable(t, prefix("c.test", "/", &Route{Upstream: &Upstream{Name: "bad", Endpoints: []string{"nowhere"}}}))
	if err := h.Update(route.Splice(table, nil, bad), nil, bad.Rules()); err == nil {
		t.Fatal("Update took an invalid route")
	}
	if h.state.Load() != st {
		t.Error("a failed Update replaced the state")
	}
}

// TestUpdateKeepsARouteOtherRulesCarry: rules may share one Route; an
// Update that removes one of them keeps the Route for the others.
func TestUpdateKeepsARouteOtherRulesCarry(t *testing.T) {
	a := newBackend(t, "a")
	shared := &Route{Upstream: upstreamOf("a", a)}
	rules := []route.Rule{prefix("a.test", "/", shared), prefix("b.test", "/", shared)}
	h, _ := newHandler(t, Config{Table: newTable(t, rules...)})
	table := route.Splice(h.state.Load().table, func(host string) bool { return host != "a.test" })
	if err := h.Update(table, rules[:1], nil); err != nil {
		t.Fatal(err)
	}
	if w := serve(h, httptest.NewRequest("GET", "http://b.test/x", nil)); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "a" {
		t.Errorf("the rule left with the shared route: %d %s", w.Code, w.Body)
	}
	if w := serve(h, httptest.NewRequest("GET", "http://a.test/x", nil)); w.Code != 404 {
		t.Errorf("the removed rule still answers: %d", w.Code)
	}
}

// TestSetEndpointsUnderLoad moves the endpoints back and forth while
// requests run; none may fail, and every answer comes from an endpoint of
// one of the two sets.
func TestSetEndpointsUnderLoad(t *testing.T) {
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	up := upstreamOf("svc", a, b)
	up.Balance = EWMA
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	sets := [][]string{{addr(a), addr(b)}, {addr(b), addr(c)}}
	done := make(chan struct{})
	errs := make(chan string, 8)
	for range 4 {
		go func() {
			defer func() { errs <- "" }()
			for i := 0; i < 200; i++ {
				select {
				case <-done:
					return
				default:
				}
				w := serve(h, httptest.NewRequest("GET", "http://x/", nil))
				if w.Code != 200 {
					errs <- w.Body.String()
					return
				}
			}
		}()
	}
	for i := range 50 {
		if _, err := h.SetEndpoints("svc", sets[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 4 {
		if msg := <-errs; msg != "" {
			t.Fatalf("a request failed while endpoints moved: %s", msg)
		}
	}
}
