package ingress

import (
	"reflect"
	"strings"
)

// A decodeArena holds the strings, line indexes and pointed-to values of
// decoded objects in chunks, instead of one allocation each: a dozen
// strings, a line index and the pointer fields of an Ingress were most of
// the allocations of decoding it. A chunk lives as long as any object in
// it, so an arena serves objects that are kept and dropped together: one
// document's, or, on a FileCache's first read of a file, the whole
// file's. A reload of an edited file keeps only its changed objects
// (Tracker.Sync keeps the unchanged ones it has), and a chunk shared with
// the objects dropped would keep their memory alive for as long as a
// changed one lives; so a file read again gets an arena per document.
// Chunks start small and double up to a few kilobytes, so that a
// one-object document wastes little. String and line chunks hold no
// pointers: the garbage collector never scans them.
type decodeArena struct {
	strs  strings.Builder // the current string chunk
	lines lineIndex       // the current line chunk; entries past len are free
	// values are the chunks that pointer fields point into, one per
	// type, found by a look through them: a document has a few types.
	values      []valueChunk
	firstValues [6]valueChunk // values' first array, with the arena
}

// valueChunk is an array of values of type t; those before used are
// taken.
type valueChunk struct {
	t     reflect.Type
	array reflect.Value // a slice of t
	used  int
}

// Chunk sizes (the first and the largest), and the largest value put in a
// chunk: a bigger one gets its own allocation, so that one long value does
// not waste a chunk's rest.
const (
	arenaStrFirst  = 256
	arenaStrChunk  = 4 << 10
	arenaStrMax    = arenaStrChunk / 4
	arenaLineFirst = 16
	arenaLineChunk = 256
	arenaLineMax   = arenaLineChunk / 4
	// A pointer field's value is a few dozen bytes (a PathType, an
	// IngressServiceBackend); an Ingress has three to ten of them.
	arenaValueFirst = 1
	arenaValueChunk = 32
)

// nextChunk is the size of an arena's next chunk after one of size last:
// double, from first up to most, and at least need.
func nextChunk(last, first, most, need int) int {
	return max(min(max(2*last, first), most), need)
}

// clone returns a copy of s that shares no memory with the input.
func (a *decodeArena) clone(s string) string {
	if len(s) == 0 {
		return ""
	}
	if !a.room(len(s)) {
		return strings.Clone(s)
	}
	start := a.strs.Len()
	a.strs.WriteString(s)
	return a.strs.String()[start:]
}

// cloneBytes is clone for bytes.
func (a *decodeArena) cloneBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !a.room(len(b)) {
		return string(b)
	}
	start := a.strs.Len()
	a.strs.Write(b)
	return a.strs.String()[start:]
}

// room reports whether n bytes go to the string chunk, starting a new
// chunk when the current one is too full.
func (a *decodeArena) room(n int) bool {
	if n > arenaStrMax {
		return false
	}
	if a.strs.Cap()-a.strs.Len() < n {
		// The strings already handed out keep the old chunk; the
		// builder's next writes go to a new one.
		size := nextChunk(a.strs.Cap(), arenaStrFirst, arenaStrChunk, n)
		a.strs = strings.Builder{}
		a.strs.Grow(size)
	}
	return true
}

// keepLines returns a copy of x at its exact length.
func (a *decodeArena) keepLines(x lineIndex) lineIndex {
	if len(x) == 0 {
		return lineIndex{} // not nil: the object has an index
	}
	if len(x) > arenaLineMax {
		return append(make(lineIndex, 0, len(x)), x...)
	}
	if cap(a.lines)-len(a.lines) < len(x) {
		a.lines = make(lineIndex, 0, nextChunk(cap(a.lines), arenaLineFirst, arenaLineChunk, len(x)))
	}
	start := len(a.lines)
	a.lines = append(a.lines, x...)
	return a.lines[start:len(a.lines):len(a.lines)]
}

// newValue returns a pointer to a new zero value of type t, as
// reflect.New does, taken from a chunk of such values: an Ingress's
// pointer fields (pathType, each path's service, http) were half of
// the allocations of decoding it.
func (a *decodeArena) newValue(t reflect.Type) reflect.Value {
	var chunk *valueChunk
	for i := range a.values {
		if a.values[i].t == t {
			chunk = &a.values[i]
			break
		}
	}
	if chunk == nil {
		if a.values == nil {
			a.values = a.firstValues[:0]
		}
		a.values = append(a.values, valueChunk{t: t})
		chunk = &a.values[len(a.values)-1]
	}
	if !chunk.array.IsValid() || chunk.used == chunk.array.Len() {
		last := 0
		if chunk.array.IsValid() {
			last = chunk.array.Len()
		}
		size := nextChunk(last, arenaValueFirst, arenaValueChunk, 1)
		chunk.array, chunk.used = reflect.MakeSlice(reflect.SliceOf(t), size, size), 0
	}
	chunk.used++
	return chunk.array.Index(chunk.used - 1).Addr()
}
