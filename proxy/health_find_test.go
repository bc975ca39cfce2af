package proxy

import (
	"fmt"
	"testing"
)

// TestHealthRecordsByEndpoint checks that failures land on the record of
// the endpoint that failed, whether a few endpoints are looked through or
// many are indexed; that an endpoint listed twice has the record of its
// last place in both; and that a new record carries what an old one of
// the other kind knew of the endpoints they share.
func TestHealthRecordsByEndpoint(t *testing.T) {
	many := make([]string, healthScan+4)
	for i := range many {
		many[i] = fmt.Sprintf("198.18.0.%d:80", i+1)
	}
	tests := []struct {
		name      string
		endpoints []string
		fail      string
		down      int // the record that goes down
	}{
		{"two", []string{"198.18.0.1:80", "198.18.0.2:80"}, "198.18.0.2:80", 1},
		{"listed twice", []string{"198.18.0.1:80", "198.18.0.2:80", "198.18.0.1:80"}, "198.18.0.1:80", 2},
		{"indexed", many, many[healthScan+1], healthScan + 1},
		{"indexed, listed twice", append(append([]string(nil), many...), many[0]), many[0], len(many)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHealth(tt.endpoints, 2, 0)
			h.failed("198.18.9.9:80") // not an endpoint: no record
			for range 2 {
				h.failed(tt.fail)
			}
			for i := range tt.endpoints {
				if live := h.live(i); live != (i != tt.down) {
					t.Errorf("record %d live=%t, want %t", i, live, i != tt.down)
				}
			}
			// A record of the other kind, of the endpoints reversed,
			// carries the failure to the endpoint's last place there.
			other := append([]string(nil), tt.endpoints...)
			for i, j := 0, len(other)-1; i < j; i, j = i+1, j-1 {
				other[i], other[j] = other[j], other[i]
			}
			if len(other) <= healthScan {
				other = append(other, many...)
			} else {
				other = other[len(other)-3:]
				other = append(other, tt.fail)
			}
			next := newHealth(other, 2, 0)
			next.carry(h)
			last := -1
			for i, ep := range other {
				if ep == tt.fail {
					last = i
				}
			}
			for i := range other {
				if live := next.live(i); live != (i != last) {
					t.Errorf("carried record %d (%s) live=%t, want %t", i, other[i], live, i != last)
				}
			}
			h.succeeded(tt.fail)
			if !h.live(tt.down) {
				t.Error("a success does not clear the record")
			}
		})
	}
}
