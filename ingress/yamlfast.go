package ingress

import (
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// The YAML parser (go.yaml.in/yaml/v3) was a quarter of the CPU and over
// 40 % of the allocations of loading 10,000 Ingresses. Kubernetes manifests
// use a small part of YAML: block mappings and sequences, one-line flow
// collections, one-line scalars, block scalars for certificates and
// configuration text. fastYAML parses that part directly into the node
// trees yaml.v3 builds, identical field by field, and declines everything
// else, whole documents at a time, so that yaml.v3 parses what it declines
// exactly as before. It never reports a syntax error: anything that might
// be one is declined, and yaml.v3 reports it.
//
// Comments are not kept: nothing in this module reads a node's
// HeadComment, LineComment or FootComment.
//
// Speed comes from not building tokens and events, from taking scalar
// values as substrings of one copy of the input, and from allocating nodes
// and their Content slices in slabs instead of one by one.

// fastYAML reads one input, a document at a time (see next). Its state is
// the line being read: lines are the unit of block YAML.
type fastYAML struct {
	src   string // the input, copied once; scalar values are substrings of it
	ascii bool   // src has no multi-byte character: a column is a byte offset
	tabs  bool   // src has a tab somewhere

	off int  // the start of the current line
	end int  // the end of the current line: its '\n', or len(src)
	num int  // the current line's number, from 1
	ind int  // the spaces that start the current line
	tab bool // the current line holds a tab

	// The last column counted on the current line (see col), so that
	// counting characters on a long line stays linear.
	colOff, colNum int

	started bool   // a document has been read: the next needs a "---"
	depth   int    // nesting of collections, bounded by fastMaxDepth
	why     string // why the input was declined; "" while it is not

	nodes []yaml.Node       // the slab new nodes come from
	slabs *nodeSlabs        // where node slabs come from and go back to; nil: fresh ones
	ptrs  []*yaml.Node      // the slab Content slices come from
	stack []*yaml.Node      // the children of the collections being read
	buf   []byte            // scratch for values that are not substrings
	keys  map[string]string // mapping keys, copied once each; see intern
	// recent are keys from keys, the last interned in each slot.
	recent [128]string
}

// Limits of the fast path. Deeper nesting is declined (yaml.v3 and the
// converter's maxDepth then judge it), so recursion here is bounded. A
// simple key must end within 1024 characters of its start in YAML; keys
// that come near are declined rather than counted exactly.
const (
	fastMaxDepth  = 100
	fastMaxKeyLen = 1000
	nodeSlab      = 256
	ptrSlab       = 1024
	maxInterned   = 4096
)

// newFastYAML prepares to read data. Input with characters yaml.v3
// rejects or treats specially (control characters, invalid UTF-8, a byte
// order mark, carriage returns, Unicode line breaks) is declined before
// any document: yaml.v3 checks characters some way ahead of the document
// it is reading, so declining such input whole keeps the outcome
// identical.
func newFastYAML(data []byte) *fastYAML {
	p := &fastYAML{src: string(data), ascii: true, num: 1}
	for i := 0; i < len(p.src); {
		// Most bytes are printable ASCII: skip them by table, a load and
		// a test each, before looking at the one that is not.
		for i < len(p.src) && plainByte[p.src[i]] {
			i++
		}
		if i == len(p.src) {
			break
		}
		c := p.src[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\t':
				p.tabs = true
			case c == '\n':
			case c < 0x20 || c == 0x7f:
				p.decline("a control character or carriage return")
				return p
			}
			i++
			continue
		}
		p.ascii = false
		r, size := utf8.DecodeRuneInString(p.src[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			p.decline("invalid UTF-8, a byte order mark or a Unicode line break")
			return p
		}
		i += size
	}
	p.load(0)
	return p
}

// plainByte holds for the bytes newFastYAML's scan has nothing to do
// with: printable ASCII.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	return t
}()

