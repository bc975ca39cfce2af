package route

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSchemeCondition: rules for the same host and path that differ only
// in their Scheme are not duplicates, and each answers only requests
// received its way, as the routes of a Gateway's HTTP and HTTPS listeners.
func TestSchemeCondition(t *testing.T) {
	tbl := mustNew(t,
		Rule{Host: "a.example", Path: "/", Type: Prefix, Origin: "redirect", Conditions: &Conditions{Scheme: "http"}},
		Rule{Host: "a.example", Path: "/", Type: Prefix, Origin: "serve", Conditions: &Conditions{Scheme: "https"}},
		Rule{Host: "b.example", Path: "/", Type: Prefix, Origin: "tls only", Conditions: &Conditions{Scheme: "https"}},
		Rule{Host: "c.example", Path: "/", Type: Prefix, Origin: "plain only", Conditions: &Conditions{Scheme: "http"}},
		Rule{Host: "c.example", Path: "/api", Type: Prefix, Origin: "both"},
	)
	if c := tbl.Conflicts(); len(c) != 0 {
		t.Fatalf("Conflicts = %v, want none", c)
	}
	for _, tt := range []struct {
		url  string
		tls  bool
		want string // "" for no rule
	}{
		{"http://a.example/x", false, "redirect"},
		{"https://a.example/x", true, "serve"},
		{"http://b.example/x", false, ""},
		{"https://b.example/x", true, "tls only"},
		{"http://c.example/x", false, "plain only"},
		{"https://c.example/x", true, ""},
		{"https://c.example/api/v1", true, "both"},
		{"http://c.example/api/v1", false, "both"},
	} {
		r := httptest.NewRequest("GET", tt.url, nil)
		if !tt.tls {
			r.TLS = nil
		} else if r.TLS == nil {
			r.TLS = &tls.ConnectionState{}
		}
		rule, _, err := tbl.MatchRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if rule != nil {
			got = rule.Origin
		}
		if got != tt.want {
			t.Errorf("%s (TLS %t): matched %q, want %q", tt.url, tt.tls, got, tt.want)
		}
	}
	if r := tbl.Match("a.example", "/x"); r == nil || r.Origin != "redirect" {
		t.Errorf("Match without a request = %v, want the plain-HTTP rule", r)
	}
	if e := tbl.ExplainWith("b.example", "/x", &Request{}); !strings.Contains(e.String(), "not received over https") {
		t.Errorf("Explain does not say why the TLS-only rule was skipped:\n%s", e)
	}
	if s := tbl.String(); !strings.Contains(s, "Prefix scheme:https") {
		t.Errorf("dump does not show the scheme:\n%s", s)
	}
}
