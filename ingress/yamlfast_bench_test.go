package ingress

import (
	"bytes"
	"errors"
	"io"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// BenchmarkParse compares the fast parser with yaml.v3 on the decoding
// benchmark's input (1,000 Ingresses in one stream): parsing alone, to node
// trees, as parseDocuments needs them.
func BenchmarkParse(b *testing.B) {
	data := manyIngresses(1_000)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			p := newFastYAML(data)
			for {
				doc, ok := p.next()
				if !ok {
					b.Fatalf("declined: %s", p.why)
				}
				if doc == nil {
					break
				}
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var n yaml.Node
				err := dec.Decode(&n)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
