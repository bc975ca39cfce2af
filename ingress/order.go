package ingress

import (
	"cmp"
	"slices"
)

// sortMergeOrder sorts Ingresses, in place, the way conflicts are
// decided: oldest creationTimestamp first; Ingresses without one (typical
// for files) after those with one, in load order; equal timestamps by
// namespace/name. The sort is stable and its input is in load order, so
// load order breaks every remaining tie.
func sortMergeOrder(ings []Ingress) {
	slices.SortStableFunc(ings, compareMerge)
}

// compareMerge orders two Ingresses as sortMergeOrder does, but for load
// order.
func compareMerge(a, b Ingress) int {
	at, bt := a.CreationTimestamp, b.CreationTimestamp
	switch {
	case at.IsZero() && bt.IsZero():
		return 0
	case at.IsZero():
		return 1
	case bt.IsZero():
		return -1
	}
	if c := at.Time.Compare(bt.Time); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}
