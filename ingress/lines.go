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
// tree: about 30 bytes per key.
//
// Entries are in the order of a depth-first walk, so the children of an
// entry follow it, and the first entry after them whose parent comes
// before it ends its subtree.
type lineIndex []lineEntry

// lineEntry is one mapping key or list item.
type lineEntry struct {
	key    string // the mapping key; "" for a list item
	line   int32  // the line a user looks for: see childNode
	parent int32  // 1 + the index of the parent entry; 0 for the object itself
	item   int32  // the position in its list; -1 for a mapping key
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
	c.lines = append(c.lines, lineEntry{key: key, line: int32(line), parent: parent, item: int32(item)})
	c.at = int32(len(c.lines))
	return parent
}

func (c *converter) leave(parent int32) { c.at = parent }

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

// setLines keeps the lines the converter recorded for the object of d. The
// document's bytes are then no longer needed to locate its fields.
func (d *docRef) setLines(lines lineIndex) {
	d.lines = append(make(lineIndex, 0, len(lines)), lines...)
	d.text = nil
}

// lineScratch holds the converters' growing line lists between objects:
// an object's list is copied out at its exact size (setLines), so the
// scratch can serve the next object, and a load does not grow a list from
// nothing for every object.
var lineScratch = sync.Pool{New: func() any { return new(lineIndex) }}

// takeLines gives c a scratch list; give it back with putLines.
func (c *converter) takeLines() *lineIndex {
	p := lineScratch.Get().(*lineIndex)
	c.lines = (*p)[:0]
	return p
}

// putLines returns c's list, grown or not, to the scratch pool.
func (c *converter) putLines(p *lineIndex) {
	if cap(c.lines) <= 1<<16 { // not an outlier's memory for ever
		*p = c.lines[:0]
		lineScratch.Put(p)
	}
	c.lines = nil
}

// lookup returns the line of the field at steps (from splitFieldPath), or of
// its nearest ancestor present, or start for the object itself.
func (x lineIndex) lookup(steps []string, start int) int {
	line := start
	at := int32(0) // the current entry, as its children's parent field
	for _, step := range steps {
		child := x.child(at, step)
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
func (x lineIndex) child(at int32, step string) int {
	item := -1
	if i, err := strconv.Atoi(step); err == nil && i >= 0 {
		item = i
	}
	for i := int(at); i < len(x); i++ {
		e := &x[i]
		if e.parent < at {
			break // past the subtree of at
		}
		if e.parent != at {
			continue
		}
		if (e.item < 0 && e.key == step) || (e.item >= 0 && int(e.item) == item) {
			return i
		}
	}
	return -1
}
