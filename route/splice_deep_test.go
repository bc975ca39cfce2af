package route

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// deepPool lists wildcard hosts that overlap the hosts of benchRules at
// several depths: each is a deep wildcard when a table's options list it,
// else a one-label wildcard. "*.team3.example.org" is also a host of
// benchRules, and "*.example.com" covers its exact hosts.
var deepPool = []string{"*.example.org", "*.team3.example.org", "*.example.com", "*.com", "*.b.example.net", "*.a.b.example.net"}

// deepProbes returns requests that reach the pool's wildcards at one,
// two and three labels below them, their bare names, and exact hosts
// that a deep wildcard covers too.
func deepProbes() []benchReq {
	var out []benchReq
	paths := []string{"/", "/deep", "/deep/x", "/app3/r3", "/nothing"}
	for _, w := range deepPool {
		name := w[2:]
		for _, h := range []string{name, "x." + name, "y.x." + name, "z.y.x." + name, "x3.team3." + name} {
			for _, p := range paths {
				out = append(out, benchReq{host: h, path: p})
			}
		}
	}
	for _, h := range []string{"svc3.example.com", "q.svc3.example.com", "x61.team3.example.org", "q.x61.team3.example.org"} {
		for _, p := range paths {
			out = append(out, benchReq{host: h, path: p})
		}
	}
	return out
}

// deepRules returns rules for the wildcard w: a catch-all, an Exact path
// and a Default, tagged with tag.
func deepRules(w, tag string) []Rule {
	b := Backend{Namespace: "ns", Service: "deep", Port: "80"}
	return []Rule{
		{Host: w, Path: "/", Type: Prefix, Origin: tag + " " + w + " /", Backend: b},
		{Host: w, Path: "/deep", Type: Exact, Origin: tag + " " + w + " /deep", Backend: b},
		{Host: w, Type: Default, Origin: tag + " " + w + " default", Backend: b},
	}
}

// TestSpliceDeepWildcards: a sharded table with deep wildcards, with and
// without SpecificWildcardsFirst, answers as the table NewWithOptions
// makes of the same rules and options, when first laid out and after
// each of a sequence of splices that replace exact hosts, one-label and
// deep wildcards, turn a wildcard deep or one-label, and add deep
// wildcards to the options of hosts they do not replace.
func TestSpliceDeepWildcards(t *testing.T) {
	for _, specific := range []bool{false, true} {
		t.Run(fmt.Sprintf("SpecificWildcardsFirst=%v", specific), func(t *testing.T) {
			testSpliceDeepWildcards(t, specific)
		})
	}
}

