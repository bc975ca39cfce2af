package route

import (
	"fmt"
	"testing"
)

// deepBenchTable returns benchRules(n) as Splice lays them out, with every
// wildcard host deep (as Gateway API makes them) and the one-label
// wildcards specific first, and the requests of the rules.
func deepBenchTable(b *testing.B, n int) (*Table, []benchReq) {
	rules, reqs := benchRules(n)
	var deep []string
	seen := map[string]bool{}
	for _, r := range rules {
		if len(r.Host) > 2 && r.Host[:2] == "*." && !seen[r.Host] {
			seen[r.Host] = true
			deep = append(deep, r.Host)
		}
	}
	// Wildcards several labels up, which deep lookups walk past.
	for i := range 100 {
		h := fmt.Sprintf("*.w%d.example.net", i)
		rules = append(rules, Rule{Host: h, Path: "/api", Type: Prefix, Origin: h})
		deep = append(deep, h)
	}
	full, err := NewWithOptions(rules, Options{DeepWildcards: deep, SpecificWildcardsFirst: true})
	if err != nil {
		b.Fatal(err)
	}
	return Splice(nil, nil, full), reqs
}

// BenchmarkMatchShardedDeep is BenchmarkMatchSharded with every wildcard
// host deep.
func BenchmarkMatchShardedDeep(b *testing.B) {
	tbl, reqs := deepBenchTable(b, 30_000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q := reqs[i%len(reqs)]
		if tbl.Match(q.host, q.path) == nil {
			b.Fatalf("no match for %s%s", q.host, q.path)
		}
	}
}

// BenchmarkSpliceHostsDeep is BenchmarkSpliceHosts on a table whose
// wildcard hosts are deep.
func BenchmarkSpliceHostsDeep(b *testing.B) {
	tbl, _ := deepBenchTable(b, 30_000)
	part, _ := New([]Rule{{Host: "svc7.example.com", Path: "/v2", Type: Prefix}})
	replace := map[string]bool{"svc7.example.com": true}
	b.ReportAllocs()
	for b.Loop() {
		tbl = SpliceHosts(tbl, replace, part)
	}
}
