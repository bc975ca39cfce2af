package proxy

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// TestUpdateWithRulesOutsideAdded checks that a table given to Update with
// a rule that neither the table served nor added held (a caller's bug, or a
// splice gone wrong) makes its requests fail closed with a logged 500, not
// panic in ServeHTTP, and that Explain and the other rules keep working.
func TestUpdateWithRulesOutsideAdded(t *testing.T) {
	up := &Upstream{Name: "ok", Endpoints: []string{"127.0.0.1:1"}}
	kept := prefix("a.test", "/", &Route{Upstream: up})
	h, logs := newHandler(t, Config{Table: newTable(t, kept)})
	stray := prefix("b.test", "/", &Route{Upstream: up})
	if err := h.Update(newTable(t, kept, stray), nil, nil); err != nil {
		t.Fatalf("Update: %v", err)
	}

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://b.test/x", nil))
	if w.Code != 500 {
		t.Errorf("request to the stray rule: got %d, want 500", w.Code)
	}
	if !strings.Contains(logs.String(), "never validated") {
		t.Errorf("the 500 is not logged: %s", logs.String())
	}
	if d := h.Explain(httptest.NewRequest("GET", "http://b.test/x", nil)); d.Action != ActionUnresolved || d.Status != 500 {
		t.Errorf("Explain of the stray rule: %s %d, want %s 500", d.Action, d.Status, ActionUnresolved)
	}
	if d := h.Explain(httptest.NewRequest("GET", "http://a.test/x", nil)); d.Action != ActionProxy {
		t.Errorf("Explain of the kept rule: %s, want %s", d.Action, ActionProxy)
	}
	// A stray rule whose Value is not a *Route at all fails the same way.
	odd := route.Rule{Host: "c.test", Path: "/", Type: route.Prefix, Value: "not a route"}
	if err := h.Update(newTable(t, kept, odd), nil, nil); err != nil {
		t.Fatalf("Update: %v", err)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://c.test/x", nil))
	if w.Code != 500 {
		t.Errorf("request to the non-Route rule: got %d, want 500", w.Code)
	}
}
