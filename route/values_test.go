package route

import (
	"fmt"
	"testing"
)

// TestWithValuesMatchesNew replaces the values of some hosts' rules
// (exact, wildcard, hostless, regex and host Default rules among them) in
// flat and sharded tables and checks that every probe matches the rule
// New gives for the same rules and values, value included, and that the
// original table still answers with the old values.
func TestWithValuesMatchesNew(t *testing.T) {
	for _, n := range []int{300, 5000} {
		rules, probes := benchRules(n)
		rules = append(rules,
			Rule{Host: "svc3.example.com", Type: Default, Origin: "host default", Backend: Backend{Namespace: "ns", Service: "hd", Port: "80"}},
			Rule{Type: Default, Origin: "global", Backend: Backend{Namespace: "ns", Service: "def", Port: "80"}},
			Rule{Path: "/hostless", Type: Prefix, Origin: "hostless", Backend: Backend{Namespace: "ns", Service: "hl", Port: "80"}})
		probes = append(probes, benchReq{host: "svc3.example.com", path: "/nothing/here"}, benchReq{host: "other.example.com", path: "/hostless/x"})
		for i := range rules {
			rules[i].Value = "old " + rules[i].String()
		}
		hosts := map[string]bool{"svc3.example.com": true, "svc7.example.com": true, "*.team2.example.org": true, "": true}
		for i := range rules {
			if r := rules[i]; r.Type == Regex && !hosts[r.Host] {
				hosts[r.Host] = true // a host with a regex rule
				break
			}
		}
		fn := func(r Rule) (any, bool) {
			if r.Type == Default && r.Host == "" {
				return nil, false // the global Default keeps its value
			}
			return "new " + r.String(), true
		}
		want := make([]Rule, len(rules))
		for i, r := range rules {
			want[i] = r
			if v, ok := fn(r); ok && hosts[r.Host] {
				want[i].Value = v
			}
		}
		flat, err := New(rules)
		if err != nil {
			t.Fatal(err)
		}
		wantTable, err := New(want)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			tbl  *Table
		}{{"flat", flat}, {"sharded", Splice(nil, nil, flat)}} {
			what := fmt.Sprintf("%d rules %s", n, tc.name)
			got, ok := tc.tbl.WithValues(hosts, fn)
			if !ok {
				t.Fatalf("%s: WithValues refused", what)
			}
			sameAnswers(t, what, got, wantTable, probes)
			for _, p := range probes {
				g, w, o := got.Match(p.host, p.path), wantTable.Match(p.host, p.path), tc.tbl.Match(p.host, p.path)
				if g != nil && g.Value != w.Value {
					t.Fatalf("%s: Match(%q, %q) has value %v, want %v", what, p.host, p.path, g.Value, w.Value)
				}
				if o != nil && o.Value != "old "+o.String() {
					t.Fatalf("%s: the original table's rule %s changed its value to %v", what, o, o.Value)
				}
			}
			gr, wr := got.Rules(), wantTable.Rules()
			for i := range gr {
				if gr[i].Value != wr[i].Value {
					t.Fatalf("%s: rule %s has value %v, want %v", what, gr[i], gr[i].Value, wr[i].Value)
				}
			}
			changeGlobal := func(r Rule) (any, bool) { return "x", true }
			if _, ok := tc.tbl.WithValues(map[string]bool{"": true}, changeGlobal); ok {
				t.Fatalf("%s: WithValues changed the global Default's value", what)
			}
		}
	}
}
