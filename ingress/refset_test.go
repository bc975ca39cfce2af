package ingress

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRefSet checks random adds and removes against a map: the keys,
// and when the set is empty.
func TestRefSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	keys := []string{"ns/a", "ns/b", "ns/c"}
	for range 200 {
		var s refSet
		want := map[string]bool{}
		for range 12 {
			k := keys[rng.IntN(len(keys))]
			if rng.IntN(2) == 0 {
				s.add(k)
				want[k] = true
			} else {
				s.remove(k)
				delete(want, k)
			}
			got := slices.Sorted(s.all())
			if !slices.Equal(got, slices.Sorted(maps.Keys(want))) || s.empty() != (len(want) == 0) {
				t.Fatalf("set holds %v (empty %v), want %v", got, s.empty(), want)
			}
		}
	}
	var none *refSet
	if got := slices.Collect(none.all()); len(got) != 0 {
		t.Fatalf("a nil set yields %v", got)
	}
}
