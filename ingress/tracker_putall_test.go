package ingress

import (
	"slices"
	"testing"
)

// TestPutAllPreparesEveryIngress checks the entries of a full load, whose
// links and refs are worked out on several goroutines: every object is
// kept under its key, in load order, and each Ingress has the links and
// refs of its own (or, when skipped, its warnings and none), however the
// work fell into chunks.
func TestPutAllPreparesEveryIngress(t *testing.T) {
	set, err := DecodeBytes("many.yaml", manyIngresses(3*prepareChunk+7))
	if err != nil {
		t.Fatal(err)
	}
	skipped := set.Ingresses[prepareChunk+1]
	skips := map[string][]Warning{skipped.Ref(): {{Object: skipped.Ref(), Message: "left out"}}}
	tr := newTracker(Options{})
	tr.putAll(set, skips)
	if len(tr.objs[kindIngress]) != len(set.Ingresses) {
		t.Fatalf("%d Ingresses kept, want %d", len(tr.objs[kindIngress]), len(set.Ingresses))
	}
	for i, ing := range set.Ingresses {
		e := tr.objs[kindIngress][objectKey(ing.Namespace, ing.Name)]
		if e == nil || e.seq != i+1 {
			t.Fatalf("Ingress %d: entry %+v, want seq %d", i, e, i+1)
		}
		if ing.Name == skipped.Name && ing.Namespace == skipped.Namespace {
			if e.skip == nil || e.links != nil || e.refs != nil {
				t.Errorf("skipped Ingress: skip %v, links %q, refs %q", e.skip, e.links, e.refs)
			}
			continue
		}
		if want := tr.opts.links(ing); e.skip != nil || !slices.Equal(e.links, want) {
			t.Errorf("Ingress %d: skip %v, links %q, want %q", i, e.skip, e.links, want)
		}
		if want := refs(ing); !slices.Equal(e.refs, want) {
			t.Errorf("Ingress %d: refs %q, want %q", i, e.refs, want)
		}
	}
}