// decline records why the input is left to yaml.v3 and returns nil, the
// node every parsing function returns once the input is declined.
func (p *fastYAML) decline(why string) *yaml.Node {
	if p.why == "" {
		p.why = why
	}
	return nil
}

// next returns the next document; nil and true at the end of the input;
// nil and false once the input is declined.
func (p *fastYAML) next() (*yaml.Node, bool) {
	if p.why != "" || !p.skipBlank() {
		return nil, false
	}
	if p.eof() {
		return nil, true
	}
	doc := p.node()
	doc.Kind = yaml.DocumentNode
	var root *yaml.Node
	if p.isMarker() {
		doc.Line, doc.Column = p.num, 1
		if !p.restEmpty(p.off + 3) {
			return p.decline("content on a --- line"), false
		}
		p.nextLine()
		if !p.skipBlank() {
			return nil, false
		}
		if p.eof() || p.isMarker() {
			// An empty document holds a null where the next token is.
			root = p.scalar("", "!!null", 0, p.num, 1)
		}
	} else if p.started {
		return p.decline("a document without ---"), false
	}
	if root == nil {
		root = p.collection(p.off+p.ind, p.ind)
		if root == nil {
			return nil, false
		}
		if doc.Line == 0 {
			// An implicit document starts at its first token.
			doc.Line, doc.Column = root.Line, root.Column
		}
		if !p.eof() && !p.isMarker() {
			return p.decline("content after the document's root"), false
		}
	}
	p.started = true
	doc.Content = p.collect1(root)
	return doc, true
}

// collection reads the block mapping or sequence that starts at at on the
// current line, in column col.
func (p *fastYAML) collection(at, col int) *yaml.Node {
	if p.isEntry(at) {
		return p.sequence(at, col)
	}
	if p.keyColon(at) >= 0 {
		return p.mapping(at, col)
	}
	return p.decline("a block node that is not a mapping or sequence")
}

// mapping reads a block mapping whose first key is at at on the current
// line, in column col; the following keys start lines indented by col.
func (p *fastYAML) mapping(at, col int) *yaml.Node {
	m := p.startCollection(yaml.MappingNode, "!!map", at)
	if m == nil {
		return nil
	}
	base := len(p.stack)
	for {
		key, colon := p.key(at)
		if key == nil {
			return nil
		}
		p.stack = append(p.stack, key)
		val := p.value(colon+1, col, true)
		if val == nil {
			return nil
		}
		p.stack = append(p.stack, val)
		if more, ok := p.continues(col); !ok {
			return nil
		} else if !more {
			break
		}
		at = p.off + col
		if p.isEntry(at) {
			return p.decline("a sequence entry among mapping keys")
		}
	}
	return p.endCollection(m, base)
}

// sequence reads a block sequence whose first "-" is at at on the current
// line, in column col. A sequence in the column of the key that holds it
// (Kubernetes' usual style) ends at the next key; the mapping goes on.
func (p *fastYAML) sequence(at, col int) *yaml.Node {
	s := p.startCollection(yaml.SequenceNode, "!!seq", at)
	if s == nil {
		return nil
	}
	base := len(p.stack)
	for {
		item := p.value(at+1, col, false)
		if item == nil {
			return nil
		}
		p.stack = append(p.stack, item)
		if more, ok := p.continues(col); !ok {
			return nil
		} else if !more {
			break
		}
		at = p.off + col
		if !p.isEntry(at) {
			break
		}
	}
	return p.endCollection(s, base)
}

// startCollection returns the node of a collection that starts at at on
// the current line, counting one more level of nesting; nil past
// fastMaxDepth.
func (p *fastYAML) startCollection(kind yaml.Kind, tag string, at int) *yaml.Node {
	p.depth++
	if p.depth > fastMaxDepth {
		return p.decline("nesting deeper than the fast path reads")
	}
	n := p.node()
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, p.num, p.col(at)
	return n
}

