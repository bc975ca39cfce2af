package ingress

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultMaxFileSize is the largest file or reader a Decoder reads when its
// MaxFileSize is zero. Real manifests are kilobytes; 10,000 Ingresses fit in a
// few megabytes.
const DefaultMaxFileSize = 16 << 20

// Decoder reads Kubernetes YAML or JSON into a Set. The zero Decoder is ready
// to use with the default limits.
type Decoder struct {
	// MaxFileSize is the largest number of bytes read from one file or
	// reader. Zero means DefaultMaxFileSize; there is no way to turn the
	// limit off.
	MaxFileSize int64
}

// manifestExt lists the file name extensions read when walking a directory.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

func (d *Decoder) maxFileSize() int64 {
	if d == nil || d.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return d.MaxFileSize
}

// ReadFiles reads each path in order. A directory is walked recursively in
// lexical order and its *.yaml, *.yml and *.json files are read; a file named
// directly is read whatever its extension. The returned Set is never nil: it
// holds what could be decoded even when the error is not nil, so that callers
// can still show the warnings. The error, when not nil, is an ErrorList.
func (d *Decoder) ReadFiles(paths ...string) (*Set, error) {
	return d.readTree(osFS{}, paths, d.DecodeBytes, decodeWorkers())
}

// ReadFS is ReadFiles over a file system, for embedded manifests
// (embed.FS) and tests (fstest.MapFS). Paths are fs.FS paths; "." reads
// everything.
func (d *Decoder) ReadFS(fsys fs.FS, paths ...string) (*Set, error) {
	return d.readTree(fsys, paths, d.DecodeBytes, decodeWorkers())
}

// Decode reads one stream of YAML or JSON documents. The name is used in
// errors and warnings in place of a file name.
func (d *Decoder) Decode(name string, r io.Reader) (*Set, error) {
	data, err := d.readAll(r)
	if err != nil {
		return &Set{}, ErrorList{{Source: Source{File: name}, Err: err}}
	}
	return d.DecodeBytes(name, data)
}

// DecodeBytes reads YAML or JSON documents from data. The name is used in
// errors and warnings in place of a file name.
func (d *Decoder) DecodeBytes(name string, data []byte) (*Set, error) {
	return d.decodeBytes(name, data, false)
}

// decodeBytes is DecodeBytes; with oneArena, the objects of every
// document share one arena, which only a caller that keeps or drops them
// all together may ask for (see decodeArena): a FileCache's first read of
// a file, the whole of a load.
func (d *Decoder) decodeBytes(name string, data []byte, oneArena bool) (*Set, error) {
	set := &Set{}
	var errs ErrorList
	if int64(len(data)) > d.maxFileSize() {
		errs = append(errs, &Error{Source: Source{File: name}, Err: d.tooLarge()})
		return set, errs
	}
	var texts []*docText
	var shared *decodeArena
	if oneArena {
		shared = new(decodeArena)
	}
	defer func() { sliceDocuments(data, texts) }()
	doc := 0
	for node, err := range parseDocuments(data) {
		doc++
		src := Source{File: name, Doc: doc}
		if err != nil {
			// The parser cannot resynchronise after a syntax error, so the
			// rest of this input is lost; say so rather than guess.
			var msg string
			src.Line, msg = locateSyntaxError(data, err)
			errs = append(errs, &Error{Source: src, Err: fmt.Errorf("invalid YAML: %s", msg)})
			break
		}
		// The document node sits on its "---" line; users look for the
		// object's first key.
		src.Line = node.Line
		if len(node.Content) > 0 {
			src.Line = node.Content[0].Line
		}
		// The document node's line is its "---" marker, if it has one:
		// slicing from there keeps any tag or anchor on that line.
		text := &docText{firstLine: max(node.Line, 1)}
		texts = append(texts, text)
		ref := &docRef{text: text, item: -1, start: src.Line}
		arena := shared
		if arena == nil {
			arena = new(decodeArena)
		}
		errs = append(errs, decodeDocument(set, node, src, ref, arena)...)
	}
	return set, errs.orNil()
}

