package ingress

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits that keep a hostile document from costing time or memory. Kubernetes
// objects are at most a dozen levels deep, so maxDepth leaves room for
// anything real while stopping "[[[[…" bombs; maxAliasNodes stops
// billion-laughs alias expansion long before it costs memory.
const (
	maxDepth      = 64
	maxAliasNodes = 100_000
)

// converter turns a YAML node tree into JSON text while checking every key
// and scalar against the Go type the node will be decoded into. It is what
// gives strict decoding its field paths and line numbers: encoding/json
// alone reports neither. The JSON is written in one walk of the tree, with
// no intermediate maps.
type converter struct {
	out        []byte // the JSON written so far
	outErr     error  // the first value JSON cannot express
	errs       []fieldProblem
	aliasNodes int
	fatal      error // a limit was hit; conversion stopped
	fatalLine  int
	lines      lineIndex  // see lineIndex
	lineKeys   []byte     // the text of the keys of lines
	at         int32      // the entry of lines being converted; see enter
	steps      []pathStep // the field path of the node being converted; see path
	// direct holds while every value converted so far has also been stored
	// in the object being decoded; see direct.go.
	direct bool
	arena  *decodeArena // where stored strings and the line index are copied to
	// storeOnly makes the converter write no JSON text: a first pass that
	// only stores values, given up as soon as direct fails (see typed).
	storeOnly bool
}

// again makes c ready to convert the same object once more, writing its
// JSON text and storing nothing; see typed.
func (c *converter) again() {
	c.storeOnly, c.direct = false, false
	c.fatal, c.fatalLine = nil, 0
	c.out, c.outErr, c.errs, c.aliasNodes = c.out[:0], nil, nil, 0
	c.lines, c.lineKeys, c.at, c.steps = c.lines[:0], c.lineKeys[:0], 0, c.steps[:0]
}

// stop records a limit that ends the conversion.
func (c *converter) stop(line int, format string, args ...any) {
	c.fatal, c.fatalLine = fmt.Errorf(format, args...), line
}

// fieldProblem is a field error and the line it was found on.
type fieldProblem struct {
	err  *field.Error
	line int
	// shadow is the field path whose value the problem left out of the
	// decoded object (the bad value's own path, or the field a misspelt key
	// was probably meant to be); "" when none. Validation errors about it are
	// echoes of this problem, not news.
	shadow string
}

var (
	timeType        = reflect.TypeFor[metav1.Time]()
	microTimeType   = reflect.TypeFor[metav1.MicroTime]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
	bytesType       = reflect.TypeFor[[]byte]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

func (c *converter) problem(line int, err *field.Error) {
	// A bad value may be a substring of the whole input (the fast parser's
	// values are), and an error can outlive the decode: in a FileCache,
	// until the file changes. A copy keeps the rest of the file collectable.
	if s, ok := err.BadValue.(string); ok {
		err.BadValue = strings.Clone(s)
	}
	shadow := ""
	if err.Type == field.ErrorTypeInvalid || err.Type == field.ErrorTypeTypeInvalid {
		shadow = err.Field
	}
	c.errs = append(c.errs, fieldProblem{err: err, line: line, shadow: shadow})
}

// convert appends the JSON form of n, for Go type t, to c.out. Problems are
// recorded in c and the value is written as null (or, for timestamps and
// bytes, as the string read), so that the result is best effort. While
// c.direct holds, it also stores the value in v, a settable value of the
// plan's type (see direct.go); v is the zero Value when nothing is stored.
func (c *converter) convert(n *yaml.Node, p *typePlan, v reflect.Value, depth int) {
	if c.storeOnly && !c.direct {
		return // given up: the pass that writes JSON converts it all again
	}
	if c.fatal != nil {
		c.null()
		return
	}
	if depth > maxDepth {
		c.stop(n.Line, "nesting deeper than %d levels at %s", maxDepth, pathString(c.path()))
		c.null()
		return
	}
	n = c.deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		c.null()
		return
	}
	for p.t.Kind() == reflect.Pointer {
		p = p.elemPlan()
		v = c.pointee(v)
	}
	t := p.t
	switch t {
	case timeType, microTimeType:
		s, ok := c.scalarString(n, "a timestamp in RFC 3339 form")
		if ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				c.problem(n.Line, field.Invalid(c.path(), s, "must be a timestamp in RFC 3339 form, such as 2024-05-01T12:00:00Z"))
				c.null()
				return
			}
		}
		// A string that is no timestamp is written as "", which the
		// type's own decoder rejects.
		c.str(s)
		c.setTime(v, t, s)
		return
	case intOrStringType:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			if i, ok := c.integer(n, math.MinInt32, math.MaxInt32); ok {
				c.setIntOrString(v, intstr.FromInt32(int32(i)))
			}
			return
		}
		s, ok := c.scalarString(n, "an integer or a string")
		c.strOrNull(s, ok)
		if ok {
			c.setIntOrString(v, intstr.FromString(s))
		}
		return
	case quantityType:
		c.viaJSON(v)
		if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
			c.number(n.Value)
			return
		}
		c.strOrNull(c.scalarString(n, "a quantity such as 100m or 1Gi"))
		return
	case bytesType:
		c.viaJSON(v)
		s, ok := c.scalarString(n, "a base64-encoded string")
		if ok {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				c.problem(n.Line, field.Invalid(c.path(), s, "must be base64-encoded: "+err.Error()))
			}
		}
		c.str(s)
		return
	}
	if p.own {
		// A type with its own JSON form that we do not know: pass it through
		// and let its decoder judge.
		c.viaJSON(v)
		c.generic(n, depth)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		c.object(n, p, v, depth)
	case reflect.Map:
		c.mapping(n, p, v, depth)
	case reflect.Slice, reflect.Array:
		c.sequence(n, p, v, depth)
	case reflect.String:
		s, ok := c.scalarString(n, "a string")
		c.strOrNull(s, ok)
		if ok {
			c.setString(v, s)
		}
	case reflect.Bool:
		if b, ok := scalarBool(n); ok {
			c.bool(b)
			if v.IsValid() {
				v.SetBool(b)
			}
			return
		}
		c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be a boolean (true or false)"))
		c.null()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		if i, ok := c.integer(n, -(1 << (bits - 1)), 1<<(bits-1)-1); ok && v.IsValid() {
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if i, ok := c.integer(n, 0, math.MaxInt64); ok {
			c.setUint(v, uint64(i))
		}
	case reflect.Float32, reflect.Float64:
		c.viaJSON(v)
		if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
			var f float64
			if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				c.value(f)
				return
			}
		}
		c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be a number"))
		c.null()
	case reflect.Interface:
		c.viaJSON(v)
		c.generic(n, depth)
	default:
		c.problem(n.Line, field.InternalError(c.path(), fmt.Errorf("cannot decode into %s", t)))
		c.null()
	}
}

