package route

import (
	"fmt"
	"testing"
)

// BenchmarkJoin lays out, as a Tracker's full load does, one Prepared per
// group of three rules (one Ingress's worth) into one table, at the rule
// counts of 10,000 and 100,000 Ingresses.
func BenchmarkJoin(b *testing.B) {
	for _, n := range []int{30_000, 300_000} {
		rules, _ := benchRules(n)
		var parts []*Prepared
		for i := 0; i < len(rules); i += 3 {
			p, err := Prepare(rules[i:min(i+3, len(rules))], Options{})
			if err != nil {
				b.Fatal(err)
			}
			parts = append(parts, p)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Join(parts...)
			}
		})
	}
}
