package proxy

import (
	"net/http/httptest"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	b1, b2, b3 := newBackend(t, "1"), newBackend(t, "2"), newBackend(t, "3")
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("three", b1, b2, b3)}))})
	count := map[string]int{}
	var order []string
	for range 30 {
		s := decode(t, serve(h, httptest.NewRequest("GET", "/", nil)).Body.Bytes())
		count[s.Backend]++
		if len(order) < 3 {
			order = append(order, s.Backend)
		}
	}
	if count["1"] != 10 || count["2"] != 10 || count["3"] != 10 {
		t.Errorf("30 requests spread as %v, want 10 each", count)
	}
	if order[0] == order[1] || order[1] == order[2] || order[0] == order[2] {
		t.Errorf("first three requests went to %v, want three different endpoints", order)
	}
}