// deref follows aliases, counting what they expand to so that a document of a
// few lines cannot grow into millions of nodes.
func (c *converter) deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		n = n.Content[0]
	}
	if n.Kind != yaml.AliasNode {
		return n
	}
	c.aliasNodes += countNodes(n.Alias, maxAliasNodes-c.aliasNodes+1)
	if c.aliasNodes > maxAliasNodes {
		c.stop(n.Line, "YAML aliases expand to more than %d nodes; refusing a possible alias bomb", maxAliasNodes)
		return nil
	}
	return n.Alias
}

// countNodes counts the nodes under n, stopping once limit is passed.
func countNodes(n *yaml.Node, limit int) int {
	total := 1
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		total += countNodes(n.Alias, limit-total)
	}
	for _, child := range n.Content {
		if total > limit {
			break
		}
		total += countNodes(child, limit-total)
	}
	return total
}

func (c *converter) object(n *yaml.Node, p *typePlan, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be an object"))
		c.null()
		return
	}
	fields := p.types
	v = c.directStruct(p, v)
	c.punct('{')
	first := true
	c.eachPair(n, func(key string, keyNode, val *yaml.Node) {
		f := p.field(key)
		if f == nil {
			meant := closestField(key, fields)
			detail := knownFields(fields)
			if meant != "" {
				detail = fmt.Sprintf("did you mean %q?", meant)
			}
			if _, v1 := fields["service"]; v1 && (key == "serviceName" || key == "servicePort") {
				// The commonest migration slip: a v1beta1 backend in a v1 Ingress.
				meant, detail = "service", "this is the networking.k8s.io/v1beta1 spelling; v1 has service: {name: NAME, port: {number: PORT}} (or port: {name: NAME})"
			}
			path := c.path()
			c.problem(keyNode.Line, &field.Error{Type: ErrorTypeUnknownField, Field: path.Child(key).String(), Detail: detail})
			// The field it was meant to be, else the whole object that
			// holds it (a v1 "service" in a v1beta1 backend leaves the
			// backend without its serviceName and servicePort).
			c.errs[len(c.errs)-1].shadow = path.String()
			if meant != "" {
				c.errs[len(c.errs)-1].shadow = path.Child(meant).String()
			}
			return
		}
		c.key(key, &first)
		c.push(pathStep{name: key, kind: stepChild})
		c.convert(val, f.typePlan(), c.field(v, f), depth+1)
		c.pop()
	})
	c.punct('}')
}

