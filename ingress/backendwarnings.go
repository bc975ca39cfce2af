package ingress

import (
	"cmp"
	"slices"

	"github.com/ingressmux/ingressmux/route"
)

// A backend's warning (its Service is not loaded, say) is given once, to
// the first Ingress in merge order that uses it. Ingresses that share a
// backend but no host compile in different groups of a Tracker, so each
// group collects the warning for every user, and the Tracker keeps the
// first over all groups: linking such Ingresses instead would make one
// group of every Ingress behind a shared Service.

// backendKey names a backend as the resolver caches it.
type backendKey struct {
	backend         route.Backend
	serviceUpstream bool
}

// backendWarning is a backend's warning for one of its users.
type backendWarning struct {
	key    backendKey
	ing    Ingress
	n      int    // the order of the warning within its Compile
	member *entry // ing's entry in the Tracker, whose seq is its load order
	grp    *group // the group whose Compile gave it
	w      Warning
}

// warnBackend warns about the backend key, used by ing, once per Compile;
// with Options.backendWarnings it collects the warning instead.
func (c *compiler) warnBackend(ing Ingress, fieldPath string, key backendKey, msg string) {
	c.warn(ing, fieldPath, msg)
	if !c.opts.backendWarnings {
		return
	}
	last := len(c.out.Warnings) - 1
	c.out.backendWarnings = append(c.out.backendWarnings, backendWarning{key: key, ing: ing, n: len(c.out.backendWarnings), w: c.out.Warnings[last]})
	c.out.Warnings = c.out.Warnings[:last]
}

// backendIndex keeps, over the groups of a Tracker, the candidate
// warnings of each backend and the one that wins (its first user's), so
// that a change looks again only at the backends its groups use.
type backendIndex struct {
	cands   map[backendKey]map[*backendWarning]bool
	winners map[backendKey]*backendWarning
	emitted map[*group][]Warning // the winners each group gives, when any
}

func newBackendIndex() backendIndex {
	return backendIndex{cands: map[backendKey]map[*backendWarning]bool{}, winners: map[backendKey]*backendWarning{}, emitted: map[*group][]Warning{}}
}

// plan works out the winners once the removed groups are replaced by the
// fresh ones. It changes nothing: emitted tells what a group gives in the
// new state, and commit makes the new state current.
func (x *backendIndex) plan(removed map[*group]bool, fresh []*group) (emitted func(*group) []Warning, moved func() []*group, commit func()) {
	touched := map[backendKey]bool{}
	for g := range removed {
		for i := range g.backendWarnings {
			touched[g.backendWarnings[i].key] = true
		}
	}
	freshBy := map[backendKey][]*backendWarning{}
	for _, g := range fresh {
		for i := range g.backendWarnings {
			bw := &g.backendWarnings[i]
			touched[bw.key] = true
			freshBy[bw.key] = append(freshBy[bw.key], bw)
		}
	}
	newWin := make(map[backendKey]*backendWarning, len(touched))
	for k := range touched {
		var best *backendWarning
		consider := func(bw *backendWarning) {
			if best == nil || earlier(bw, best) {
				best = bw
			}
		}
		for bw := range x.cands[k] {
			if !removed[bw.grp] {
				consider(bw)
			}
		}
		for _, bw := range freshBy[k] {
			consider(bw)
		}
		newWin[k] = best
	}
	changed := map[*group]bool{}
	for k := range touched {
		if w := x.winners[k]; w != nil && !removed[w.grp] {
			changed[w.grp] = true
		}
		if w := newWin[k]; w != nil {
			changed[w.grp] = true
		}
	}
	for _, g := range fresh {
		changed[g] = true
	}
	newEmitted := make(map[*group][]Warning, len(changed))
	for g := range changed {
		var ws []Warning
		for i := range g.backendWarnings {
			bw := &g.backendWarnings[i]
			w, ok := newWin[bw.key]
			if !ok {
				w = x.winners[bw.key]
			}
			if w == bw {
				ws = append(ws, bw.w)
			}
		}
		newEmitted[g] = ws
	}
	moved = func() []*group {
		var out []*group
		for g := range newEmitted {
			if !removed[g] && !slices.Equal(newEmitted[g], x.emitted[g]) {
				out = append(out, g)
			}
		}
		return out
	}
	emitted = func(g *group) []Warning {
		if ws, ok := newEmitted[g]; ok {
			return ws
		}
		return x.emitted[g]
	}
	commit = func() {
		for g := range removed {
			for i := range g.backendWarnings {
				bw := &g.backendWarnings[i]
				delete(x.cands[bw.key], bw)
				if len(x.cands[bw.key]) == 0 {
					delete(x.cands, bw.key)
				}
			}
			delete(x.emitted, g)
		}
		for k, list := range freshBy {
			if x.cands[k] == nil {
				x.cands[k] = map[*backendWarning]bool{}
			}
			for _, bw := range list {
				x.cands[k][bw] = true
			}
		}
		for k, w := range newWin {
			if w == nil {
				delete(x.winners, k)
			} else {
				x.winners[k] = w
			}
		}
		for g, ws := range newEmitted {
			if len(ws) == 0 {
				delete(x.emitted, g)
			} else {
				x.emitted[g] = ws
			}
		}
	}
	return emitted, moved, commit
}

// earlier reports whether warning a comes before b in a full Compile: by
// merge order, then load order, then its order within the Ingress.
func earlier(a, b *backendWarning) bool {
	return cmp.Or(compareMerge(a.ing, b.ing), cmp.Compare(a.member.seq, b.member.seq), cmp.Compare(a.n, b.n)) < 0
}
