package proxy

import (
	"crypto/sha1"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// trafficBenchPolicies are the policies BenchmarkTraffic compares, each
// with the headers of a request it lets through.
func trafficBenchPolicies(b *testing.B) []struct {
	name    string
	t       func() *Traffic
	headers []string
} {
	sum := sha1.Sum([]byte("s3cret"))
	sha := "{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Auth-Request-User", "alice")
		w.WriteHeader(http.StatusAccepted)
	}))
	b.Cleanup(auth.Close)
	prefixes := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("127.0.0.0/8")}
	creds := basic("u", "s3cret")
	return []struct {
		name    string
		t       func() *Traffic
		headers []string
	}{
		{"none", func() *Traffic { return &Traffic{} }, nil},
		{"cors", func() *Traffic {
			return &Traffic{CORS: &CORS{AllowOrigins: []string{"https://a.example.com", "https://*.example.org"}, AllowCredentials: true}}
		}, []string{"Origin: https://shop.example.org"}},
		{"sources", func() *Traffic {
			return &Traffic{AllowSources: prefixes, DenySources: []netip.Prefix{netip.MustParsePrefix("192.0.2.128/25")}}
		}, nil},
		{"ratelimit", func() *Traffic { return &Traffic{RateLimit: &RateLimit{RPS: 1 << 30, RPM: 1 << 30}} }, nil},
		{"connections", func() *Traffic { return &Traffic{RateLimit: &RateLimit{Connections: 1 << 20}} }, nil},
		{"basic-sha", func() *Traffic { return &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": sha}}} }, []string{creds}},
		{"basic-apr1", func() *Traffic {
			return &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": "$apr1$xyzsalt$46mF7obnb9sH9blgrPZAj0"}}}
		}, []string{creds}},
		{"basic-bcrypt10", func() *Traffic { return &Traffic{BasicAuth: &BasicAuth{Users: map[string]string{"u": string(bc)}}} }, []string{creds}},
		{"extauth", func() *Traffic {
			return &Traffic{ExternalAuth: &ExternalAuth{URL: auth.URL + "/auth", ResponseHeaders: []string{"X-Auth-Request-User"}}}
		}, nil},
		{"extauth-cached", func() *Traffic {
			return &Traffic{ExternalAuth: &ExternalAuth{URL: auth.URL + "/auth", ResponseHeaders: []string{"X-Auth-Request-User"}, CacheKey: "$cookie_s"}}
		}, nil},
		{"headers", func() *Traffic {
			return &Traffic{
				ResponseHeaders: HeaderRules{Set: map[string]string{"X-Frame-Options": "DENY", "Strict-Transport-Security": "max-age=1"}, Remove: []string{"Server"}},
				RequestHeaders:  HeaderRules{Set: map[string]string{"X-Tenant": "a"}, Remove: []string{"Cookie"}},
			}
		}, nil},
		{"all-but-auth", func() *Traffic {
			return &Traffic{
				CORS:            &CORS{AllowOrigins: []string{"https://*.example.org"}},
				AllowSources:    prefixes,
				RateLimit:       &RateLimit{RPS: 1 << 30, Connections: 1 << 20},
				ResponseHeaders: HeaderRules{Set: map[string]string{"X-Frame-Options": "DENY"}},
			}
		}, []string{"Origin: https://shop.example.org"}},
	}
}

// BenchmarkTraffic measures what each policy adds to a request it lets
// through: the policy's steps alone (respond and admit, as ServeHTTP runs
// them, without proxying), from a few client addresses. "none" is a route
// with an empty Traffic.
func BenchmarkTraffic(b *testing.B) {
	h, _ := newHandler(b, Config{Table: newTable(b, prefix("a.com", "/", &Route{Upstream: &Upstream{Name: "x", Endpoints: []string{"127.0.0.1:1"}}}))})
	for _, p := range trafficBenchPolicies(b) {
		t, errs := h.buildTraffic(p.t(), ObjectRef{})
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			reqs := make([]*http.Request, 8)
			for i := range reqs {
				reqs[i] = req("GET", "/items?page=2", netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 1234).String(), append(p.headers, "Cookie: s=1")...)
			}
			orig := reqs[0].Header.Clone() // what admit may remove is put back
			w := httptest.NewRecorder()
			i := 0
			for b.Loop() {
				r := reqs[i%len(reqs)]
				i++
				clear(w.Header())
				if t.respond(w, r) {
					b.Fatal("answered")
				}
				out, release, refused := t.admit(h, &Route{Name: "bench"}, w, r, parsePeer(r.RemoteAddr, nil), nil)
				if refused != "" {
					b.Fatalf("refused: %d %s", w.Code, w.Body)
				}
				if release != nil {
					release()
				}
				if out != r {
					b.Fatal("admit replaced the request")
				}
				maps.Copy(r.Header, orig)
			}
		})
	}
}

// BenchmarkTrafficProxy measures whole requests through the handler and a
// loopback backend, without a policy and with every policy but
// authentication, so that the policies' share of a real request shows.
func BenchmarkTrafficProxy(b *testing.B) {
	be := newTrafficBackend(b, nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, p := range trafficBenchPolicies(b) {
		if p.name != "none" && p.name != "all-but-auth" {
			continue
		}
		h := trafficHandler(b, be, p.t())
		srv := httptest.NewServer(h)
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, _ := http.NewRequest("GET", srv.URL+"/items", nil)
				r.Host = "app.example.com"
				r.Header.Set("Origin", "https://shop.example.org")
				res, err := client.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
		client.CloseIdleConnections()
		srv.Close()
	}
}
