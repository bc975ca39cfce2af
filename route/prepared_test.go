package route

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// preparedParts splits rules into n parts at random cut points, with
// options of their own, some of them repeating rules of earlier parts so
// that the first part's must win.
func preparedParts(t *testing.T, rng *rand.Rand, rules []Rule, n int) ([]*Prepared, []*Table) {
	t.Helper()
	cuts := []int{0, len(rules)}
	for range n - 1 {
		cuts = append(cuts, rng.IntN(len(rules)+1))
	}
	slices.Sort(cuts)
	var parts []*Prepared
	var tables []*Table
	for i := range len(cuts) - 1 {
		part := slices.Clone(rules[cuts[i]:cuts[i+1]])
		if i > 0 && cuts[i] > 0 && rng.IntN(2) == 0 {
			dup := rules[rng.IntN(cuts[i])]
			dup.Origin = "repeated " + dup.Origin
			part = append(part, dup)
		}
		var opts Options
		switch rng.IntN(4) {
		case 0:
			opts.RegexInOrder = true
		case 1:
			opts.DeepWildcards = []string{deepPool[rng.IntN(len(deepPool))]}
			opts.SpecificWildcardsFirst = rng.IntN(2) == 0
		}
		p, err := Prepare(part, opts)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewWithOptions(part, opts)
		if err != nil {
			t.Fatal(err)
		}
		table := p.Table()
		if table.String() != want.String() || !reflect.DeepEqual(table.Conflicts(), want.Conflicts()) || !reflect.DeepEqual(p.Conflicts(), want.Conflicts()) {
			t.Fatalf("part %d: Prepare then Table differs from NewWithOptions", i)
		}
		parts = append(parts, p)
		tables = append(tables, table)
	}
	return parts, tables
}

// hostSet returns the hosts of rules as a set.
func hostSet(rules []Rule) map[string]bool {
	set := map[string]bool{}
	for _, r := range rules {
		set[r.Host] = true
	}
	return set
}

func setOf(list []string) map[string]bool {
	set := map[string]bool{}
	for _, h := range list {
		if set[h] {
			panic(fmt.Sprintf("%q listed twice", h))
		}
		set[h] = true
	}
	return set
}

// TestJoinMatchesSplice: Join of prepared parts is the table Splice makes
// of the parts laid out one by one: the same dump, answers, options and
// layout (sharded or flat), small and large, with regexes, wildcards deep
// and not, rules without a host, a global Default and rules repeated
// across parts. Hosts lists the hosts of the rules.
func TestJoinMatchesSplice(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, n := range []int{40, 300, 5000} {
		for round := range 6 {
			rules, probes := benchRules(n)
			for _, w := range deepPool {
				rules = append(rules, deepRules(w, fmt.Sprint("round ", round))...)
			}
			rules = append(rules,
				Rule{Path: "/hostless", Type: Prefix, Origin: "hostless", Backend: Backend{Service: "h"}},
				Rule{Host: "svc1.example.com", Path: "/sp", Type: StringPrefix, Origin: "string prefix", Backend: Backend{Service: "sp"}})
			if round%2 == 0 {
				rules = append(rules, Rule{Type: Default, Origin: "global", Backend: Backend{Service: "def"}})
			}
			rng.Shuffle(len(rules), func(i, j int) { rules[i], rules[j] = rules[j], rules[i] })
			probes = append(probes, deepProbes()...)
			probes = append(probes, benchReq{host: "unknown.example.com", path: "/hostless/x"}, benchReq{host: "svc1.example.com", path: "/spx"})

			parts, tables := preparedParts(t, rng, rules, 1+rng.IntN(8))
			want := Splice(nil, nil, tables...)
			got := Join(parts...)
			what := fmt.Sprintf("%d rules, round %d, %d parts", n, round, len(parts))
			sameAnswers(t, what, got, want, probes)
			if !reflect.DeepEqual(got.Options(), want.Options()) || (got.sharded == nil) != (want.sharded == nil) || len(got.Conflicts()) != 0 {
				t.Fatalf("%s: options %+v (sharded %v), want %+v (sharded %v)", what, got.Options(), got.sharded != nil, want.Options(), want.sharded != nil)
			}
			// A table turned back into a Prepared joins as Splice takes it.
			again := Join(append([]*Prepared{want.Prepared()}, parts...)...)
			sameAnswers(t, what+", joined again", again, Splice(nil, nil, append([]*Table{want}, tables...)...), probes)

			for i, p := range parts {
				if g, w := setOf(p.Hosts()), hostSet(tables[i].Rules()); !reflect.DeepEqual(g, w) {
					t.Fatalf("%s: part %d: Prepared.Hosts = %v, want %v", what, i, g, w)
				}
				if g, w := setOf(tables[i].Hosts()), hostSet(tables[i].Rules()); !reflect.DeepEqual(g, w) {
					t.Fatalf("%s: part %d: Table.Hosts = %v, want %v", what, i, g, w)
				}
			}
			if g, w := setOf(got.Hosts()), hostSet(got.Rules()); !reflect.DeepEqual(g, w) {
				t.Fatalf("%s: Hosts of the joined table = %d hosts, want %d", what, len(g), len(w))
			}
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	rules := []Rule{{Host: "a.com", Path: "/ok", Type: Prefix}, {Host: "a.com", Path: "bad", Type: Exact}}
	p, err := Prepare(rules, Options{})
	_, want := New(rules)
	if p != nil || err == nil || err.Error() != want.Error() {
		t.Fatalf("Prepare = %v, %v; want nil, %v", p, err, want)
	}
}
