package ingress

import (
	"reflect"
	"slices"
)

// Sync replaces the objects of the Tracker with those of set, as Reset
// does, but compiles only what differs: objects that are the very objects
// the Tracker holds (the same decoded object from the same place, as a
// FileCache returns for a file that did not change) are kept, and the
// others are applied as changes. The result is the same as Reset's. On
// error the Tracker is unchanged.
func (t *Tracker) Sync(set *Set) (*Result, error) {
	p, err := t.PrepareSync(set)
	if err != nil {
		return nil, err
	}
	p.Commit()
	return p.Result, nil
}

// PrepareSync is Sync without the commit: see Pending.
func (t *Tracker) PrepareSync(set *Set) (*Pending, error) {
	objs := setObjects(set)
	dups := newDuplicateCheck()
	for _, n := range objs {
		if len(dups.check(n.kind.String()+" "+n.key, n.source())) > 0 {
			// Two objects under one name: LoadFiles's rules decide which survive
			// and with what errors, so compile as Reset does.
			return t.prepareReset(set)
		}
	}
	seqOf := make(map[kindKey]int, len(objs))
	var changes []Change
	type renumbered struct {
		e   *entry
		seq int
	}
	var moved []renumbered
	for i, n := range objs {
		k := kindKey{n.kind, n.key}
		seqOf[k] = i + 1
		if old := t.objs[n.kind][n.key]; old != nil && sameObject(old.n, n) {
			if old.seq != i+1 {
				moved = append(moved, renumbered{old, old.seq})
				old.seq = i + 1
			}
			continue
		}
		changes = append(changes, Update(n.obj))
	}
	for k := range kindCount {
		for key, e := range t.objs[k] {
			if _, keep := seqOf[kindKey{kind(k), key}]; !keep {
				changes = append(changes, Delete(e.n.obj))
			}
		}
	}
	oldSeq, oldWarnings := t.seq, t.setWarnings
	t.seq, t.setWarnings = len(objs), slices.Clone(set.Warnings)
	undo := func() {
		for _, m := range moved {
			m.e.seq = m.seq
		}
		t.seq, t.setWarnings = oldSeq, oldWarnings
	}
	if len(changes) == 0 {
		// Only warnings of the decoding may differ.
		out := *t.compiled
		out.Warnings = append(slices.Clone(t.setWarnings), out.Warnings[len(oldWarnings):]...)
		return &Pending{Result: &Result{Compiled: &out, Hosts: map[string]bool{}}, t: t, undoMore: undo, commit: func() {
			t.compiled = &out
		}}, nil
	}
	return t.prepare(changes, seqOf, undo)
}

// String names the kind as object references do.
func (k kind) String() string {
	return [...]string{"ingress", "ingressclass", "service", "endpointslice", "secret", "configmap"}[k]
}

// sameObject reports whether b is a as far as compiling goes: the very
// object, or one decoded again from the same place with the same content
// (the other documents of a file in which one document changed).
func sameObject(a, b normalized) bool {
	if a.obj == b.obj {
		return true
	}
	if a.kind != b.kind || a.source() != b.source() {
		return false
	}
	switch x := a.obj.(type) {
	case Ingress:
		return reflect.DeepEqual(x.Ingress, b.obj.(Ingress).Ingress)
	case IngressClass:
		return reflect.DeepEqual(x.IngressClass, b.obj.(IngressClass).IngressClass)
	case Service:
		return reflect.DeepEqual(x.Service, b.obj.(Service).Service)
	case EndpointSlice:
		return reflect.DeepEqual(x.EndpointSlice, b.obj.(EndpointSlice).EndpointSlice)
	case Secret:
		return reflect.DeepEqual(x.Secret, b.obj.(Secret).Secret)
	case ConfigMap:
		return reflect.DeepEqual(x.ConfigMap, b.obj.(ConfigMap).ConfigMap)
	}
	return false
}
