package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestTrafficDeny checks that a denied route answers 503 to everything,
// before any other part of its policy: a CORS preflight, an allowed
// address, valid credentials, all get 503 and the backend is never asked.
func TestTrafficDeny(t *testing.T) {
	be := newTrafficBackend(t, nil)
	h := trafficHandler(t, be, &Traffic{
		Deny:            "secret default/htpasswd (named by auth-secret) is not loaded",
		CORS:            &CORS{AllowOrigins: []string{"*"}},
		AllowSources:    []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		BasicAuth:       &BasicAuth{Users: map[string]string{"ann": "{PLAIN}s3cret"}},
		ResponseHeaders: HeaderRules{Set: map[string]string{"X-Frame-Options": "DENY"}},
	})
	for _, tt := range []struct {
		name string
		r    *http.Request
	}{
		{"plain request", req("GET", "/", "192.0.2.1:1")},
		{"CORS preflight", req("OPTIONS", "/", "192.0.2.1:1", "Origin: https://a.example", "Access-Control-Request-Method: PUT")},
		{"valid credentials", req("GET", "/x", "192.0.2.1:1", "Authorization: Basic YW5uOnMzY3JldA==")},
		{"address outside the allowlist", req("GET", "/", "198.51.100.1:1")},
	} {
		w := httptest.NewRecorder()
		r, info := WithInfo(tt.r)
		h.ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503", tt.name, w.Code)
		}
		if info.Action != ActionUnavailable {
			t.Errorf("%s: Info.Action %q, want %q", tt.name, info.Action, ActionUnavailable)
		}
		if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s: a denied route sent CORS headers (%q)", tt.name, v)
		}
	}
	if n := be.hits.Load(); n != 0 {
		t.Errorf("the backend was asked %d times, want never", n)
	}
}
