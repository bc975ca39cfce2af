package proxy

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestTrafficCORS(t *testing.T) {
	// The backend sends CORS headers of its own, which the policy's
	// replace for allowed origins only.
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://backend.example")
		w.Header().Set("Vary", "Accept-Encoding")
		w.WriteHeader(200)
	})
	listed := trafficHandler(t, be, &Traffic{
		CORS: &CORS{
			AllowOrigins:     []string{"https://app.example.com", "https://*.example.org", "http://localhost:3000", "null"},
			AllowCredentials: true,
			ExposeHeaders:    "X-Total",
			MaxAge:           time.Hour,
		},
		DenySources: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
	})
	any := trafficHandler(t, be, &Traffic{CORS: &CORS{}})

	const (
		defMethods = DefaultCORSAllowMethods
		defHeaders = DefaultCORSAllowHeaders
	)
	for _, tt := range []struct {
		name     string
		h        *Handler
		r        *http.Request
		status   int
		proxied  bool
		acao     string // Access-Control-Allow-Origin
		acac     string // -Allow-Credentials
		vary     string
		others   bool // -Allow-Methods, -Allow-Headers, -Max-Age and -Expose-Headers as configured
		preflght bool // Content-Length: 0 and text/plain
	}{
		{"preflight, exact origin", listed, req("OPTIONS", "/api", "", "Origin: https://app.example.com", "Access-Control-Request-Method: PUT"),
			204, false, "https://app.example.com", "true", "Origin", true, true},
		{"preflight, origin in another case is echoed as sent", listed, req("OPTIONS", "/api", "", "Origin: HTTPS://App.Example.com", "Access-Control-Request-Method: PUT"),
			204, false, "HTTPS://App.Example.com", "true", "Origin", true, true},
		{"preflight, wildcard origin", listed, req("OPTIONS", "/", "", "Origin: https://shop-1.example.org", "Access-Control-Request-Method: POST"),
			204, false, "https://shop-1.example.org", "true", "Origin", true, true},
		{"preflight, with port", listed, req("OPTIONS", "/", "", "Origin: http://localhost:3000", "Access-Control-Request-Method: POST"),
			204, false, "http://localhost:3000", "true", "Origin", true, true},
		{"preflight, null origin", listed, req("OPTIONS", "/", "", "Origin: null", "Access-Control-Request-Method: POST"),
			204, false, "null", "true", "Origin", true, true},
		{"wildcard covers one label only", listed, req("OPTIONS", "/", "", "Origin: https://a.b.example.org", "Access-Control-Request-Method: POST"),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"wildcard does not cover the apex", listed, req("OPTIONS", "/", "", "Origin: https://example.org", "Access-Control-Request-Method: POST"),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"other port", listed, req("OPTIONS", "/", "", "Origin: https://app.example.com:8443", "Access-Control-Request-Method: POST"),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"other scheme", listed, req("GET", "/", "", "Origin: http://app.example.com"),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"suffix lookalike", listed, req("GET", "/", "", "Origin: https://evilapp.example.com"),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"OPTIONS without Access-Control-Request-Method is proxied", listed, req("OPTIONS", "/", "", "Origin: https://app.example.com"),
			200, true, "https://app.example.com", "true", "Origin|Accept-Encoding", true, false},
		{"simple request, allowed: the backend's header is replaced", listed, req("GET", "/", "", "Origin: https://app.example.com"),
			200, true, "https://app.example.com", "true", "Origin|Accept-Encoding", true, false},
		{"no Origin", listed, req("GET", "/", ""),
			200, true, "https://backend.example", "-", "Origin|Accept-Encoding", false, false},
		{"refusals carry CORS headers too", listed, req("GET", "/", "198.51.100.7:1", "Origin: https://app.example.com"),
			403, false, "https://app.example.com", "true", "Origin", true, false},
		{"any origin: star, no Vary", any, req("GET", "/", "", "Origin: https://whoever.example"),
			200, true, "*", "-", "Accept-Encoding", false, false},
		{"any origin, even without Origin", any, req("GET", "/", ""),
			200, true, "*", "-", "Accept-Encoding", false, false},
		{"any origin: preflight", any, req("OPTIONS", "/", "", "Origin: https://whoever.example", "Access-Control-Request-Method: DELETE"),
			204, false, "*", "-", "-", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := be.hits.Load()
			w := serve(tt.h, tt.r)
			res := w.Result()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.status, w.Body)
			}
			if proxied := be.hits.Load() > before; proxied != tt.proxied {
				t.Errorf("proxied = %v, want %v", proxied, tt.proxied)
			}
			for _, c := range []struct{ key, want string }{
				{"Access-Control-Allow-Origin", tt.acao},
				{"Access-Control-Allow-Credentials", tt.acac},
				{"Vary", tt.vary},
			} {
				if got := header(res.Header, c.key); got != c.want {
					t.Errorf("%s = %q, want %q", c.key, got, c.want)
				}
			}
			if tt.others {
				for _, c := range []struct{ key, want string }{
					{"Access-Control-Allow-Methods", defMethods},
					{"Access-Control-Allow-Headers", defHeaders},
					{"Access-Control-Expose-Headers", "X-Total"},
					{"Access-Control-Max-Age", "3600"},
				} {
					if got := header(res.Header, c.key); got != c.want {
						t.Errorf("%s = %q, want %q", c.key, got, c.want)
					}
				}
			}
			if tt.preflght {
				if got := header(res.Header, "Content-Length") + " " + header(res.Header, "Content-Type"); got != "0 text/plain charset=UTF-8" {
					t.Errorf("Content-Length and Content-Type = %q", got)
				}
			}
		})
	}
}

func TestTrafficCORSDefaults(t *testing.T) {
	be := newTrafficBackend(t, nil)
	for _, tt := range []struct {
		maxAge time.Duration
		want   string
	}{{0, "1728000"}, {-1, "0"}, {90 * time.Second, "90"}} {
		h := trafficHandler(t, be, &Traffic{CORS: &CORS{MaxAge: tt.maxAge}})
		w := serve(h, req("OPTIONS", "/", "", "Origin: https://a.example", "Access-Control-Request-Method: GET"))
		if got := w.Header().Get("Access-Control-Max-Age"); got != tt.want {
			t.Errorf("MaxAge %v: Access-Control-Max-Age = %q, want %q", tt.maxAge, got, tt.want)
		}
		if got := header(w.Header(), "Access-Control-Expose-Headers"); got != "-" {
			t.Errorf("Access-Control-Expose-Headers = %q, want none", got)
		}
	}
}
