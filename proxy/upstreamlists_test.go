package proxy

import (
	"fmt"
	"slices"
	"testing"
)

// TestUpstreamListsAreIndependent cuts more lists than a block holds,
// grows some of them, and checks that each holds what was added to it and
// nothing another list was given.
func TestUpstreamListsAreIndependent(t *testing.T) {
	var lists upstreamLists
	ups := make([]*upstream, 3*upstreamListBlock)
	for i := range ups {
		ups[i] = &upstream{name: fmt.Sprint(i)}
	}
	got := make([][]*upstream, len(ups))
	want := make([][]*upstream, len(ups))
	for i, up := range ups {
		got[i] = lists.add(nil, up)
		want[i] = []*upstream{up}
		if i%3 == 0 && i > 0 {
			// The list before grows after its neighbour was cut.
			got[i-1] = lists.add(got[i-1], up)
			want[i-1] = append(want[i-1], up)
		}
	}
	for i := range got {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("list %d holds %d upstreams, want %d, or other ones", i, len(got[i]), len(want[i]))
		}
	}
}
