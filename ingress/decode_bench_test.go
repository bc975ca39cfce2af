package ingress

import (
	"fmt"
	"testing"
)

// BenchmarkDecode measures decoding alone (YAML to typed, strict-checked
// objects) of 1,000 and 10,000 Ingresses of three paths each in one
// stream, as DecodeBytes reads a file.
func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data := manyIngresses(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				set, err := DecodeBytes("bench.yaml", data)
				if err != nil {
					b.Fatal(err)
				}
				if len(set.Ingresses) != n {
					b.Fatalf("decoded %d Ingresses, want %d", len(set.Ingresses), n)
				}
			}
		})
	}
}