// endCollection gives n the children pushed since base and leaves its
// level of nesting.
func (p *fastYAML) endCollection(n *yaml.Node, base int) *yaml.Node {
	n.Content = p.collect(base)
	p.depth--
	return n
}

// continues reports whether the block collection in column col goes on
// at the current line. It ends at the end of the input or document, or at
// a line indented less; a line indented more is declined (ok is false):
// it continues a scalar over several lines, or it is a syntax error.
func (p *fastYAML) continues(col int) (more, ok bool) {
	switch {
	case p.eof() || p.isMarker() || p.ind < col:
		return false, true
	case p.ind > col:
		p.decline("a line indented past its collection's entries")
		return false, false
	}
	return true, true
}

// value reads what follows a mapping key's ":" or a sequence entry's "-"
// (pos is just past it) in a collection in column col, and leaves the
// parser on the next line with content.
func (p *fastYAML) value(pos, col int, inMapping bool) *yaml.Node {
	i := pos
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	if i == p.end || p.src[i] == '#' {
		// The value is on the next lines, or empty: a null just past the
		// indicator.
		line, column := p.num, p.col(pos)
		p.nextLine()
		if !p.skipBlank() {
			return nil
		}
		switch {
		case p.eof() || p.isMarker() || p.ind < col:
		case p.ind == col:
			if inMapping && p.isEntry(p.off+col) {
				return p.sequence(p.off+col, col)
			}
		default:
			return p.collection(p.off+p.ind, p.ind)
		}
		return p.scalar("", "!!null", 0, line, column)
	}
	if p.isEntry(i) {
		if inMapping {
			return p.decline("a sequence on its key's line")
		}
		return p.sequence(i, i-p.off)
	}
	if !inMapping && p.keyColon(i) >= 0 {
		return p.mapping(i, i-p.off)
	}
	return p.inline(i, col)
}

// inline reads a scalar, a flow collection or a block scalar that starts
// at i, on the line of its key or "-".
func (p *fastYAML) inline(i, col int) *yaml.Node {
	var n *yaml.Node
	var next int
	switch c := p.src[i]; c {
	case '|', '>':
		return p.blockScalar(i, col)
	case '[', '{':
		n, next = p.flow(i)
	case '"', '\'':
		n, next = p.quotedScalar(i)
	default:
		if !p.plainStart(i) {
			return p.decline("a node that starts with an indicator")
		}
		end, stop, colon := p.plainEnd(i)
		if colon {
			return p.decline("a mapping value in a scalar")
		}
		v := p.src[i:end]
		n, next = p.scalar(v, plainTag(v), 0, p.num, p.col(i)), stop
	}
	if n == nil {
		return nil
	}
	if !p.restEmpty(next) {
		return p.decline("content after a value")
	}
	p.nextLine()
	if !p.skipBlank() {
		return nil
	}
	return n
}

// key reads the mapping key at at and returns it with the offset of its
// ":".
func (p *fastYAML) key(at int) (*yaml.Node, int) {
	colon := p.keyColon(at)
	if colon < 0 {
		return p.decline("a mapping line without a key"), 0
	}
	if colon-at >= fastMaxKeyLen {
		return p.decline("a key near YAML's 1024-character limit"), 0
	}
	if c := p.src[at]; c == '"' || c == '\'' {
		n, _ := p.quotedScalar(at)
		if n != nil {
			n.Value = p.intern(n.Value)
		}
		return n, colon
	}
	v := p.src[at:colon]
	return p.scalar(p.intern(v), plainTag(v), 0, p.num, p.col(at)), colon
}

// keyColon returns the offset of the ":" that ends a simple key starting
// at at, or -1 when no key starts there. It declines nothing: a -1 makes
// the caller read a scalar, which declines what is wrong with it.
func (p *fastYAML) keyColon(at int) int {
	s := p.src
	var colon int
	switch s[at] {
	case '"', '\'':
		colon = p.quotedEnd(at)
		if colon < 0 || colon >= p.end || s[colon] != ':' {
			return -1
		}
	default:
		if !p.plainStart(at) {
			return -1
		}
		end, stop, isColon := p.plainEnd(at)
		if !isColon || end != stop {
			return -1 // no key, or spaces before its ":"
		}
		colon = stop
	}
	if colon+1 < p.end && s[colon+1] != ' ' {
		return -1
	}
	return colon
}