func testSpliceDeepWildcards(t *testing.T, specific bool) {
	rules, probes := benchRules(3000)
	rules = append(rules, Rule{Type: Default, Origin: "global", Backend: Backend{Namespace: "ns", Service: "def", Port: "80"}})
	for _, w := range deepPool {
		rules = append(rules, deepRules(w, "start")...)
	}
	probes = append(probes, deepProbes()...)
	deep := map[string]bool{"*.example.org": true, "*.example.com": true, "*.b.example.net": true, "*.com": true}
	options := func(set map[string]bool) Options {
		return Options{DeepWildcards: slices.Sorted(maps.Keys(set)), SpecificWildcardsFirst: specific}
	}
	fresh := func(what string, rules []Rule) *Table {
		t.Helper()
		tbl, err := NewWithOptions(rules, options(deep))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return tbl
	}
	sh := Splice(nil, nil, fresh("start", rules))
	if sh.sharded == nil || len(sh.sharded.deep.deep) == 0 {
		t.Fatal("a table of 3,000 rules with deep wildcards was not sharded with a deep sub-table")
	}
	check := func(what string, got *Table, want *Table) {
		t.Helper()
		if got.sharded == nil {
			t.Fatalf("%s: not sharded", what)
		}
		sameAnswers(t, what, got, want, probes)
		if g, w := slices.Sorted(slices.Values(got.Options().DeepWildcards)), want.Options().DeepWildcards; !slices.Equal(g, w) {
			t.Fatalf("%s: deep wildcards %v, want %v", what, g, w)
		}
		for _, h := range deepPool {
			if g, w := got.HostRules(h), want.HostRules(h); !slices.EqualFunc(g, w, func(a, b Rule) bool { return a.String() == b.String() }) {
				t.Fatalf("%s: HostRules(%q) = %v, want %v", what, h, g, w)
			}
		}
	}
	check("start", sh, fresh("start", rules))

	r := rand.New(rand.NewPCG(3, 4))
	current := rules
	byHosts := sh // the same changes made with SpliceHosts
	for step := range 30 {
		drop := map[string]bool{}
		for range 1 + r.IntN(3) {
			drop[current[r.IntN(len(current))].Host] = true
		}
		for range r.IntN(3) {
			drop[deepPool[r.IntN(len(deepPool))]] = true
		}
		// The added rules' options: each wildcard replaced is deep or not
		// at random; sometimes a wildcard kept becomes deep too.
		addedDeep := map[string]bool{}
		for h := range drop {
			if strings.HasPrefix(h, "*.") && r.IntN(2) == 0 {
				addedDeep[h] = true
			}
		}
		if r.IntN(4) == 0 {
			addedDeep[deepPool[r.IntN(len(deepPool))]] = true
		}
		var kept, added []Rule
		for _, rule := range current {
			if !drop[rule.Host] {
				kept = append(kept, rule)
			}
		}
		for h := range drop {
			switch {
			case h == "":
				added = append(added, Rule{Path: fmt.Sprintf("/new%d", step), Type: Prefix, Origin: fmt.Sprintf("step %d hostless", step)})
			case r.IntN(4) > 0:
				added = append(added, deepRules(h, fmt.Sprintf("step %d", step))...)
			}
		}
		for w := range deep {
			if drop[w] {
				delete(deep, w)
			}
		}
		maps.Copy(deep, addedDeep)
		part, err := NewWithOptions(added, Options{DeepWildcards: slices.Sorted(maps.Keys(addedDeep)), SpecificWildcardsFirst: specific})
		if err != nil {
			t.Fatal(err)
		}
		sh = Splice(sh, func(h string) bool { return !drop[h] }, part)
		byHosts = SpliceHosts(byHosts, drop, part)
		current = append(kept, added...)
		want := fresh(fmt.Sprintf("step %d", step), current)
		check(fmt.Sprintf("step %d (dropped %v, deep %v)", step, slices.Sorted(maps.Keys(drop)), slices.Sorted(maps.Keys(deep))), sh, want)
		check(fmt.Sprintf("step %d, SpliceHosts", step), byHosts, want)
	}
}

// TestSpliceDeepWildcardsStaysSharded: a splice that changes one exact
// host of a sharded table with deep wildcards lays out one shard again,
// and shares every other sub-table, the deep one included.
func TestSpliceDeepWildcardsStaysSharded(t *testing.T) {
	rules, _ := benchRules(3000)
	for _, w := range deepPool {
		rules = append(rules, deepRules(w, "start")...)
	}
	full, err := NewWithOptions(rules, Options{DeepWildcards: deepPool, SpecificWildcardsFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	sh := Splice(nil, nil, full)
	part := mustNew(t, Rule{Host: "svc7.example.com", Path: "/v2", Type: Prefix})
	got := SpliceHosts(sh, map[string]bool{"svc7.example.com": true}, part)
	if got.sharded == nil {
		t.Fatal("the splice made a flat table")
	}
	if got.sharded.deep != sh.sharded.deep || got.sharded.base != sh.sharded.base {
		t.Error("the splice laid out the deep or base sub-table again")
	}
	changed := 0
	for k := range sh.sharded.shards {
		if got.sharded.shards[k] != sh.sharded.shards[k] {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("the splice laid out %d shards again, want 1", changed)
	}
}
