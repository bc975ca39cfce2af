package ingress

import "testing"

// BenchmarkPrepareEntries measures what a full load (Tracker.Reset) does
// between validating and compiling: an entry per object, with the links
// and refs of every Ingress, for 10,000 Ingresses.
func BenchmarkPrepareEntries(b *testing.B) {
	set, err := DecodeBytes("bench.yaml", manyIngresses(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		t := newTracker(Options{})
		t.putAll(set, nil)
		if len(t.objs[kindIngress]) != 10_000 {
			b.Fatalf("%d Ingresses kept, want 10000", len(t.objs[kindIngress]))
		}
	}
}
