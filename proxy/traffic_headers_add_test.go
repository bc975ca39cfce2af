package proxy

import (
	"net/http"
	"testing"
)

// TestHeaderRulesAdd checks that Add appends to what the client or the
// backend sent instead of replacing it, after Remove and Set.
func TestHeaderRulesAdd(t *testing.T) {
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "b")
		w.Write([]byte("ok"))
	})
	tr := &Traffic{
		RequestHeaders: HeaderRules{
			Add:    map[string]string{"x-tag": "added", "X-New": "n", "X-Gone": "again"},
			Remove: []string{"X-Gone"},
		},
		ResponseHeaders: HeaderRules{Add: map[string]string{"X-Backend": "added", "X-Extra": "e"}},
	}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("app.example.com", "/", &Route{Upstream: upstreamOf("app", be.srv), Traffic: tr}))})
	w := serve(h, req("GET", "/", "", "X-Tag: client", "X-Gone: old"))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	seen := be.last.Load().Header
	for _, c := range []struct {
		h         http.Header
		key, want string
	}{
		{seen, "X-Tag", "client,added"},
		{seen, "X-New", "n"},
		{seen, "X-Gone", "again"},
		{w.Header(), "X-Backend", "b,added"},
		{w.Header(), "X-Extra", "e"},
	} {
		if got := header(c.h, c.key); got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}
}

// TestHeaderRulesAddInvalid checks that Add is checked as Set is.
func TestHeaderRulesAddInvalid(t *testing.T) {
	_, errs := newHeaderRules("RequestHeaders", &HeaderRules{Add: map[string]string{"Content-Length": "1", "bad name": "x", "X-Ok": "a\nb"}})
	if len(errs) != 3 {
		t.Fatalf("errors = %v, want 3", errs)
	}
}

// TestUpstreamStatus checks that an upstream standing in for an
// unresolved backend answers its status, and only for the share of the
// requests that a weight sends to it.
func TestUpstreamStatus(t *testing.T) {
	be := newTrafficBackend(t, nil)
	unresolved := &Upstream{Name: "unresolved", Status: http.StatusInternalServerError}
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("app.example.com", "/all", &Route{Upstream: unresolved}),
		prefix("app.example.com", "/half", &Route{Upstream: upstreamOf("app", be.srv), Canaries: []Canary{{Upstream: unresolved, Weight: 1, WeightTotal: 2}}}),
	)})
	if w := serve(h, req("GET", "/all", "")); w.Code != 500 || w.Body.String() != "500 internal server error\n" {
		t.Errorf("unresolved: %d %q", w.Code, w.Body.String())
	}
	codes := map[int]int{}
	for range 200 {
		codes[serve(h, req("GET", "/half", "")).Code]++
	}
	if codes[200] == 0 || codes[500] == 0 || codes[200]+codes[500] != 200 {
		t.Errorf("weighted: %v, want both 200 and 500", codes)
	}
}
