package ingress

// A full load: Reset replaces every object of a Tracker at once. Validation
// and the entries' links and refs are worked out on every CPU, and the
// compile lays out the whole table once (see recompile).

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// Reset replaces every object with those of set, as LoadFiles does: set is
// validated (with Options.SkipInvalidIngresses, invalid Ingresses are left
// out with warnings) and compiled. On error the Tracker is unchanged.
func (t *Tracker) Reset(set *Set) (*Result, error) {
	p, err := t.prepareReset(set)
	if err != nil {
		return nil, err
	}
	p.Commit()
	return p.Result, nil
}

// prepareReset is Reset without the commit.
func (t *Tracker) prepareReset(set *Set) (*Pending, error) {
	skips, err := validateForTracker(set, t.opts)
	if err != nil {
		return nil, err
	}
	nt := newTracker(t.opts)
	nt.setWarnings = slices.Clone(set.Warnings)
	nt.putAll(set, skips)
	up, commit, err := nt.recompile(nil, nil, true)
	if err != nil {
		return nil, err
	}
	return &Pending{Result: up, t: t, commit: func() {
		commit()
		*t = *nt
	}}, nil
}

// putAll fills t, new and empty, with the objects of set in load order;
// skips are the warnings that leave Ingresses out, by name. The links and
// refs of the Ingresses, each its own, are worked out on every CPU while
// the entries go into t's maps.
func (t *Tracker) putAll(set *Set, skips map[string][]Warning) {
	objects := setObjects(set)
	entries := make([]*entry, len(objects))
	for i, n := range objects {
		t.seq++
		entries[i] = &entry{n: n, seq: t.seq}
	}
	for k, count := range countKinds(objects) {
		// Sized once: no growing over 10,000s of objects.
		t.objs[k] = make(map[string]*entry, count)
	}
	// put reads only what prepareIngress does not write (kind, key and
	// object), so both may work on the same entries at once.
	parallel.Both(func() {
		parallel.Chunks(len(entries), prepareChunk, 0, func(lo, hi int) {
			for _, e := range entries[lo:hi] {
				if e.n.kind != kindIngress {
					continue
				}
				var skip []Warning
				if skips != nil { // rendering every name to find none costs
					skip = skips[e.n.obj.(Ingress).Ref()]
				}
				t.prepareIngress(e, skip)
			}
		})
	}, func() {
		for _, e := range entries {
			t.put(e.n.kind, e.n.key, e)
		}
	})
}

// prepareChunk is how many entries one goroutine of putAll prepares at a
// time.
const prepareChunk = 256

// validateForTracker validates set as LoadFiles does and returns, per Ingress
// ref, the warnings that leave it out.
func validateForTracker(set *Set, opts Options) (map[string][]Warning, error) {
	err := set.Validate()
	if err == nil {
		return nil, nil
	}
	if !opts.SkipInvalidIngresses {
		return nil, err
	}
	warnings, fatal := skipInvalid(err.(ErrorList), map[string]bool{})
	if len(fatal) > 0 {
		return nil, fatal
	}
	byRef := map[string][]Warning{}
	for _, w := range warnings {
		byRef[w.Object] = append(byRef[w.Object], w)
	}
	return byRef, nil
}

// prepareIngress fills in what the Tracker derives from an Ingress entry.
// It reads only e and t's options, so entries may be prepared
// concurrently.
func (t *Tracker) prepareIngress(e *entry, skip []Warning) {
	e.skip = skip
	if skip == nil {
		ing := e.n.obj.(Ingress)
		e.links, e.refs = t.opts.links(ing), refs(ing)
	}
}

// setObjects lists the objects of set in load order, kind by kind, as
// normalize makes them.
func setObjects(set *Set) []normalized {
	out := make([]normalized, 0, set.Len())
	out = appendNormalized(out, kindIngressClass, set.IngressClasses)
	out = appendNormalized(out, kindService, set.Services)
	out = appendNormalized(out, kindEndpointSlice, set.EndpointSlices)
	out = appendNormalized(out, kindSecret, set.Secrets)
	out = appendNormalized(out, kindConfigMap, set.ConfigMaps)
	return appendNormalized(out, kindIngress, set.Ingresses)
}

// appendNormalized appends the objects of one kind to out.
func appendNormalized[T metav1.Object](out []normalized, k kind, objects []T) []normalized {
	for _, o := range objects {
		out = append(out, normalized{k, objectKey(o.GetNamespace(), o.GetName()), o})
	}
	return out
}

// countKinds counts the objects of each kind.
func countKinds(objects []normalized) [kindCount]int {
	var counts [kindCount]int
	for _, n := range objects {
		counts[n.kind]++
	}
	return counts
}
