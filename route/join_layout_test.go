package route

import "testing"

// TestJoinDuplicatesAcrossParts: Join lays a large table out by shard
// before it drops rules repeated across parts, and must still answer as
// Splice does: the first part's rule wins, the global Default included,
// and when the repeats leave too few rules for shards, or rules for
// another number of shards, the table is laid out as Splice lays it out.
func TestJoinDuplicatesAcrossParts(t *testing.T) {
	// renamed returns rules with another Origin and Backend, so that the
	// dump and Match tell which copy won.
	renamed := func(rules []Rule, tag string) []Rule {
		out := make([]Rule, len(rules))
		for i, r := range rules {
			r.Origin = tag + " " + r.Origin
			r.Backend.Service = tag
			out[i] = r
		}
		return out
	}
	global := func(tag string) []Rule {
		return []Rule{{Type: Default, Origin: tag + " global", Backend: Backend{Service: tag}}}
	}
	big, probes := benchRules(3000)
	small, smallProbes := benchRules(1500)
	probes = append(probes, smallProbes...)
	probes = append(probes, benchReq{host: "unknown.example.com", path: "/none"})
	cases := []struct {
		name    string
		parts   [][]Rule
		sharded bool
	}{
		{"a few repeats, shards kept", [][]Rule{big, renamed(big[:10], "second"), global("first"), global("second")}, true},
		{"repeats change the number of shards", [][]Rule{global("first"), big, renamed(big, "second")}, true},
		{"repeats leave too few rules for shards", [][]Rule{small, renamed(small, "second"), global("second")}, false},
		{"repeats in one part only", [][]Rule{renamed(big[:100], "first"), big}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parts []*Prepared
			var tables []*Table
			for i, rules := range tc.parts {
				p, err := Prepare(rules, Options{})
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				parts = append(parts, p)
				tables = append(tables, p.Table())
			}
			got, want := Join(parts...), Splice(nil, nil, tables...)
			sameAnswers(t, tc.name, got, want, probes)
			if (got.sharded != nil) != tc.sharded || (want.sharded != nil) != tc.sharded {
				t.Fatalf("sharded: Join %v, Splice %v, want %v", got.sharded != nil, want.sharded != nil, tc.sharded)
			}
			if got.sharded != nil && len(got.sharded.shards) != len(want.sharded.shards) {
				t.Errorf("Join made %d shards, Splice %d", len(got.sharded.shards), len(want.sharded.shards))
			}
		})
	}
}