func (c *converter) mapping(n *yaml.Node, p *typePlan, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be a map"))
		c.null()
		return
	}
	v = c.directMap(p.t, v, len(n.Content)/2)
	var key, elem reflect.Value // reused for every member
	if v.IsValid() {
		key, elem = reflect.New(p.t.Key()).Elem(), reflect.New(p.t.Elem()).Elem()
	}
	c.punct('{')
	first := true
	c.eachPair(n, func(k string, _, val *yaml.Node) {
		c.key(k, &first)
		c.push(pathStep{name: k, kind: stepKey})
		c.convert(val, p.elemPlan(), c.mapElem(elem), depth+1)
		c.setMapIndex(v, key, k, elem)
		c.pop()
	})
	c.punct('}')
}

// eachPair walks the key/value pairs of a mapping, resolving merge keys (<<)
// and rejecting duplicate and non-string keys, which JSON cannot express.
func (c *converter) eachPair(n *yaml.Node, fn func(key string, keyNode, val *yaml.Node)) {
	var seen seenKeys
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyNode, val := c.deref(n.Content[i]), n.Content[i+1]
		if keyNode == nil || c.fatal != nil {
			return
		}
		if keyNode.Kind == yaml.ScalarNode && keyNode.Tag == "!!merge" {
			merged = append(merged, val)
			continue
		}
		if keyNode.Kind != yaml.ScalarNode {
			c.problem(keyNode.Line, field.TypeInvalid(c.path(), nodeValue(keyNode), "keys must be strings"))
			continue
		}
		key := keyNode.Value
		if first, dup := seen.line(key); dup {
			c.problem(keyNode.Line, field.Duplicate(c.path().Child(key), fmt.Sprintf("key %q is also set on line %d", key, first)))
			continue
		}
		seen.add(key, keyNode.Line)
		parent := c.enter(key, -1, keyLine(keyNode, val))
		fn(key, keyNode, val)
		c.leave(parent)
	}
	// Explicit keys override merged ones, as YAML's merge key specifies.
	for _, m := range merged {
		m = c.deref(m)
		if m == nil {
			return
		}
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			src = c.deref(src)
			if src == nil || src.Kind != yaml.MappingNode {
				c.problem(m.Line, field.TypeInvalid(c.path(), nodeValue(m), "a merge key (<<) needs a mapping or a list of mappings"))
				continue
			}
			for i := 0; i+1 < len(src.Content); i += 2 {
				k := c.deref(src.Content[i])
				if k == nil || k.Kind != yaml.ScalarNode {
					continue
				}
				if _, set := seen.line(k.Value); set {
					continue
				}
				seen.add(k.Value, k.Line)
				parent := c.detach()
				fn(k.Value, k, src.Content[i+1])
				c.leave(parent)
			}
		}
	}
}

// seenKeys are the keys of one mapping met so far, with their lines. A
// mapping of a manifest has a handful of keys, which a list finds faster
// than a map, and without allocating; a long one moves to a map.
type seenKeys struct {
	few  [seenFew]seenKey
	n    int
	many map[string]int
}

type seenKey struct {
	key  string
	line int
}

const seenFew = 12

// line returns the line of key, if it was seen.
func (s *seenKeys) line(key string) (int, bool) {
	if s.many != nil {
		line, ok := s.many[key]
		return line, ok
	}
	for _, k := range s.few[:s.n] {
		if k.key == key {
			return k.line, true
		}
	}
	return 0, false
}

// add records key, which was not seen, on line.
func (s *seenKeys) add(key string, line int) {
	if s.many == nil && s.n < seenFew {
		s.few[s.n] = seenKey{key, line}
		s.n++
		return
	}
	if s.many == nil {
		s.many = make(map[string]int, 2*seenFew)
		for _, k := range s.few[:s.n] {
			s.many[k.key] = k.line
		}
	}
	s.many[key] = line
}

func (c *converter) sequence(n *yaml.Node, p *typePlan, v reflect.Value, depth int) {
	if n.Kind != yaml.SequenceNode {
		c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be a list"))
		c.null()
		return
	}
	v = c.directSlice(p.t, v, len(n.Content))
	c.punct('[')
	for i, item := range n.Content {
		if i > 0 {
			c.punct(',')
		}
		parent := c.enter("", i, item.Line)
		c.push(pathStep{index: i, kind: stepIndex})
		var elem reflect.Value
		if v.IsValid() {
			elem = v.Index(i)
		}
		c.convert(item, p.elemPlan(), elem, depth+1)
		c.pop()
		c.leave(parent)
	}
	c.punct(']')
}

