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
	w := c.warning(ing, fieldPath, msg)
	if !c.opts.backendWarnings {
		c.out.Warnings = append(c.out.Warnings, w)
		return
	}
	c.out.backendWarnings = append(c.out.backendWarnings, backendWarning{key: key, ing: ing, n: len(c.out.backendWarnings), w: w})
}

// backendIndex keeps, over the groups of a Tracker, the candidate
// warnings of each backend and the one that wins (its first user's), so
// that a change looks again only at the backends its groups use.
type backendIndex struct {
	keys    map[backendKey]*backendCands
	emitted map[*group][]Warning // the winners each group gives, when any
}

// backendCands are the candidate warnings of one backend, from every
// group that uses it, and the winner among them.
type backendCands struct {
	list   []*backendWarning
	winner *backendWarning
}

func newBackendIndex() backendIndex {
	return backendIndex{keys: map[backendKey]*backendCands{}, emitted: map[*group][]Warning{}}
}

// keyPlan is what plan works out for one backend that a change touches.
type keyPlan struct {
	key   backendKey
	was   *backendCands // nil for a backend no group used
	fresh []*backendWarning
	win   *backendWarning // nil when no group uses it any more
}

// plan works out the winners once the removed groups are replaced by the
// fresh ones. It changes nothing: emitted tells what a group gives in the
// new state, and commit makes the new state current. Each backend is
// looked up once in a map of this plan and once in the index: on a Reset
// every backend is new, and the plan is most of the work.
func (x *backendIndex) plan(removed map[*group]bool, fresh []*group) (emitted func(*group) []Warning, moved func() []*group, commit func()) {
	n := 0 // at most one plan per warning
	for g := range removed {
		n += len(g.backendWarnings)
	}
	for _, g := range fresh {
		n += len(g.backendWarnings)
	}
	plans := make([]keyPlan, 0, n)
	at := make(map[backendKey]int, n)
	touch := func(k backendKey) int {
		i, ok := at[k]
		if !ok {
			i = len(plans)
			at[k] = i
			plans = append(plans, keyPlan{key: k, was: x.keys[k]})
		}
		return i
	}
	for g := range removed {
		for i := range g.backendWarnings {
			touch(g.backendWarnings[i].key)
		}
	}
	// The plan of each fresh warning, in the order of fresh: each key is
	// hashed once for the fresh groups, which on a Reset are all of them.
	freshPlan := make([]int32, 0, n)
	for _, g := range fresh {
		for i := range g.backendWarnings {
			bw := &g.backendWarnings[i]
			j := touch(bw.key)
			freshPlan = append(freshPlan, int32(j))
			plans[j].fresh = append(plans[j].fresh, bw)
		}
	}
	// changed holds the groups, other than the fresh ones, whose winners
	// may change.
	isFresh := make(map[*group]bool, len(fresh))
	for _, g := range fresh {
		isFresh[g] = true
	}
	changed := map[*group]bool{}
	for i := range plans {
		p := &plans[i]
		consider := func(bw *backendWarning) {
			if p.win == nil || earlier(bw, p.win) {
				p.win = bw
			}
		}
		if p.was != nil {
			for _, bw := range p.was.list {
				if !removed[bw.grp] {
					consider(bw)
				}
			}
			if w := p.was.winner; w != nil && !removed[w.grp] && !isFresh[w.grp] {
				changed[w.grp] = true
			}
		}
		for _, bw := range p.fresh {
			consider(bw)
		}
		if p.win != nil && !isFresh[p.win.grp] {
			changed[p.win.grp] = true
		}
	}
	newEmitted := make(map[*group][]Warning, len(fresh)+len(changed))
	// The winners of the fresh groups share one array, each group's part
	// capped so that appending to it copies.
	wins := make([]Warning, 0, len(freshPlan))
	for _, g := range fresh {
		from := len(wins)
		for i := range g.backendWarnings {
			if bw := &g.backendWarnings[i]; plans[freshPlan[0]].win == bw {
				wins = append(wins, bw.w)
			}
			freshPlan = freshPlan[1:]
		}
		var ws []Warning
		if len(wins) > from {
			ws = wins[from:len(wins):len(wins)]
		}
		newEmitted[g] = ws
	}
	for g := range changed {
		var ws []Warning
		for i := range g.backendWarnings {
			bw := &g.backendWarnings[i]
			var w *backendWarning
			if j, ok := at[bw.key]; ok {
				w = plans[j].win
			} else if c := x.keys[bw.key]; c != nil {
				w = c.winner
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
		if len(x.keys) == 0 {
			x.keys = make(map[backendKey]*backendCands, len(plans)) // sized, not grown
		}
		if len(x.emitted) == 0 {
			x.emitted = make(map[*group][]Warning, len(newEmitted))
		}
		for i := range plans {
			p := &plans[i]
			list := p.fresh
			if p.was != nil {
				list = append(slices.DeleteFunc(p.was.list, func(bw *backendWarning) bool { return removed[bw.grp] }), p.fresh...)
			}
			switch {
			case len(list) == 0:
				delete(x.keys, p.key)
			case p.was != nil:
				p.was.list, p.was.winner = list, p.win
			default:
				x.keys[p.key] = &backendCands{list: list, winner: p.win}
			}
		}
		for g := range removed {
			delete(x.emitted, g)
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