// parseDocuments yields the node tree of each document of data in order,
// then the syntax error that ends the input, if any. A tree is valid only
// until yield returns: its nodes are reused for later input. Documents in the
// subset of YAML that manifests use are read by the fast parser (see
// fastYAML); from the first document it declines, yaml.v3 reads the rest.
// Either way the trees, their order and the error are those yaml.v3 gives
// for the whole input.
//
// Parsing runs ahead of the caller's converting and decoding, on its own
// goroutine. With the fast parser it is a fifth of decoding, not a half as
// with yaml.v3, but the overlap still pays: loading 10,000 Ingresses
// (BenchmarkLoad) took 1.34-1.55 s with it and 1.52-2.12 s without, three
// runs each on a busy two-core machine, for the same CPU seconds. Order,
// and so every result and error, is that of the input.
func parseDocuments(data []byte) iter.Seq2[*yaml.Node, error] {
	return func(yield func(*yaml.Node, error) bool) {
		next := make(chan parsed, parseAhead)
		done := make(chan struct{})
		defer close(done) // stops the parser when the caller stops early
		slabs := new(nodeSlabs)
		go parseInto(data, slabs, next, done)
		for p := range next {
			if p.panicked != nil {
				panic(p.panicked)
			}
			if !yield(p.node, p.err) {
				return // the parser may still be running: its slabs are left to the GC
			}
		}
		// The parser has stopped (it closed next) and the caller is done
		// with every tree (each was only valid during its yield).
		slabs.release()
	}
}

// parseAhead is how many parsed documents may wait for the decoder: enough
// to smooth out documents of different sizes, few enough to hold little
// memory.
const parseAhead = 32

// decodeDocument dispatches one document (or each item of a List) to its
// kind's decoder.
func decodeDocument(set *Set, doc *yaml.Node, src Source, ref *docRef, arena *decodeArena) ErrorList {
	var conv converter
	root := conv.deref(doc)
	if conv.fatal != nil {
		src.Line = conv.fatalLine
		return ErrorList{{Source: src, Err: conv.fatal}}
	}
	if root == nil || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		return nil // an empty document, such as a trailing "---"
	}
	if root.Kind != yaml.MappingNode {
		return ErrorList{{Source: src, Err: fmt.Errorf("a Kubernetes object must be a YAML mapping, not %v", nodeValue(root))}}
	}
	apiVersion, kind := scalarKey(root, "apiVersion"), scalarKey(root, "kind")
	if isList(kind) {
		items := mappingValue(root, "items")
		if items == nil || items.Kind != yaml.SequenceNode {
			return ErrorList{{Source: src, Object: strings.Clone(kind), Field: field.Required(field.NewPath("items"), "a "+kind+" needs a list of items")}}
		}
		var errs ErrorList
		for i, item := range items.Content {
			itemSrc := src
			itemSrc.Line = item.Line
			itemRef := *ref
			itemRef.item, itemRef.start = i, item.Line
			errs = append(errs, decodeObject(set, item, itemSrc, &itemRef, listItemDefaults(apiVersion, kind), arena)...)
		}
		return errs
	}
	return decodeObject(set, root, src, ref, typeMeta{}, arena)
}

// typeMeta is an apiVersion and kind pair.
type typeMeta struct{ apiVersion, kind string }

// isList reports whether kind is a list wrapper: the generic v1 List or a
// typed list such as IngressList.
func isList(kind string) bool {
	return kind == "List" || (strings.HasSuffix(kind, "List") && len(kind) > len("List"))
}

// listItemDefaults gives the type of the items of a typed list, whose items
// may leave apiVersion and kind out, as `kubectl get -o yaml` output does.
func listItemDefaults(apiVersion, kind string) typeMeta {
	if kind == "List" {
		return typeMeta{}
	}
	return typeMeta{apiVersion: apiVersion, kind: strings.TrimSuffix(kind, "List")}
}

