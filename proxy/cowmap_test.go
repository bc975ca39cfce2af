package proxy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// TestCowMapClonesAreIndependent writes to a map and its clones at random
// and checks each against a plain map.
func TestCowMapClonesAreIndependent(t *testing.T) {
	checkCowMapClones(t, newCowMap[int, int]())
}

// TestCowMapForIsAMap does the same with maps sized up front, for fewer,
// as many and more entries than it writes.
func TestCowMapForIsAMap(t *testing.T) {
	for _, n := range []int{0, 100, 2000, 50_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			checkCowMapClones(t, newCowMapFor[int, int](n))
		})
	}
}

// checkCowMapClones writes to m and its clones at random and checks each
// against a plain map.
func checkCowMapClones(t *testing.T, m *cowMap[int, int]) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	type version struct {
		m    *cowMap[int, int]
		want map[int]int
	}
	versions := []version{{m, map[int]int{}}}
	for step := range 3000 {
		cur := &versions[len(versions)-1]
		k := r.IntN(2000)
		switch r.IntN(10) {
		case 0:
			c := cur.m.clone()
			versions = append(versions, version{c, maps.Clone(cur.want)})
			continue
		case 1, 2, 3:
			cur.m.del(k)
			delete(cur.want, k)
		default:
			cur.m.set(k, step)
			cur.want[k] = step
		}
	}
	for i, v := range versions {
		if v.m.len() != len(v.want) {
			t.Fatalf("version %d: len %d, want %d", i, v.m.len(), len(v.want))
		}
		got := map[int]int{}
		for k, x := range v.m.all() {
			got[k] = x
		}
		if !maps.Equal(got, v.want) {
			t.Fatalf("version %d: entries differ from a plain map's", i)
		}
		for k, x := range v.want {
			if y, ok := v.m.lookup(k); !ok || y != x {
				t.Fatalf("version %d: lookup(%d) = %d, %v; want %d", i, k, y, ok, x)
			}
		}
	}
}
