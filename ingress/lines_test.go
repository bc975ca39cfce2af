package ingress

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestLineIndexMatchesTree checks that the lines recorded while decoding
// locate every field of every object in the test corpora (lists, anchors,
// merge keys, flow style, real manifests) at the line a walk of the parsed
// node tree gives, which is how fields were located before.
func TestLineIndexMatchesTree(t *testing.T) {
	var files []string
	for _, dir := range []string{"testdata/valid", "testdata/invalid", "testdata/realworld"} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	if len(files) < 100 {
		t.Fatalf("found %d corpus files; the test needs the corpora", len(files))
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := DecodeBytes(file, data)
		docs := parseEach(data)
		for _, obj := range corpusObjects(set) {
			if obj.doc == nil || obj.doc.lines == nil {
				t.Errorf("%s: %s has no line index", file, obj.name)
				continue
			}
			if obj.src.Doc < 1 || obj.src.Doc > len(docs) {
				continue
			}
			root := objectNode(docs[obj.src.Doc-1], obj.src.Line)
			if root == nil {
				t.Errorf("%s: no node on line %d for %s", file, obj.src.Line, obj.name)
				continue
			}
			eachField(root, "", 0, func(path string, want int) {
				checked++
				if got := obj.doc.line(path); got != want {
					t.Errorf("%s: %s field %s: line %d, the node tree says %d", file, obj.name, path, got, want)
				}
			})
			// A field that is not there is located at its nearest ancestor.
			if got, want := obj.doc.line("spec.noSuchField.deeper"), nodeAt(root, "spec").Line; got != want {
				t.Errorf("%s: %s missing field: line %d, want %d (spec's)", file, obj.name, got, want)
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("checked %d fields; the corpus should give thousands", checked)
	}
}

type corpusObject struct {
	name string
	src  Source
	doc  *docRef
}

func corpusObjects(set *Set) []corpusObject {
	var out []corpusObject
	for _, o := range set.Ingresses {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	for _, o := range set.IngressClasses {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	for _, o := range set.Services {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	for _, o := range set.Secrets {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	for _, o := range set.ConfigMaps {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	for _, o := range set.EndpointSlices {
		out = append(out, corpusObject{o.Ref(), o.Source, o.doc})
	}
	return out
}

// parseEach parses every document of data, up to a syntax error.
func parseEach(data []byte) []*yaml.Node {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) || err != nil {
			return docs
		}
		docs = append(docs, &n)
	}
}

// objectNode is the object of a document that starts on line: the
// document's root, or the item of its list on that line.
func objectNode(doc *yaml.Node, line int) *yaml.Node {
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Line == line {
		return root
	}
	if items := childNode(root, "items"); items != nil {
		for _, item := range items.Content {
			if item.Line == line {
				return item
			}
		}
	}
	return nil
}

// eachField calls fn with the path and line of every key and list item
// under n, as childNode finds them.
func eachField(n *yaml.Node, path string, depth int, fn func(string, int)) {
	if depth > 20 {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if n.Content[i].Kind != yaml.ScalarNode || key == "<<" || strings.ContainsAny(key, "[]") || seen[key] {
				continue // merge keys are not followed; a duplicate is an error
			}
			seen[key] = true
			p := path + "." + key
			if path == "" {
				p = key
			}
			if strings.ContainsAny(key, "./") {
				p = path + "[" + key + "]"
			}
			child := childNode(n, key)
			fn(p, child.Line)
			eachField(n.Content[i+1], p, depth+1, fn)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			fn(p, item.Line)
			eachField(item, p, depth+1, fn)
		}
	}
}

// TestLineIndexDropsSameLineLeaves checks that fields the index keeps no
// entry for (a key or item with no children, on its parent's line), and
// fields that are missing, are located on the right line.
func TestLineIndexDropsSameLineLeaves(t *testing.T) {
	doc := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, labels: {a: b}}
spec:
  rules:
    - host: a.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {number: 80}}}
          - backend:
              service: {name: api, port: {name: http}}
            path: /api
`
	set, err := DecodeBytes("lines.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ref := set.Ingresses[0].doc
	for path, line := range map[string]int{
		"metadata.name":                    3,
		"metadata.labels[a]":               3,
		"spec.rules[0].host":               6,
		"spec.rules[0].http.paths[0].path": 9,
		"spec.rules[0].http.paths[0].backend.service.port.number": 11,
		"spec.rules[0].http.paths[1].backend":                     12,
		"spec.rules[0].http.paths[1].backend.service.port.name":   13,
		"spec.rules[0].http.paths[1].backend.service.missing":     13,
		"spec.rules[0].http.paths[1].path":                        14,
		"spec.rules[0].http.paths[2]":                             8,
	} {
		if got := ref.line(path); got != line {
			t.Errorf("%s: line %d, want %d", path, got, line)
		}
	}
}
