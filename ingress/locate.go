package ingress

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// docRef remembers where an object's YAML lives so that a validation error
// found later can point at the line of the field, not only at the object.
// It keeps the document's bytes rather than the parsed node tree: bytes are
// several times smaller, and lines are only needed when something is wrong.
// Only the document's own bytes are re-parsed, so locating a field costs
// the same in a file of one Ingress and in a file of ten thousand.
type docRef struct {
	// lines, when not nil, locates fields without the document's bytes;
	// see lineIndex. Decoding records it; text is the fallback.
	lines    lineIndex
	lineKeys string // the text of the keys of lines
	text     *docText
	item     int // index in a List's items; -1 when the document is the object
	start    int // line where the object starts
	// shadow lists the field paths that decoding left out of the object
	// because of a problem already reported; see Set.Validate.
	shadow []string
}

// docText is one YAML document's bytes and the file line they start on. It
// is filled in once the whole file has been read, when the document's end
// is known.
type docText struct {
	data      []byte
	firstLine int

	// The document is re-parsed once, on the first line lookup, and kept
	// for the others: an object with one error per path would otherwise
	// re-parse its document once per error, a cost that grows with the
	// square of its size (two minutes for 2,000 bad paths). The tree lives
	// as long as the Set.
	once   sync.Once
	parsed *yaml.Node
}

// line returns the line of the field at fieldPath (as rendered by
// field.Path.String), or of its nearest ancestor present in the YAML, or the
// object's first line.
func (d *docRef) line(fieldPath string) int {
	if d == nil {
		return 0
	}
	if d.lines != nil {
		return d.lines.lookup(d.lineKeys, fieldPath, d.start)
	}
	root := d.root()
	if root == nil {
		return d.start
	}
	return d.text.firstLine - 1 + nodeAt(root, fieldPath).Line
}

// nodeAt returns the node of the field at fieldPath under root, or of its
// nearest ancestor present.
func nodeAt(root *yaml.Node, fieldPath string) *yaml.Node {
	n := root
	for _, step := range splitFieldPath(fieldPath) {
		next := childNode(n, step)
		if next == nil {
			break
		}
		n = next
	}
	return n
}

// root returns the object's node in the re-parsed document.
func (d *docRef) root() *yaml.Node {
	if d.text == nil || d.text.data == nil {
		return nil
	}
	d.text.once.Do(func() {
		var n yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(d.text.data)).Decode(&n); err != nil {
			return
		}
		d.text.parsed = &n
		if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			d.text.parsed = n.Content[0]
		}
	})
	root := d.text.parsed
	if root == nil {
		return nil
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

// sliceDocuments gives each document its bytes: from its first line up to
// the first line of the next document. starts holds the documents' first
// lines in order.
func sliceDocuments(data []byte, docs []*docText) {
	lineStart := 0 // byte offset of the current line
	line := 1
	offsets := make([]int, len(docs))
	for i, d := range docs {
		for line < d.firstLine && lineStart < len(data) {
			next := bytes.IndexByte(data[lineStart:], '\n')
			if next < 0 {
				lineStart = len(data)
				break
			}
			lineStart += next + 1
			line++
		}
		offsets[i] = lineStart
	}
	for i, d := range docs {
		end := len(data)
		if i+1 < len(docs) {
			end = offsets[i+1]
		}
		d.data = data[offsets[i]:max(end, offsets[i])]
	}
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
	for step, rest, ok := nextStep(p); ok; step, rest, ok = nextStep(rest) {
		steps = append(steps, step)
	}
	return steps
}

// nextStep splits the first step off a field path: a key after a dot, or
// what is in brackets (a list position or a map key); ok is false when no
// step is left.
func nextStep(p string) (step, rest string, ok bool) {
	for p != "" && p[0] == '.' {
		p = p[1:]
	}
	if p == "" {
		return "", "", false
	}
	if p[0] == '[' {
		end := strings.IndexByte(p, ']')
		if end < 0 {
			return p[1:], "", true
		}
		return p[1:end], p[end+1:], true
	}
	end := strings.IndexAny(p, ".[")
	if end < 0 {
		return p, "", true
	}
	return p[:end], p[end:], true
}