func decodeObject(set *Set, n *yaml.Node, src Source, ref *docRef, defaults typeMeta, arena *decodeArena) ErrorList {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return ErrorList{{Source: src, Err: fmt.Errorf("a Kubernetes object must be a YAML mapping, not %v", nodeValue(n))}}
	}
	tm := typeMeta{apiVersion: scalarKey(n, "apiVersion"), kind: scalarKey(n, "kind")}
	if tm.apiVersion == "" && tm.kind == "" {
		tm = defaults
	}
	var missing field.ErrorList
	if tm.apiVersion == "" {
		missing = append(missing, field.Required(field.NewPath("apiVersion"), "every object needs an apiVersion, for example networking.k8s.io/v1"))
	}
	if tm.kind == "" {
		missing = append(missing, field.Required(field.NewPath("kind"), "every object needs a kind, for example Ingress"))
	}
	if len(missing) > 0 {
		var errs ErrorList
		for _, m := range missing {
			errs = append(errs, &Error{Source: src, Field: m})
		}
		return errs
	}
	if isList(tm.kind) {
		return ErrorList{{Source: src, Err: fmt.Errorf("a %s inside a list is not supported; put its items in the outer list", tm.kind)}}
	}
	k, ok := kinds[tm]
	if !ok {
		set.Warnings = append(set.Warnings, skippedKind(tm, n, src))
		return nil
	}
	return k.decode(set, n, tm.kind, src, ref, arena)
}

// skippedKind explains why a document is not used.
func skippedKind(tm typeMeta, n *yaml.Node, src Source) Warning {
	name := ""
	if meta := mappingValue(n, "metadata"); meta != nil {
		name = objectName(strings.ToLower(tm.kind), scalarKey(meta, "namespace"), scalarKey(meta, "name"))
	}
	for known := range kinds {
		if known.kind == tm.kind && sameKindFamily(known.apiVersion, tm.apiVersion) {
			return Warning{Source: src, Object: name, Message: fmt.Sprintf(
				"skipped: %s %s is not a supported API version (supported: %s)", tm.apiVersion, tm.kind, supportedVersions(tm.kind))}
		}
	}
	return Warning{Source: src, Object: name, Message: fmt.Sprintf(
		"skipped: kind %s (%s) is not used by ingressmux", tm.kind, tm.apiVersion)}
}

// scalarKey returns the string value of key in mapping n, or "".
func scalarKey(n *yaml.Node, key string) string {
	if v := mappingValue(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func (d *Decoder) tooLarge() error {
	return fmt.Errorf("input is larger than the %d-byte limit (Decoder.MaxFileSize)", d.maxFileSize())
}

// readAll reads at most the size limit, failing fast on anything larger
// instead of buffering it.
func (d *Decoder) readAll(r io.Reader) ([]byte, error) {
	limit := d.maxFileSize()
	var buf bytes.Buffer
	// A file that tells its size is read into one buffer of that size:
	// io.ReadAll grows its buffer as it goes, allocating and copying about
	// twice the file.
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() <= limit {
			buf.Grow(int(info.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, d.tooLarge()
	}
	return buf.Bytes(), nil
}

// osFS opens operating-system paths as given (absolute or relative), which
// os.DirFS cannot do for absolute paths and "..".
type osFS struct{}

func (osFS) Open(name string) (fs.File, error) { return os.Open(filepath.FromSlash(name)) }

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(filepath.FromSlash(name)) }

func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(filepath.FromSlash(name)) }

// ReadFiles reads files and directories with the default limits; see
// Decoder.ReadFiles.
func ReadFiles(paths ...string) (*Set, error) { return new(Decoder).ReadFiles(paths...) }

// ReadFS reads from a file system with the default limits; see
// Decoder.ReadFS.
func ReadFS(fsys fs.FS, paths ...string) (*Set, error) { return new(Decoder).ReadFS(fsys, paths...) }

// Decode reads one stream with the default limits; see Decoder.Decode.
func Decode(name string, r io.Reader) (*Set, error) { return new(Decoder).Decode(name, r) }

// DecodeBytes reads documents from data with the default limits; see
// Decoder.DecodeBytes.
func DecodeBytes(name string, data []byte) (*Set, error) { return new(Decoder).DecodeBytes(name, data) }
