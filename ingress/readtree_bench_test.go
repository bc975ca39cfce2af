package ingress

import (
	"bytes"
	"fmt"
	"testing"
	"testing/fstest"
)

// BenchmarkReadFS reads 10,000 Ingresses in 100 files, as a directory of
// manifests is loaded, decoding one file at a time and then as many at
// once as there are processors.
func BenchmarkReadFS(b *testing.B) {
	docs := bytes.SplitAfter(manyIngresses(10_000), []byte("\n---"))
	fsys := fstest.MapFS{}
	for f := range 100 {
		var file []byte
		for _, doc := range docs[f*100 : (f+1)*100] {
			file = append(file, doc...)
		}
		fsys[fmt.Sprintf("manifests/f%03d.yaml", f)] = &fstest.MapFile{Data: file}
	}
	for _, run := range []struct {
		name    string
		workers int
	}{{"one-at-a-time", 1}, {"concurrent", decodeWorkers()}} {
		b.Run(run.name, func(b *testing.B) {
			d := new(Decoder)
			b.ReportAllocs()
			for b.Loop() {
				set, err := d.readTree(fsys, []string{"manifests"}, d.DecodeBytes, run.workers)
				if err != nil {
					b.Fatal(err)
				}
				if len(set.Ingresses) != 10_000 {
					b.Fatalf("read %d Ingresses", len(set.Ingresses))
				}
			}
		})
	}
}
