package ingress

import (
	"reflect"
	"strings"
)

// A decodeArena holds the strings and line indexes of the objects decoded
// from one input in chunks of a few kilobytes, instead of one allocation
// each: a dozen strings and a line index per Ingress were two thirds of
// the allocations of decoding it. The objects of one input are kept and
// dropped together (a FileCache replaces them all when the file changes),
// so a chunk shared by neighbours holds no memory longer than they live.
// The chunks hold no pointers: the garbage collector never scans them.
type decodeArena struct {
	strs  strings.Builder // the current string chunk
	lines lineIndex       // the current line chunk; entries past len are free
	// values are the chunks that pointer fields point into, by type.
	values map[reflect.Type]*valueChunk
}

// valueChunk is an array of values of one type; those before used are
// taken.
type valueChunk struct {
	array reflect.Value // a slice of arenaValueChunk values
	used  int
}

// Chunk sizes, and the largest value put in a chunk: a bigger one gets its
// own allocation, so that one long value does not waste a chunk's rest.
const (
	arenaStrChunk  = 4 << 10
	arenaStrMax    = arenaStrChunk / 4
	arenaLineChunk = 256
	arenaLineMax   = arenaLineChunk / 4
	// A pointer field's value is a few dozen bytes (a PathType, an
	// IngressServiceBackend); an Ingress has three to ten of them.
	arenaValueChunk = 32
)

// clone returns a copy of s that shares no memory with the input. A nil
// arena copies s on its own.
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
	if a == nil || n > arenaStrMax {
		return false
	}
	if a.strs.Cap()-a.strs.Len() < n {
		// The strings already handed out keep the old chunk; the
		// builder's next writes go to a new one.
		a.strs = strings.Builder{}
		a.strs.Grow(arenaStrChunk)
	}
	return true
}

// keepLines returns a copy of x at its exact length.
func (a *decodeArena) keepLines(x lineIndex) lineIndex {
	if len(x) == 0 {
		return lineIndex{} // not nil: the object has an index
	}
	if a == nil || len(x) > arenaLineMax {
		return append(make(lineIndex, 0, len(x)), x...)
	}
	if cap(a.lines)-len(a.lines) < len(x) {
		a.lines = make(lineIndex, 0, arenaLineChunk)
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
	if a == nil {
		return reflect.New(t)
	}
	if a.values == nil {
		a.values = make(map[reflect.Type]*valueChunk)
	}
	chunk := a.values[t]
	if chunk == nil {
		chunk = new(valueChunk)
		a.values[t] = chunk
	}
	if !chunk.array.IsValid() || chunk.used == chunk.array.Len() {
		chunk.array, chunk.used = reflect.MakeSlice(reflect.SliceOf(t), arenaValueChunk, arenaValueChunk), 0
	}
	chunk.used++
	return chunk.array.Index(chunk.used - 1).Addr()
}
