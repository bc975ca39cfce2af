package ingress

import (
	"strconv"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// A lineIndex holds the line of every key and list item of one object, as
// the converter met them while decoding, so that a warning or validation
// error found later can name the line of its field without parsing the
// document again. Re-parsing was a sixth of a load's CPU when every Ingress
// warns (a Service not loaded, say). The index is flat and keeps no node
// tree: 16 bytes per key or item, plus the key's text, which is kept once
// per object in one string (docRef.lineKeys) so that the index holds no
// pointers: the garbage collector never scans it, and it keeps none of the
// parser's strings alive.
//
// Entries are in the order of a depth-first walk, so the children of an
// entry follow it, and the first entry after them whose parent comes
// before it ends its subtree.
type lineIndex []lineEntry

// lineEntry is one mapping key or list item.
type lineEntry struct {
	line   int32 // the line a user looks for: see childNode
	parent int32 // 1 + the index of the parent entry; 0 for the object itself
	// ref is, for a list item, its position in the list; for a mapping
	// key, where the key starts in the object's key text.
	ref    int32
	keyLen int32 // the length of the key; -1 for a list item
}

// detached is the parent of entries that are not recorded: the values of
// merge keys (<<), which a lookup by key does not find either.
const detached = -1

// enter records a child of the current entry and makes it current; leave
// goes back to the parent.
func (c *converter) enter(key string, item int, line int) (parent int32) {
	parent = c.at
	if parent == detached {
		return parent
	}
	e := lineEntry{line: int32(line), parent: parent, ref: int32(item), keyLen: -1}
	if item < 0 {
		e.ref, e.keyLen = int32(len(c.lineKeys)), int32(len(key))
		c.lineKeys = append(c.lineKeys, key...)
	}
	c.lines = append(c.lines, e)
	c.at = int32(len(c.lines))
	return parent
}

// An entry that ends up with no children and on the line of its parent
// entry is dropped: a lookup that does not find it stops at the parent,
// on the same line. That is every key and item of a one-line flow
// collection (backend: {service: {name: web, port: {number: 80}}} keeps
// only backend), and the first key of a block list item (path in
// "- path: /"), a third to a half of the entries of a manifest.
func (c *converter) leave(parent int32) {
	at := c.at
	c.at = parent
	if at <= 0 || parent <= 0 || int(at) != len(c.lines) {
		return // detached, at the object's top, or it has children
	}
	e := c.lines[at-1]
	if e.line != c.lines[parent-1].line {
		return
	}
	c.lines = c.lines[:at-1]
	if e.keyLen >= 0 {
		c.lineKeys = c.lineKeys[:e.ref]
	}
}

// detach makes what follows unrecorded until leave.
func (c *converter) detach() (parent int32) {
	parent, c.at = c.at, detached
	return parent
}

// keyLine is the line recorded for a mapping key whose value is val: the
// key's own line for a nested mapping or list (the line a user looks for),
// else the value's, as childNode does.
func keyLine(key, val *yaml.Node) int {
	if val.Kind == yaml.MappingNode || val.Kind == yaml.SequenceNode {
		return key.Line
	}
	return val.Line
}

// setLines keeps the lines the converter c recorded for the object of d.
// The document's bytes are then no longer needed to locate its fields.
func (d *docRef) setLines(c *converter) {
	d.lines = c.arena.keepLines(c.lines)
	d.lineKeys = c.arena.cloneBytes(c.lineKeys)
	d.text = nil
}

// convScratch holds a converter's growing buffers between objects: the
// line list (copied out at its exact size by setLines), the JSON text
// (dead once decoded) and the path stack, so that a load does not grow
// them from nothing for every object.
type convScratch struct {
	lines    lineIndex
	lineKeys []byte
	out      []byte
	steps    []pathStep
}

var convScratchPool = sync.Pool{New: func() any { return new(convScratch) }}

// takeScratch gives c the buffers of a scratch; give them back with
// putScratch once c's JSON text and lines have been used.
func (c *converter) takeScratch() *convScratch {
	s := convScratchPool.Get().(*convScratch)
	c.lines, c.lineKeys, c.out, c.steps = s.lines[:0], s.lineKeys[:0], s.out[:0], s.steps[:0]
	return s
}

// putScratch returns c's buffers, grown or not, to the pool, except an
// outlier's, which would hold its memory for ever.
func (c *converter) putScratch(s *convScratch) {
	s.lines, s.lineKeys, s.out, s.steps = nil, nil, nil, c.steps[:0]
	if cap(c.lines) <= 1<<16 && cap(c.lineKeys) <= 1<<20 {
		s.lines, s.lineKeys = c.lines[:0], c.lineKeys[:0]
	}
	if cap(c.out) <= 1<<20 {
		s.out = c.out[:0]
	}
	convScratchPool.Put(s)
	c.lines, c.lineKeys, c.out, c.steps = nil, nil, nil, nil
}

// lookup returns the line of the field at fieldPath (as rendered by
// field.Path.String), or of its nearest ancestor present, or start for the
// object itself; keys is the object's key text. It walks the path's steps
// in place: it runs for every warning of every object, so it allocates
// nothing.
func (x lineIndex) lookup(keys, fieldPath string, start int) int {
	line := start
	at := int32(0) // the current entry, as its children's parent field
	for step, rest, ok := nextStep(fieldPath); ok; step, rest, ok = nextStep(rest) {
		child := x.child(keys, at, step)
		if child < 0 {
			break
		}
		line = int(x[child].line)
		at = int32(child + 1)
	}
	return line
}

// child finds the child of the entry at (0 for the object) named step: a
// key, or a list position in decimal.
func (x lineIndex) child(keys string, at int32, step string) int {
	item := -1
	// Most steps are keys: strconv.Atoi would allocate an error for each.
	if step != "" && (isDigit(step[0]) || step[0] == '+' || step[0] == '-') {
		if i, err := strconv.Atoi(step); err == nil && i >= 0 {
			item = i
		}
	}
	for i := int(at); i < len(x); i++ {
		e := &x[i]
		if e.parent < at {
			break // past the subtree of at
		}
		if e.parent != at {
			continue
		}
		if e.keyLen < 0 {
			if int(e.ref) == item {
				return i
			}
		} else if keys[e.ref:e.ref+e.keyLen] == step {
			return i
		}
	}
	return -1
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
