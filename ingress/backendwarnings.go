package ingress

import (
	"cmp"

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

// firstBackendWarnings returns, for each backend, the warning of its first
// user in merge order over groups (given in load order of their first
// Ingresses), in the order of the groups.
func firstBackendWarnings(groups []*group) []Warning {
	type candidate struct {
		bw  *backendWarning
		seq int // the load order of bw.ing
	}
	first := map[backendKey]candidate{}
	for _, g := range groups {
		for i := range g.backendWarnings {
			bw := &g.backendWarnings[i]
			c := candidate{bw, bw.member.seq}
			if have, ok := first[bw.key]; !ok || earlier(c.bw, c.seq, have.bw, have.seq) {
				first[bw.key] = c
			}
		}
	}
	out := make([]Warning, 0, len(first))
	for _, g := range groups {
		for i := range g.backendWarnings {
			if bw := &g.backendWarnings[i]; first[bw.key].bw == bw {
				out = append(out, bw.w)
			}
		}
	}
	return out
}

// earlier reports whether warning a (of an Ingress of load order seqA)
// comes before b in a full Compile: by merge order, then load order, then
// its order within the Ingress.
func earlier(a *backendWarning, seqA int, b *backendWarning, seqB int) bool {
	return cmp.Or(compareMerge(a.ing, b.ing), cmp.Compare(seqA, seqB), cmp.Compare(a.n, b.n)) < 0
}
