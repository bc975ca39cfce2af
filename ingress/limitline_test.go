package ingress

import "testing"

// TestLimitLineSameWhenStoringStops: an object that cannot be stored
// directly is walked a second time, writing JSON; a limit such as the
// alias bomb's must be reported where the full walk meets it, not where a
// first walk that skipped values did.
func TestLimitLineSameWhenStoringStops(t *testing.T) {
	anchors := aliasAnchors()
	for _, tt := range []struct{ name, doc string }{
		{"bomb as a value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  creationTimestamp: 2020-01-01T00:00:00Z\n" + anchors + "data:\n  k: *a12\n"},
		{"bomb as a key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  creationTimestamp: 2020-01-01T00:00:00Z\n" + anchors + "data:\n  ? *a3\n  : v\n  ? *a12\n  : w\n"},
		{"bomb as a value, then as a key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  creationTimestamp: 2020-01-01T00:00:00Z\n" + anchors + "data:\n  k: *a12\n  ? *a12\n  : w\n"},
		{"bomb after a misspelt field, then as a key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  nmae: x\n" + anchors + "data:\n  k: *a12\n  ? *a12\n  : w\n"},
		{"bomb after a misspelt field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  nmae: x\n" + anchors + "data:\n  ? *a12\n  : w\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jsonOnly.Store(true)
			_, want := DecodeBytes("bomb.yaml", []byte(tt.doc))
			jsonOnly.Store(false)
			_, got := DecodeBytes("bomb.yaml", []byte(tt.doc))
			if want == nil || got == nil {
				t.Fatalf("errors: one walk %v, two walks %v; want both to fail", want, got)
			}
			if got.Error() != want.Error() {
				t.Errorf("two walks report\n%v\none walk reports\n%v", got, want)
			}
		})
	}
}
