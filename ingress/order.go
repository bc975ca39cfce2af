package ingress

import (
	"cmp"
	"slices"
)

// mergeOrder sorts Ingresses the way conflicts are decided: oldest
// creationTimestamp first; Ingresses without one (typical for files) after
// those with one, in load order; equal timestamps by namespace/name. The
// sort is stable and its input is in load order, so load order breaks every
// remaining tie.
func mergeOrder(ings []Ingress) []Ingress {
	out := slices.Clone(ings)
	slices.SortStableFunc(out, compareMerge)
	return out
}

// compareMerge orders two Ingresses as mergeOrder does, but for load
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
