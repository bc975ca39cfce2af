package ingress

import (
	"fmt"
	"slices"
	"testing"
)

// TestSetGrowMakesRoomForAdd checks that after grow, adding the sets
// appends in place (no slice is copied again) and gives what adding them
// to an empty set gives, and that grow leaves kinds without objects nil.
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
	capacity := [3]int{cap(got.Ingresses), cap(got.Warnings), cap(got.Services)}
	if capacity[0] < len(want.Ingresses) || capacity[1] < len(want.Warnings) || capacity[2] < len(want.Services) {
		t.Errorf("grew to %v, want room for %d Ingresses, %d warnings, %d Services", capacity, len(want.Ingresses), len(want.Warnings), len(want.Services))
	}
	for _, p := range parts {
		got.Add(p)
	}
	if after := [3]int{cap(got.Ingresses), cap(got.Warnings), cap(got.Services)}; after != capacity {
		t.Errorf("capacity %v after adding, %v before: adding copied the slices again", after, capacity)
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
