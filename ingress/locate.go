package ingress

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// docRef remembers where an object's YAML lives so that a validation error
// found later can point at the line of the field, not only at the object.
// It keeps the file's bytes rather than the parsed node tree: bytes are
// several times smaller, and lines are only needed when something is wrong.
type docRef struct {
	data  []byte
	doc   int // 0-based document index in data
	item  int // index in a List's items; -1 when the document is the object
	start int // line where the object starts
}

// line returns the line of the field at fieldPath (as rendered by
// field.Path.String), or of its nearest ancestor present in the YAML, or the
// object's first line.
func (d *docRef) line(fieldPath string) int {
	if d == nil {
		return 0
	}
	root := d.root()
	if root == nil {
		return d.start
	}
	n := root
	for _, step := range splitFieldPath(fieldPath) {
		next := childNode(n, step)
		if next == nil {
			break
		}
		n = next
	}
	return n.Line
}

// root re-parses the document and returns the object's node.
func (d *docRef) root() *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(d.data))
	var n yaml.Node
	for i := 0; i <= d.doc; i++ {
		n = yaml.Node{}
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return nil
		}
	}
	root := &n
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if d.item >= 0 {
		items := childNode(root, "items")
		if items == nil {
			return nil
		}
		return childNode(items, strconv.Itoa(d.item))
	}
	return root
}

// childNode steps into a mapping by key or a sequence by index.
func childNode(n *yaml.Node, step string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == step {
				// Point at the key: that is the line a user looks for.
				if v := n.Content[i+1]; v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode {
					return &yaml.Node{Kind: v.Kind, Content: v.Content, Line: n.Content[i].Line}
				}
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(step); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// splitFieldPath splits "spec.rules[0].http.paths[1]" and
// "metadata.annotations[a.b/c]" into their steps.
func splitFieldPath(p string) []string {
	var steps []string
	for p != "" {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(steps, p[1:])
			}
			steps = append(steps, p[1:end])
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				return append(steps, p)
			}
			steps = append(steps, p[:end])
			p = p[end:]
		}
	}
	return steps
}
