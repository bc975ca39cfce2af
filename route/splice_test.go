package route

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
)

// sameAnswers checks that got answers every probe as want does: Match,
// Explain's rule, the dump and the rule list.
func sameAnswers(t *testing.T, what string, got, want *Table, probes []benchReq) {
	t.Helper()
	if g, w := got.String(), want.String(); g != w {
		t.Fatalf("%s: dump differs\ngot:\n%s\nwant:\n%s", what, g, w)
	}
	if g, w := got.Rules(), want.Rules(); len(g) != len(w) || got.Len() != len(w) {
		t.Fatalf("%s: %d rules (Len %d), want %d", what, len(g), got.Len(), len(w))
	}
	for _, p := range probes {
		g, w := got.Match(p.host, p.path), want.Match(p.host, p.path)
		if (g == nil) != (w == nil) || g != nil && g.String() != w.String() {
			t.Fatalf("%s: Match(%q, %q) = %v, want %v", what, p.host, p.path, g, w)
		}
		if e := got.Explain(p.host, p.path); (e.Rule == nil) != (w == nil) || e.Rule != nil && e.Rule.String() != w.String() {
			t.Fatalf("%s: Explain(%q, %q).Rule = %v, want %v", what, p.host, p.path, e.Rule, w)
		}
	}
}

func TestSpliceMatchesNew(t *testing.T) {
	rules, probes := benchRules(5000)
	rules = append(rules, Rule{Type: Default, Origin: "global", Backend: Backend{Namespace: "ns", Service: "def", Port: "80"}})
	probes = append(probes, benchReq{host: "unknown.example.com", path: "/"}, benchReq{host: "x.team3.example.org", path: "/nothing"})
	full, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	sh := Splice(nil, nil, full)
	if sh.sharded == nil {
		t.Fatal("a table of 5,000 rules was not sharded")
	}
	sameAnswers(t, "sharded", sh, full, probes)
	if hr, want := sh.HostRules("svc3.example.com"), full.HostRules("svc3.example.com"); len(hr) == 0 || !slices.EqualFunc(hr, want, func(a, b Rule) bool { return a.String() == b.String() }) {
		t.Fatalf("HostRules = %v, want %v", hr, want)
	}

	r := rand.New(rand.NewPCG(1, 2))
	current := rules
	byHosts := sh // the same changes made with SpliceHosts
	for step := range 20 {
		// Replace the rules of a few hosts, sometimes the hostless ones and
		// the global Default.
		drop := map[string]bool{}
		for range 1 + r.IntN(5) {
			drop[current[r.IntN(len(current))].Host] = true
		}
		if r.IntN(3) == 0 {
			drop[fmt.Sprintf("fresh%d.example.net", step)] = true // a host the table lacks
		}
		var kept, added []Rule
		for _, rule := range current {
			if !drop[rule.Host] {
				kept = append(kept, rule)
			}
		}
		for h := range drop {
			added = append(added, Rule{Host: h, Path: fmt.Sprintf("/new%d", step), Type: Prefix, Origin: "added", Backend: Backend{Namespace: "ns", Service: "new", Port: "80"}})
			probes = append(probes, benchReq{host: h, path: fmt.Sprintf("/new%d/x", step)})
			if h == "" && r.IntN(2) == 0 {
				added = append(added, Rule{Type: Default, Origin: fmt.Sprintf("global %d", step), Backend: Backend{Namespace: "ns", Service: "def2", Port: "80"}})
			}
		}
		part, err := New(added)
		if err != nil {
			t.Fatal(err)
		}
		sh = Splice(sh, func(h string) bool { return !drop[h] }, part)
		byHosts = SpliceHosts(byHosts, drop, part)
		current = append(kept, added...)
		want, err := New(current)
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, fmt.Sprintf("step %d", step), sh, want, probes)
		sameAnswers(t, fmt.Sprintf("step %d, SpliceHosts", step), byHosts, want, probes)
	}
}

func TestSpliceSmallStaysFlat(t *testing.T) {
	rules, probes := benchRules(100)
	full, _ := New(rules)
	got := Splice(full, func(h string) bool { return h != "svc1.example.com" })
	if got.sharded != nil {
		t.Fatal("a small table was sharded")
	}
	var kept []Rule
	for _, r := range rules {
		if r.Host != "svc1.example.com" {
			kept = append(kept, r)
		}
	}
	want, _ := New(kept)
	sameAnswers(t, "flat", got, want, probes)
}

// BenchmarkSplice replaces one host's rules in a table of 30,000.
func BenchmarkSplice(b *testing.B) {
	rules, _ := benchRules(30_000)
	full, _ := New(rules)
	tbl := Splice(nil, nil, full)
	part, _ := New([]Rule{{Host: "svc7.example.com", Path: "/v2", Type: Prefix}})
	keep := func(h string) bool { return h != "svc7.example.com" }
	b.ReportAllocs()
	for b.Loop() {
		tbl = Splice(tbl, keep, part)
	}
}