// isEntry reports whether a block sequence entry ("-" and a space or the
// end of the line) is at i.
func (p *fastYAML) isEntry(i int) bool {
	return i < p.end && p.src[i] == '-' && (i+1 == p.end || p.src[i+1] == ' ')
}

// restEmpty reports whether the current line holds nothing but spaces
// and a comment from i on. A comment must follow a space.
func (p *fastYAML) restEmpty(i int) bool {
	j := i
	for j < p.end && p.src[j] == ' ' {
		j++
	}
	return j == p.end || (j > i && p.src[j] == '#')
}

// load makes the line starting at off current.
func (p *fastYAML) load(off int) {
	p.off = off
	e := strings.IndexByte(p.src[off:], '\n')
	if e < 0 {
		e = len(p.src) - off
	}
	p.end = off + e
	i := off
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	p.ind = i - off
	p.tab = p.tabs && strings.IndexByte(p.src[off:p.end], '\t') >= 0
	p.colOff, p.colNum = off, 1
}

// nextLine moves to the next line. Past the last line the parser is at
// the end of the input, on the line after it (where yaml.v3 places the
// end of the stream).
func (p *fastYAML) nextLine() {
	p.num++
	if p.end >= len(p.src) {
		p.off, p.end, p.ind, p.tab = len(p.src), len(p.src), 0, false
		p.colOff, p.colNum = len(p.src), 1
		return
	}
	p.load(p.end + 1)
}

func (p *fastYAML) eof() bool { return p.off >= len(p.src) }

// isMarker reports whether the current line is a document start, "---"
// alone or followed by a space.
func (p *fastYAML) isMarker() bool {
	l := p.src[p.off:p.end]
	return p.ind == 0 && strings.HasPrefix(l, "---") && (len(l) == 3 || l[3] == ' ')
}

// skipBlank moves past empty and comment lines to the next line with
// content, or to the end of the input. It declines lines with tabs (YAML
// forbids them in indentation and libyaml has rules of its own for them
// elsewhere) and the column-0 constructs outside the subset: directives,
// document ends, "---" run into text.
func (p *fastYAML) skipBlank() bool {
	for !p.eof() {
		if p.tab {
			p.decline("a tab")
			return false
		}
		k := p.off + p.ind
		if k == p.end || p.src[k] == '#' {
			p.nextLine()
			continue
		}
		if p.ind == 0 {
			l := p.src[p.off:p.end]
			if l[0] == '%' || strings.HasPrefix(l, "...") || (strings.HasPrefix(l, "---") && !p.isMarker()) {
				p.decline("a directive, document end or --- run into text")
				return false
			}
		}
		return true
	}
	return true
}

// col is the 1-based column of offset i on the current line, in
// characters as yaml.v3 counts them.
func (p *fastYAML) col(i int) int {
	if p.ascii {
		return i - p.off + 1
	}
	if i < p.colOff {
		p.colOff, p.colNum = p.off, 1
	}
	p.colNum += utf8.RuneCountInString(p.src[p.colOff:i])
	p.colOff = i
	return p.colNum
}

// node returns a zero node from the slab.
func (p *fastYAML) node() *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = p.slabs.get()
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	return &p.nodes[len(p.nodes)-1]
}

// scalar returns a new scalar node.
func (p *fastYAML) scalar(value, tag string, style yaml.Style, line, column int) *yaml.Node {
	n := p.node()
	n.Kind, n.Tag, n.Value, n.Style, n.Line, n.Column = yaml.ScalarNode, tag, value, style, line, column
	return n
}

