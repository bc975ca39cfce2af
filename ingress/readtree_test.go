package ingress

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// readTreeFS is a tree of manifests with every kind of problem a read
// meets: syntax errors, invalid and unknown objects, a file over the size
// limit, directories without manifests, and good files around them.
func readTreeFS() fstest.MapFS {
	fsys := fstest.MapFS{}
	ingress := func(name string) string {
		return fmt.Sprintf("---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: %s}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n", name)
	}
	for i := range 40 {
		var file strings.Builder
		for j := range 5 {
			file.WriteString(ingress(fmt.Sprintf("app-%d-%d", i, j)))
		}
		switch i % 8 {
		case 1: // a syntax error ends the file
			file.WriteString("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n")
		case 2: // decoding problems, with a line each
			file.WriteString("---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: typo}\nspec:\n  defaultBackend: {service: {name: web, port: {numbr: 80}}}\n  rulez: []\n")
		case 3: // a kind that is skipped with a warning, and a deprecated version
			file.WriteString("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
			file.WriteString("---\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: old}\nspec: {backend: {serviceName: web, servicePort: 80}}\n")
		case 4: // not an object
			file.WriteString("---\n- a\n- b\n")
		case 5: // over the size limit of the Decoder below
			file.WriteString("# " + strings.Repeat("x", 4000) + "\n")
		}
		fsys[fmt.Sprintf("m/d%d/f%02d.yaml", i%3, i)] = &fstest.MapFile{Data: []byte(file.String())}
	}
	fsys["m/d1/notes.txt"] = &fstest.MapFile{Data: []byte("not a manifest")}
	fsys["empty/readme.md"] = &fstest.MapFile{Data: []byte("nothing")}
	fsys["one.json"] = &fstest.MapFile{Data: []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}`)}
	return fsys
}

// TestConcurrentReadMatchesOneByOne checks that decoding files
// concurrently gives the very Set, warnings and errors, in the same order,
// that decoding them one at a time gives.
func TestConcurrentReadMatchesOneByOne(t *testing.T) {
	fsys := readTreeFS()
	d := &Decoder{MaxFileSize: 3000}
	roots := []string{"m/d2", "one.json", "missing", "empty", "m", "m/d0/f00.yaml"}
	wantSet, wantErr := d.readTree(fsys, roots, d.DecodeBytes, 1)
	var wantList ErrorList
	if !errors.As(wantErr, &wantList) {
		t.Fatalf("one-by-one read: error %v, want an ErrorList", wantErr)
	}
	// The tree is worth comparing only if a read of it meets every case.
	if len(wantSet.Ingresses) < 150 || len(wantSet.Warnings) < 10 || len(wantList) < 20 {
		t.Fatalf("one-by-one read: %d Ingresses, %d warnings, %d errors; the tree should give more",
			len(wantSet.Ingresses), len(wantSet.Warnings), len(wantList))
	}
	for _, want := range []string{"invalid YAML", "numbr", "larger than", "missing", "must be a YAML mapping"} {
		if !strings.Contains(wantErr.Error(), want) {
			t.Errorf("one-by-one read: no error mentions %q", want)
		}
	}
	for _, workers := range []int{2, 3, 8} {
		for range 5 {
			set, err := d.readTree(fsys, roots, d.DecodeBytes, workers)
			if !reflect.DeepEqual(set, wantSet) {
				t.Fatalf("%d workers: the Set differs from a one-by-one read", workers)
			}
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("%d workers: errors\n%v\nwant\n%v", workers, err, wantErr)
			}
		}
	}
}

// TestConcurrentReadRaisesDecodePanics checks that a panic while decoding
// a file reaches the caller, as it did when files were decoded on the
// caller's goroutine.
func TestConcurrentReadRaisesDecodePanics(t *testing.T) {
	fsys := readTreeFS()
	d := new(Decoder)
	decode := func(name string, data []byte) (*Set, error) {
		if name == "m/d1/f07.yaml" {
			panic("decoder bug")
		}
		return d.DecodeBytes(name, data)
	}
	for _, workers := range []int{1, 4} {
		func() {
			defer func() {
				if r := recover(); r != "decoder bug" {
					t.Errorf("%d workers: recovered %v, want the decoder's panic", workers, r)
				}
			}()
			_, _ = d.readTree(fsys, []string{"m"}, decode, workers)
		}()
	}
}

// TestFileCacheConcurrentReads checks that a FileCache gives the same
// result as a Decoder, and on a second read the very same objects.
func TestFileCacheConcurrentReads(t *testing.T) {
	fsys := readTreeFS()
	d := &Decoder{MaxFileSize: 3000}
	want, wantErr := d.ReadFS(fsys, "m")
	cache := &FileCache{Decoder: d}
	for round := range 2 {
		set, err := cache.ReadFS(fsys, "m")
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("round %d: errors\n%v\nwant\n%v", round, err, wantErr)
		}
		if len(set.Ingresses) != len(want.Ingresses) || !reflect.DeepEqual(set.Warnings, want.Warnings) {
			t.Fatalf("round %d: %d Ingresses and warnings %v, want %d and %v", round, len(set.Ingresses), set.Warnings, len(want.Ingresses), want.Warnings)
		}
		for i := range set.Ingresses {
			if set.Ingresses[i].Name != want.Ingresses[i].Name || set.Ingresses[i].Source != want.Ingresses[i].Source {
				t.Fatalf("round %d: Ingress %d is %s at %v, want %s at %v", round, i,
					set.Ingresses[i].Name, set.Ingresses[i].Source, want.Ingresses[i].Name, want.Ingresses[i].Source)
			}
		}
	}
	first, _ := cache.ReadFS(fsys, "m")
	second, _ := cache.ReadFS(fsys, "m")
	for i := range first.Ingresses {
		if first.Ingresses[i].Ingress != second.Ingresses[i].Ingress {
			t.Fatalf("Ingress %d was decoded again although its file did not change", i)
		}
	}
}