// BenchmarkSpliceHosts is BenchmarkSplice naming the host replaced.
func BenchmarkSpliceHosts(b *testing.B) {
	rules, _ := benchRules(30_000)
	full, _ := New(rules)
	tbl := Splice(nil, nil, full)
	part, _ := New([]Rule{{Host: "svc7.example.com", Path: "/v2", Type: Prefix}})
	replace := map[string]bool{"svc7.example.com": true}
	b.ReportAllocs()
	for b.Loop() {
		tbl = SpliceHosts(tbl, replace, part)
	}
}

// BenchmarkMatchSharded is BenchmarkMatch's workload on a table that
// Splice laid out in shards.
func BenchmarkMatchSharded(b *testing.B) {
	rules, reqs := benchRules(30_000)
	full, _ := New(rules)
	tbl := Splice(nil, nil, full)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q := reqs[i%len(reqs)]
		if tbl.Match(q.host, q.path) == nil {
			b.Fatalf("no match for %s%s", q.host, q.path)
		}
	}
}

// TestSpliceKeepsConditions: rules with method, header and query
// conditions answer the same in a sharded table, and after a splice that
// replaces other hosts, as in the table New makes.
func TestSpliceKeepsConditions(t *testing.T) {
	rules, _ := benchRules(4000)
	cond := []Rule{
		{Host: "api.example.com", Path: "/v1", Type: Prefix, Backend: Backend{Namespace: "ns", Service: "post", Port: "80"}, Conditions: &Conditions{Method: "POST"}},
		{Host: "api.example.com", Path: "/v1", Type: Prefix, Backend: Backend{Namespace: "ns", Service: "canary", Port: "80"}, Conditions: &Conditions{Headers: []HeaderMatch{{Name: "x-canary", Value: "always"}}}},
		{Host: "api.example.com", Path: "/v1", Type: Prefix, Backend: Backend{Namespace: "ns", Service: "debug", Port: "80"}, Conditions: &Conditions{Query: []QueryMatch{{Name: "debug", Value: "1"}}}},
		{Host: "api.example.com", Path: "/v1", Type: Prefix, Backend: Backend{Namespace: "ns", Service: "plain", Port: "80"}},
	}
	full, err := New(append(slices.Clone(rules), cond...))
	if err != nil {
		t.Fatal(err)
	}
	sh := Splice(nil, nil, full)
	if sh.sharded == nil {
		t.Fatal("a table of 4,004 rules was not sharded")
	}
	other, err := New([]Rule{{Host: "svc7.example.com", Path: "/new", Type: Exact, Backend: Backend{Namespace: "ns", Service: "new", Port: "80"}}})
	if err != nil {
		t.Fatal(err)
	}
	spliced := Splice(sh, func(h string) bool { return h != "svc7.example.com" }, other)
	for _, tt := range []struct {
		req  Request
		want string
	}{
		{Request{Method: "POST"}, "post"},
		{Request{Method: "GET", Header: http.Header{"X-Canary": {"always"}}}, "canary"},
		{Request{Method: "GET", RawQuery: "debug=1"}, "debug"},
		{Request{Method: "GET"}, "plain"},
	} {
		for name, table := range map[string]*Table{"new": full, "sharded": sh, "spliced": spliced} {
			r := table.MatchWith("api.example.com", "/v1/x", &tt.req)
			if r == nil || r.Backend.Service != tt.want {
				t.Errorf("%s: MatchWith(%+v) = %v, want service %s", name, tt.req, r, tt.want)
			}
			if e := table.ExplainWith("api.example.com", "/v1/x", &tt.req); e.Rule == nil || e.Rule.Backend.Service != tt.want {
				t.Errorf("%s: ExplainWith(%+v).Rule = %v, want service %s", name, tt.req, e.Rule, tt.want)
			}
		}
	}
}

func TestLenCountsRules(t *testing.T) {
	rules, _ := benchRules(3000)
	full, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	sh := Splice(nil, nil, full)
	for name, table := range map[string]*Table{"flat": full, "sharded": sh} {
		if got, want := table.Len(), len(table.Rules()); got != want {
			t.Errorf("%s: Len() = %d, want %d", name, got, want)
		}
	}
	// A splice that brings a rule the sharded table keeps already counts it
	// once.
	dup, err := New(rules[:1])
	if err != nil {
		t.Fatal(err)
	}
	again := Splice(sh, func(string) bool { return true }, dup)
	if got, want := again.Len(), len(again.Rules()); got != want || got != len(rules) {
		t.Errorf("after splicing in a duplicate: Len() = %d, Rules() %d, want %d", got, want, len(rules))
	}
	if got := (*Table)(nil).Len(); got != 0 {
		t.Errorf("nil table: Len() = %d, want 0", got)
	}
}
