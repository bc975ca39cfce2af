package proxy

import (
	"crypto/tls"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestConcurrentFillFailsOnEachProblem checks that each problem found
// only once the concurrent fill has passed its route checks (an Upstream
// that is invalid, or whose transport cannot be made, while its
// upstreams are found or made; a Backends header rule that is invalid,
// while the routes' states are made) stops that fill, alone in an
// otherwise valid table of several chunks, and that New reports it as
// the rule-by-rule fill does.
func TestConcurrentFillFailsOnEachProblem(t *testing.T) {
	const at = 3000 // in the table's second half, past the first chunk
	bad := func(edit func(u *Upstream)) *Upstream {
		u := &Upstream{Name: "ns/bad:80", Endpoints: []string{"198.18.0.2:80"}}
		edit(u)
		return u
	}
	badEndpoint := bad(func(u *Upstream) { u.Endpoints = []string{"nowhere"} })
	backend := func(hr HeaderRules) func(rt *Route) {
		return func(rt *Route) {
			rt.Backends = []WeightedBackend{{Upstream: rt.Upstream, Weight: 1}, {Upstream: bad(func(*Upstream) {}), Weight: 2, RequestHeaders: hr}}
			rt.Upstream = nil
		}
	}
	tests := []struct {
		name    string
		breaker func(rt *Route)
		want    string // a regular expression New's error matches
	}{
		// Found while the upstreams are found or made.
		{"upstream endpoint", func(rt *Route) { rt.Upstream = badEndpoint }, `upstream "ns/bad:80": Endpoints\[0\]: invalid value "nowhere"`},
		{"upstream status", func(rt *Route) { rt.Upstream = bad(func(u *Upstream) { u.Status = 200 }) }, `upstream "ns/bad:80": Status: invalid value 200`},
		{"upstream connect timeout", func(rt *Route) { rt.Upstream = bad(func(u *Upstream) { u.ConnectTimeout = -1 }) }, `upstream "ns/bad:80": ConnectTimeout: invalid value`},
		{"upstream protocol", func(rt *Route) { rt.Upstream = bad(func(u *Upstream) { u.Protocol = AutoHTTP + 1 }) }, `upstream "ns/bad:80": Protocol: unsupported value`},
		{"upstream balance", func(rt *Route) { rt.Upstream = bad(func(u *Upstream) { u.HashSubsetSize = 3 }) }, `upstream "ns/bad:80": HashSubsetSize: invalid value 3`},
		{"upstream transport", func(rt *Route) {
			rt.Upstream = bad(func(u *Upstream) {
				u.Protocol = HTTPS
				u.TLS = tlsconfig.Client{ServerName: "bad.test", MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS12}
			})
		}, `upstream "ns/bad:80": TLS: tlsconfig: MinVersion TLS 1.3 is above MaxVersion TLS 1.2`},
		{"default backend", func(rt *Route) { rt.DefaultBackend = badEndpoint }, `default backend "ns/bad:80": Endpoints\[0\]`},
		{"canary", func(rt *Route) { rt.Canaries = []Canary{{Upstream: badEndpoint, Header: "X-Canary"}} }, `canary "ns/bad:80": Endpoints\[0\]`},
		{"backend", func(rt *Route) { rt.Backends, rt.Upstream = []WeightedBackend{{Upstream: badEndpoint, Weight: 1}}, nil }, `backend "ns/bad:80": Endpoints\[0\]`},
		{"mirror", func(rt *Route) { rt.Mirrors = []Mirror{{Upstream: badEndpoint}} }, `mirror "ns/bad:80": Endpoints\[0\]`},
		// Found while the routes' states are made.
		{"backend header name", backend(HeaderRules{Set: map[string]string{"Bad Name": "x"}}), `Backends\[1\]\.RequestHeaders\.Set: invalid header name "Bad Name"`},
		{"backend header removed", backend(HeaderRules{Remove: []string{"Bad Name"}}), `Backends\[1\]\.RequestHeaders\.Remove\[0\]: invalid header name "Bad Name"`},
		{"backend header framing", backend(HeaderRules{Add: map[string]string{"Content-Length": "1"}}), `Backends\[1\]\.RequestHeaders\.Add: header "Content-Length" cannot be set`},
		{"backend header value", backend(HeaderRules{Set: map[string]string{"X-B": "a\r\nb"}}), `Backends\[1\]\.RequestHeaders\.Set\["X-B"\]: invalid value`},
	}
	h, err := New(Config{Table: newTable(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rules []route.Rule
			for i := range 2 * concurrentFillRules {
				rt := &Route{Upstream: &Upstream{Name: fmt.Sprintf("ns/svc-%d:80", i%50), Endpoints: []string{"198.18.0.1:80"}}}
				if i == at {
					tt.breaker(rt)
				}
				rules = append(rules, route.Rule{Host: fmt.Sprintf("h%05d.test", i), Path: "/", Type: route.Prefix, Origin: fmt.Sprintf("Ingress ns/i%05d", i), Value: rt})
			}
			table := newTable(t, rules...)
			if h.fillConcurrent(newState(table), table.Rules(), nil, 2) {
				t.Fatal("the concurrent fill built a table with a problem")
			}
			_, want := h.fill(newState(table), table.Rules(), nil)
			re := regexp.MustCompile(fmt.Sprintf(`^proxy: Ingress ns/i%05d: host "h%05d.test" path "/": %s`, at, at, tt.want))
			if want == nil || !re.MatchString(want.Error()) || strings.Contains(want.Error(), "\n") {
				t.Fatalf("fill: %v\nwant one problem matching %s", want, re)
			}
			if _, err := New(Config{Table: table}); err == nil || err.Error() != want.Error() {
				t.Fatalf("New: %v\nwant what fill reports: %v", err, want)
			}
		})
	}
}