// scalarString accepts only string scalars. YAML turns unquoted true, 80 or
// 1.0 into booleans and numbers; the apiserver rejects those for string fields
// (annotations above all), and so do we, with the fix in the message.
func (c *converter) scalarString(n *yaml.Node, want string) (string, bool) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "!!binary" || n.Tag == "!!timestamp") {
		return n.Value, true
	}
	if n.Kind == yaml.ScalarNode {
		c.problem(n.Line, field.TypeInvalid(c.path(), n.Value, fmt.Sprintf("must be %s; YAML read this as %s, quote it: %q", want, tagName(n.Tag), n.Value)))
		return "", false
	}
	c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be "+want))
	return "", false
}

// integer writes an integer scalar within [lo, hi] and returns it; ok is
// false after a problem.
func (c *converter) integer(n *yaml.Node, lo, hi int64) (int64, bool) {
	if v, ok := scalarInt(n); ok {
		if v < lo || v > hi {
			c.problem(n.Line, field.Invalid(c.path(), v, fmt.Sprintf("must be between %d and %d", lo, hi)))
			c.null()
			return 0, false
		}
		c.int(v)
		return v, true
	}
	c.problem(n.Line, field.TypeInvalid(c.path(), nodeValue(n), "must be an integer"))
	c.null()
	return 0, false
}

// generic converts without a schema, for free-form values.
func (c *converter) generic(n *yaml.Node, depth int) {
	if c.storeOnly && !c.direct {
		return // see convert
	}
	if c.fatal != nil {
		c.null()
		return
	}
	if depth > maxDepth {
		c.stop(n.Line, "nesting deeper than %d levels at %s", maxDepth, pathString(c.path()))
		c.null()
		return
	}
	n = c.deref(n)
	if n == nil {
		c.null()
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		c.punct('{')
		first := true
		c.eachPair(n, func(key string, _, val *yaml.Node) {
			c.key(key, &first)
			c.push(pathStep{name: key, kind: stepChild})
			c.generic(val, depth+1)
			c.pop()
		})
		c.punct('}')
		return
	case yaml.SequenceNode:
		c.punct('[')
		for i, item := range n.Content {
			if i > 0 {
				c.punct(',')
			}
			parent := c.enter("", i, item.Line)
			c.push(pathStep{index: i, kind: stepIndex})
			c.generic(item, depth+1)
			c.pop()
			c.leave(parent)
		}
		c.punct(']')
		return
	}
	if n.Tag == "!!str" {
		c.str(n.Value)
		return
	}
	var v any
	if err := n.Decode(&v); err != nil {
		c.problem(n.Line, field.Invalid(c.path(), n.Value, err.Error()))
		c.null()
		return
	}
	if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		c.str(n.Value) // JSON has no infinities; keep the text
		return
	}
	c.value(v)
}

// addJSONFields adds the JSON fields of struct type t to types, and their
// reflect index (after prefix, the index of t) to index. It reports
// whether encoding/json stores every field where index says (see
// directStruct): not so for an embedded pointer (allocated on demand), a
// tagged embedded struct (which encoding/json does not inline), a ",string"
// field, or a name given twice (resolved by depth).
func addJSONFields(t reflect.Type, prefix []int, types map[string]reflect.Type, index map[string][]int) (plain bool) {
	plain = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		at := append(prefix[:len(prefix):len(prefix)], i)
		if f.Anonymous && (name == "" || opts == "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
				plain = false
			}
			if ft.Kind() == reflect.Struct {
				if name != "" {
					plain = false
				}
				plain = addJSONFields(ft, at, types, index) && plain
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, twice := types[name]; twice || slices.Contains(strings.Split(opts, ","), "string") {
			plain = false
		}
		types[name] = f.Type
		index[name] = at
	}
	return plain
}

// knownFields lists the fields of a short struct, for a key that is close
// to none of them (see closestField); "" for long structs.
func knownFields(fields map[string]reflect.Type) string {
	if len(fields) > 12 {
		return ""
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return "known fields: " + strings.Join(names, ", ")
}

// closestField is the field the user probably meant by key: the same name
// in another case, or one within two edits; "" when none is that close.
func closestField(key string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	best, bestDist := "", 3
	for _, name := range names {
		if strings.EqualFold(name, key) {
			return name
		}
		if d := editDistance(strings.ToLower(key), strings.ToLower(name)); d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, for short field names only.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func tagName(tag string) string {
	switch tag {
	case "!!bool":
		return "a boolean"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!null":
		return "null"
	}
	return strings.TrimPrefix(tag, "!!")
}

// nodeValue describes a node for an error message without dumping a subtree.
func nodeValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		return "<object>"
	case yaml.SequenceNode:
		return "<list>"
	}
	return n.Value
}

// pathString renders a path for limit errors, shortened: a path 64 levels
// deep is noise past its start.
func pathString(p *field.Path) string {
	if p == nil {
		return "the document root"
	}
	s := p.String()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