// collect returns the children pushed since base as a Content slice cut
// from the slab, and pops them. Its capacity is its length, so that an
// append by a caller cannot write over a neighbour's children.
func (p *fastYAML) collect(base int) []*yaml.Node {
	kids := p.stack[base:]
	n := len(kids)
	if n == 0 {
		return nil
	}
	var out []*yaml.Node
	if n > ptrSlab/4 {
		out = append(make([]*yaml.Node, 0, n), kids...)
	} else {
		if cap(p.ptrs)-len(p.ptrs) < n {
			p.ptrs = p.slabs.getPtrs()
		}
		l := len(p.ptrs)
		p.ptrs = append(p.ptrs, kids...)
		out = p.ptrs[l : l+n : l+n]
	}
	clear(kids)
	p.stack = p.stack[:base]
	return out
}

// collect1 is collect for the one child of a document.
func (p *fastYAML) collect1(n *yaml.Node) []*yaml.Node {
	p.stack = append(p.stack, n)
	return p.collect(len(p.stack) - 1)
}

// intern returns a copy of a mapping key that does not keep the input
// alive: keys outlive decoding in the objects' line indexes, and the same
// few dozen keys repeat in every object, so each is copied once. The key
// last interned in each of a few slots, chosen by length and end bytes,
// is tried first: comparing one string is a fraction of hashing it for
// the map, which was 6 % of decoding.
func (p *fastYAML) intern(k string) string {
	slot := &p.recent[keyHash(k)%uint(len(p.recent))]
	if *slot == k {
		return *slot
	}
	s := p.internMap(k)
	*slot = s
	return s
}

// internMap is intern's look-up in the map of every key copied.
func (p *fastYAML) internMap(k string) string {
	if s, ok := p.keys[k]; ok {
		return s
	}
	s := strings.Clone(k)
	if len(p.keys) < maxInterned && len(k) <= 64 {
		if p.keys == nil {
			p.keys = make(map[string]string)
		}
		p.keys[s] = s
	}
	return s
}

// nodeSlabs are the node slabs of one parse, and the slabs of their
// Content slices, taken from pools shared by all parses and given back
// once every tree built from them is dead. Nodes were a third of the
// bytes a load of 10,000 Ingresses allocated (a million of them), and
// Content slices another eighth; given back, the next file's trees reuse
// them.
type nodeSlabs struct {
	taken     []*[]yaml.Node
	takenPtrs []*[]*yaml.Node
}

var nodeSlabPool = sync.Pool{New: func() any {
	s := make([]yaml.Node, nodeSlab)
	return &s
}}

var ptrSlabPool = sync.Pool{New: func() any {
	s := make([]*yaml.Node, ptrSlab)
	return &s
}}

// getPtrs returns an empty slab of node pointers; with a nil s, a fresh
// one.
func (s *nodeSlabs) getPtrs() []*yaml.Node {
	if s == nil {
		return make([]*yaml.Node, 0, ptrSlab)
	}
	slab := ptrSlabPool.Get().(*[]*yaml.Node)
	s.takenPtrs = append(s.takenPtrs, slab)
	return (*slab)[:0]
}

// get returns an empty slab; with a nil s, a fresh one.
func (s *nodeSlabs) get() []yaml.Node {
	if s == nil {
		return make([]yaml.Node, 0, nodeSlab)
	}
	slab := nodeSlabPool.Get().(*[]yaml.Node)
	s.taken = append(s.taken, slab)
	return (*slab)[:0]
}

// release gives the slabs back, cleared (a parse fills in only the fields
// it sets). Nothing may hold a node of them any more.
func (s *nodeSlabs) release() {
	for _, slab := range s.taken {
		clear(*slab)
		nodeSlabPool.Put(slab)
	}
	for _, slab := range s.takenPtrs {
		clear(*slab)
		ptrSlabPool.Put(slab)
	}
	s.taken, s.takenPtrs = nil, nil
}
