package ingress

import (
	"testing"
	"testing/fstest"
)

func TestFileCacheDecodesOnlyChangedFiles(t *testing.T) {
	doc := func(name, host string) []byte {
		return []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name + ", namespace: default}\n" +
			"spec:\n  rules:\n    - host: " + host + "\n      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n")
	}
	fsys := fstest.MapFS{
		"a.yaml": {Data: doc("a", "a.example.com")},
		"b.yaml": {Data: doc("b", "b.example.com")},
	}
	var c FileCache
	first, err := c.ReadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	fsys["b.yaml"] = &fstest.MapFile{Data: doc("b", "b2.example.com")}
	second, err := c.ReadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Ingresses) != 2 {
		t.Fatalf("got %d Ingresses, want 2", len(second.Ingresses))
	}
	if second.Ingresses[0].Ingress != first.Ingresses[0].Ingress {
		t.Error("a.yaml did not change but was decoded again")
	}
	if second.Ingresses[1].Ingress == first.Ingresses[1].Ingress || second.Ingresses[1].Spec.Rules[0].Host != "b2.example.com" {
		t.Error("b.yaml changed but its old objects came back")
	}
	delete(fsys, "a.yaml")
	third, err := c.ReadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Ingresses) != 1 || c.Len() != 1 {
		t.Errorf("after deleting a.yaml: %d Ingresses, %d cached files; want 1 and 1", len(third.Ingresses), c.Len())
	}
	// A file that fails keeps failing from the cache, with the same error.
	fsys["bad.yaml"] = &fstest.MapFile{Data: []byte("kind: [")}
	if _, err := c.ReadFS(fsys, "."); err == nil {
		t.Fatal("a broken file read without error")
	}
	if _, err := c.ReadFS(fsys, "."); err == nil {
		t.Fatal("a broken file read from the cache without error")
	}
}
