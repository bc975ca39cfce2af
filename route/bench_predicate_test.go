package route

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// benchPredicateRules makes benchRules(n) into a Gateway API-shaped table:
// every fourth Prefix rule gets three variants on the same path that
// differ in their conditions (a method, a header, a query parameter), as a
// canary or an API version switch does. It returns one request per rule
// that the rule answers; requests for the variants carry what they ask
// for.
func benchPredicateRules(n int) ([]Rule, []*http.Request) {
	base, reqs := benchRules(n)
	var rules []Rule
	var out []*http.Request
	for i, r := range base {
		q := reqs[i]
		req := &http.Request{Method: "GET", Host: q.host, URL: &url.URL{Path: q.path, RawQuery: "page=2"}, Header: http.Header{
			"Accept": {"application/json"}, "User-Agent": {"bench"}}}
		rules = append(rules, r)
		out = append(out, req)
		if r.Type != Prefix || i%4 != 1 {
			continue
		}
		for j, v := range []Rule{
			{Conditions: &Conditions{Method: "POST"}},
			{Conditions: &Conditions{Headers: []HeaderMatch{{Name: "x-canary", Value: "always"}}}},
			{Conditions: &Conditions{Headers: []HeaderMatch{{Name: "x-version", Value: "v[0-9]+", Regex: true}}, Query: []QueryMatch{{Name: "debug", Value: "1"}}}},
		} {
			v.Host, v.Path, v.Type, v.Backend = r.Host, r.Path, r.Type, r.Backend
			v.Origin = fmt.Sprintf("%s variant %d", r.Origin, j)
			rules = append(rules, v)
			vreq := *req
			vreq.Header = http.Header{"Accept": {"application/json"}}
			switch j {
			case 0:
				vreq.Method = "POST"
			case 1:
				vreq.Header.Set("X-Canary", "always")
			case 2:
				vreq.Header.Set("X-Version", "v2")
				vreq.URL = &url.URL{Path: q.path, RawQuery: "page=2&debug=1"}
			}
			out = append(out, &vreq)
		}
	}
	return rules, out
}

// BenchmarkMatchPredicates measures MatchRequest, as the proxy calls it,
// on tables of hosts and paths alone ("paths") and on the same tables with
// condition variants on a quarter of their Prefix rules ("predicates").
func BenchmarkMatchPredicates(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		base, baseReqs := benchRules(n)
		hreqs := make([]*http.Request, len(baseReqs))
		for i, q := range baseReqs {
			hreqs[i] = &http.Request{Method: "GET", Host: q.host, URL: &url.URL{Path: q.path, RawQuery: "page=2"}}
		}
		prules, preqs := benchPredicateRules(n)
		for _, bc := range []struct {
			name  string
			rules []Rule
			reqs  []*http.Request
		}{{"paths", base, hreqs}, {"predicates", prules, preqs}} {
			b.Run(fmt.Sprintf("%s/rules=%d", bc.name, n), func(b *testing.B) {
				tbl := mustNew(b, bc.rules...)
				// Every request reaches the rule it was made for.
				for i, req := range bc.reqs {
					if r, _, err := tbl.MatchRequest(req); err != nil || r == nil || r.Origin != bc.rules[i].Origin {
						b.Fatalf("MatchRequest(%v %s%s) = %v, %v, want %s", req.Method, req.Host, req.URL, r, err, bc.rules[i].Origin)
					}
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					tbl.MatchRequest(bc.reqs[i%len(bc.reqs)])
				}
			})
		}
	}
}
