package ingress

import (
	"fmt"
	"slices"
	"testing"
)

// TestSetGrowMakesRoomForAdd checks that adding sets after grow gives
// what adding them to an empty set gives, and that grow leaves kinds
// without objects nil.
func TestSetGrowMakesRoomForAdd(t *testing.T) {
	var parts []*Set
	for i := range 5 {
		set, err := DecodeBytes(fmt.Sprintf("f%d.yaml", i), manyIngresses(3+i))
		if err != nil {
			t.Fatal(err)
		}
		set.Warnings = append(set.Warnings, Warning{Message: fmt.Sprint(i)})
		set.Services = append(set.Services, Service{})
		parts = append(parts, set)
	}
	var want Set
	for _, p := range parts {
		want.Add(p)
	}
	var got Set
	got.grow(slices.Values(parts))
	for _, p := range parts {
		got.Add(p)
	}
	if len(got.Ingresses) != len(want.Ingresses) || len(got.Warnings) != len(want.Warnings) {
		t.Fatalf("%d Ingresses, %d warnings; want %d, %d", len(got.Ingresses), len(got.Warnings), len(want.Ingresses), len(want.Warnings))
	}
	for i := range got.Ingresses {
		if got.Ingresses[i].Ingress != want.Ingresses[i].Ingress {
			t.Fatalf("Ingress %d out of order", i)
		}
	}
	if got.Secrets != nil || got.ConfigMaps != nil || got.IngressClasses != nil || got.EndpointSlices != nil {
		t.Error("grow made slices for kinds without objects")
	}
}
