package ingress

// The Tracker's indexes: by which link (a host, say) the group that holds
// it is found, by which ref (a Secret, a ConfigMap, a Service) the
// Ingresses that may read it, and the backends' warnings. A change
// updates them at commit; a full compile, whose groups are all fresh,
// makes them anew while the table is laid out (see recompile).

// trackerIndexes are the indexes made anew for groups that are all fresh.
type trackerIndexes struct {
	backends  backendIndex
	linkGroup map[string]*group
	refIngs   map[string]*refSet
}

// fill indexes the links and refs of the fresh groups, into maps made at
// their size.
func (x *trackerIndexes) fill(fresh []*group) {
	links, refs := indexSizes(fresh)
	x.linkGroup = make(map[string]*group, links)
	x.refIngs = make(map[string]*refSet, refs)
	indexGroups(x.linkGroup, x.refIngs, fresh)
}

// indexGroups adds the links and refs of groups to linkGroup and refIngs.
func indexGroups(linkGroup map[string]*group, refIngs map[string]*refSet, groups []*group) {
	for _, g := range groups {
		for _, l := range g.links {
			linkGroup[l] = g
		}
		for _, m := range g.members {
			indexRefs(refIngs, m)
		}
	}
}

// indexSizes counts the links and refs of groups.
func indexSizes(groups []*group) (links, refs int) {
	for _, g := range groups {
		links += len(g.links)
		for _, m := range g.members {
			refs += len(m.refs)
		}
	}
	return links, refs
}

// sizeIndexes makes linkGroup and refIngs, when empty (as they are for a
// Tracker that held no Ingress), large enough for the fresh groups, so
// that the first change fills them without growing them insert by insert.
func (t *Tracker) sizeIndexes(fresh []*group) {
	if len(t.linkGroup) > 0 && len(t.refIngs) > 0 {
		return
	}
	links, refs := indexSizes(fresh)
	if len(t.linkGroup) == 0 {
		t.linkGroup = make(map[string]*group, links)
	}
	if len(t.refIngs) == 0 {
		t.refIngs = make(map[string]*refSet, refs)
	}
}

// indexRefs and unindexRefs keep refIngs, by which a Secret or ConfigMap
// finds the Ingresses that may read it.
func indexRefs(refIngs map[string]*refSet, e *entry) {
	for _, r := range e.refs {
		s := refIngs[r]
		if s == nil {
			s = &refSet{}
			refIngs[r] = s
		}
		s.add(e.n.key)
	}
}

func unindexRefs(refIngs map[string]*refSet, e *entry) {
	for _, r := range e.refs {
		if s := refIngs[r]; s != nil {
			s.remove(e.n.key)
			if s.empty() {
				delete(refIngs, r)
			}
		}
	}
}

// differences lists the differences of the groups, in their order.
func differences(groups []*group) []Difference {
	n := 0
	for _, g := range groups {
		n += len(g.differences)
	}
	if n == 0 {
		return nil
	}
	out := make([]Difference, 0, n)
	for _, g := range groups {
		out = append(out, g.differences...)
	}
	return out
}
