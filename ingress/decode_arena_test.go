package ingress

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
)

// TestArenaValuesAreTheirOwn decodes enough objects, with values short and
// long, that the shared string and line chunks fill up and new ones start,
// and checks that every value and every line lookup is the one of its own
// object, that the objects equal encoding/json's, and that overwriting the
// input afterwards changes none of them.
func TestArenaValuesAreTheirOwn(t *testing.T) {
	long := strings.Repeat("x", arenaStrMax+1)
	var stream strings.Builder
	const n = 300 // several string chunks of arenaStrChunk bytes
	for i := range n {
		value := fmt.Sprintf("value-%d", i)
		if i%7 == 0 {
			value = long + fmt.Sprint(i)
		}
		fmt.Fprintf(&stream, `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-%d
  annotations: {note: %q, other-%d: "%d"}
spec:
  rules:
    - host: h%d.example.com
      http:
        paths:
          - {path: /p%d, pathType: Prefix, backend: {service: {name: svc-%d, port: {number: 80}}}}
`, i, value, i, i, i, i, i)
	}
	data := []byte(stream.String())
	jsonOnly.Store(true)
	want, err := DecodeBytes("arena.yaml", data)
	jsonOnly.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBytes("arena.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = '#'
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("objects decoded with shared chunks differ from encoding/json's")
	}
	if len(got.Ingresses) != n {
		t.Fatalf("decoded %d Ingresses, want %d", len(got.Ingresses), n)
	}
	for i, ing := range got.Ingresses {
		value := fmt.Sprintf("value-%d", i)
		if i%7 == 0 {
			value = long + fmt.Sprint(i)
		}
		if ing.Name != fmt.Sprintf("web-%d", i) || ing.Annotations["note"] != value || ing.Annotations[fmt.Sprintf("other-%d", i)] != fmt.Sprint(i) {
			t.Fatalf("Ingress %d: name %q, annotations %v", i, ing.Name, ing.Annotations)
		}
		if got := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name; got != fmt.Sprintf("svc-%d", i) {
			t.Fatalf("Ingress %d: service %q", i, got)
		}
		// Each object is 12 lines, the first its "---".
		first := 12*i + 2
		if line := ing.doc.line("spec.rules[0].http.paths[0].backend"); line != first+10 {
			t.Fatalf("Ingress %d: backend on line %d, want %d", i, line, first+10)
		}
		if line := ing.doc.line("metadata.annotations[note]"); line != first+4 {
			t.Fatalf("Ingress %d: annotation on line %d, want %d", i, line, first+4)
		}
	}
}

// TestArenaLines checks that an object without keys still has a line
// index, and that one object's lines do not share room with the next's.
func TestArenaLines(t *testing.T) {
	a := new(decodeArena)
	if x := a.keepLines(nil); x == nil {
		t.Error("an empty line index is nil: the object would be located by re-parsing")
	}
	x := a.keepLines(lineIndex{{line: 1}})
	y := a.keepLines(lineIndex{{line: 2}})
	if grown := append(x, lineEntry{line: 9}); y[0].line != 2 || grown[0].line != 1 {
		t.Error("appending to one object's lines wrote over the next object's")
	}
}

// TestArenaValues checks the values pointer fields are given: zero, of
// the type asked, each its own (past the end of a chunk too).
func TestArenaValues(t *testing.T) {
	a := new(decodeArena)
	typ := reflect.TypeFor[networkingv1.IngressServiceBackend]()
	var taken []*networkingv1.IngressServiceBackend
	for i := range 3*arenaValueChunk + 1 {
		v := a.newValue(typ)
		p, ok := v.Interface().(*networkingv1.IngressServiceBackend)
		if !ok || *p != (networkingv1.IngressServiceBackend{}) {
			t.Fatalf("value %d: %#v, want a pointer to a zero IngressServiceBackend", i, v.Interface())
		}
		p.Name = fmt.Sprint(i)
		taken = append(taken, p)
		if s := a.newValue(reflect.TypeFor[string]()).Interface().(*string); *s != "" {
			t.Fatalf("string value %d is %q", i, *s)
		}
	}
	for i, p := range taken {
		if p.Name != fmt.Sprint(i) {
			t.Fatalf("value %d was written over: %q", i, p.Name)
		}
	}
}

// TestArenaKeepsNoNeighbourAlive: a reload keeps the changed object of an
// edited file and drops the others it decoded, so the memory of one
// document's object must not keep another document's alive. The first
// Ingress's first pointer value starts its chunk; once only the second
// Ingress is kept, that chunk must be collected.
func TestArenaKeepsNoNeighbourAlive(t *testing.T) {
	doc := func(i int) string {
		return fmt.Sprintf(`---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web-%d, namespace: default}
spec:
  rules:
    - host: h%d.example.com
      http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}
          - {path: /b, pathType: Exact, backend: {service: {name: svc, port: {number: 80}}}}
`, i, i)
	}
	// dropsNeighbour decodes doc(1) and doc(2) and checks that keeping
	// the Ingress of document keep lets the other's values go.
	dropsNeighbour := func(t *testing.T, decode func() *Set, keep int) {
		t.Helper()
		set := decode()
		collected := make(chan struct{})
		other := set.Ingresses[1-keep].Spec.Rules[0].HTTP.Paths[0].PathType
		runtime.AddCleanup(other, func(ch chan struct{}) { close(ch) }, collected)
		kept := set.Ingresses[keep]
		set, other = nil, nil
		for range 50 {
			runtime.GC()
			select {
			case <-collected:
				runtime.KeepAlive(kept)
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		runtime.KeepAlive(kept)
		t.Fatalf("the values of document %d are still alive while only document %d's Ingress is kept", 2-keep, keep+1)
	}
	t.Run("DecodeBytes", func(t *testing.T) {
		dropsNeighbour(t, func() *Set {
			set, err := DecodeBytes("two.yaml", []byte(doc(1)+doc(2)))
			if err != nil {
				t.Fatal(err)
			}
			return set
		}, 1)
	})
	t.Run("FileCache, a file read again", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "two.yaml")
		cache := &FileCache{}
		read := func(text string) *Set {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			set, err := cache.ReadFiles(path)
			if err != nil {
				t.Fatal(err)
			}
			return set
		}
		read(doc(1) + doc(2))
		dropsNeighbour(t, func() *Set {
			set := read(doc(3) + doc(2)) // the first document edited
			cache = nil                  // what Tracker.Sync keeps: the edited Ingress
			return set
		}, 0)
	})
}
