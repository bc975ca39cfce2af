package ingress

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// Validate checks every object of s the way the apiserver checks it on
// create, and checks that no two objects of the same kind share a namespace
// and name. It collects every problem; the error, when not nil, is an
// ErrorList whose entries carry the file, line, object and field path.
// Validate does not modify s.
func (s *Set) Validate() error {
	return s.validate(validateInParallel).orNil()
}

// validateInParallel spreads Validate's objects over every CPU.
func validateInParallel(n int, each func(lo, hi int)) { parallel.Chunks(n, validateChunk, 0, each) }

// validateChunk is how many objects one goroutine of Validate checks at a
// time: enough to make taking a chunk cheap, few enough that two CPUs
// share a small set evenly.
const validateChunk = 256

// validate is Validate with run deciding how the objects are spread over
// goroutines: run calls each on ranges of object indexes that cover [0, n)
// once, in any order, on any goroutines (see inChunks). Each object is
// checked on its own; its problems are kept by its place in s, then
// gathered in that order on one goroutine, where the duplicate check runs.
// The list is therefore the same, entry by entry, however run spreads the
// work.
func (s *Set) validate(run func(n int, each func(lo, hi int))) ErrorList {
	sets := []*Set{s}
	if s.partial != nil {
		// Objects that failed to decode: their other mistakes are reported
		// too, less the echoes of the decoding problems.
		sets = append(sets, s.partial)
	}
	n := 0
	for _, set := range sets {
		n += set.lenValidated()
	}
	checked := make([]checkedObject, n)
	run(n, func(lo, hi int) {
		cache := checkCaches.Get().(*checkCache)
		defer checkCaches.Put(cache)
		for i := lo; i < hi; i++ {
			set, k := sets[0], i
			if k >= set.lenValidated() {
				set, k = sets[1], k-set.lenValidated()
			}
			checked[i] = set.checkObject(k, cache)
		}
	})
	var errs ErrorList
	dups := make(duplicateCheck, n) // sized: no growing over 10,000s of names
	for i := range checked {
		c := &checked[i]
		errs = append(errs, c.errs...)
		if dup := dups.check(c.ref, c.src); dup != nil {
			errs = append(errs, located(c.src, c.doc, c.ref, dup)...)
		}
	}
	return errs
}

// checkedObject is one object's own problems, and what the duplicate check
// needs of it.
type checkedObject struct {
	ref  string
	src  Source
	doc  *docRef
	errs []*Error
}

// lenValidated is the number of objects of the kinds Validate checks.
func (s *Set) lenValidated() int {
	return len(s.Ingresses) + len(s.IngressClasses) + len(s.Services) +
		len(s.EndpointSlices) + len(s.Secrets) + len(s.ConfigMaps)
}

// checkObject validates the k-th object of s, counting kinds in the order
// Validate reports them: Ingresses, IngressClasses, Services,
// EndpointSlices, Secrets, ConfigMaps. Each object's name is rendered
// once, for its errors and the duplicate check.
func (s *Set) checkObject(k int, cache *checkCache) checkedObject {
	checked := func(ref string, src Source, doc *docRef, list field.ErrorList) checkedObject {
		return checkedObject{ref: ref, src: src, doc: doc, errs: located(src, doc, ref, list)}
	}
	// k counts through the kinds in load order.
	if k < len(s.Ingresses) {
		o := &s.Ingresses[k]
		return checked(o.Ref(), o.Source, o.doc, validateIngress(o.Ingress, cache))
	}
	if k -= len(s.Ingresses); k < len(s.IngressClasses) {
		o := &s.IngressClasses[k]
		return checked(o.Ref(), o.Source, o.doc, validateIngressClass(o.IngressClass, cache))
	}
	if k -= len(s.IngressClasses); k < len(s.Services) {
		o := &s.Services[k]
		return checked(o.Ref(), o.Source, o.doc, validateService(o.Service, cache))
	}
	if k -= len(s.Services); k < len(s.EndpointSlices) {
		o := &s.EndpointSlices[k]
		return checked(o.Ref(), o.Source, o.doc, validateEndpointSlice(o.EndpointSlice, cache))
	}
	if k -= len(s.EndpointSlices); k < len(s.Secrets) {
		o := &s.Secrets[k]
		return checked(o.Ref(), o.Source, o.doc, validateSecret(o.Secret, cache))
	}
	o := &s.ConfigMaps[k-len(s.Secrets)]
	return checked(o.Ref(), o.Source, o.doc, validateConfigMap(o.ConfigMap, cache))
}

// located turns the field errors of one object into Errors that name it
// and point at the line of each field, leaving out the echoes of decoding
// problems.
func located(src Source, doc *docRef, object string, list field.ErrorList) []*Error {
	var errs []*Error
	for _, fe := range list {
		if doc.shadows(fe.Field) {
			continue
		}
		at := src
		if line := doc.line(fe.Field); line > 0 {
			at.Line = line
		}
		errs = append(errs, &Error{Source: at, Object: object, Field: fe})
	}
	return errs
}

// shadows reports whether a validation error at fieldPath only echoes a
// decoding problem: it concerns a field that decoding left out, something
// inside it, or an object that holds it (a port without its number is
// "Required" because the number was bad).
func (d *docRef) shadows(fieldPath string) bool {
	if d == nil {
		return false
	}
	for _, s := range d.shadow {
		if within(fieldPath, s) || within(s, fieldPath) {
			return true
		}
	}
	return false
}

// within reports whether path p is inner or the same as outer.
func within(p, outer string) bool {
	if !strings.HasPrefix(p, outer) {
		return false
	}
	rest := p[len(outer):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// duplicateCheck finds two objects of one kind with the same namespace and
// name. In a cluster the second would silently replace the first; in a set
// of files it is almost always a copy-paste mistake, so it is an error.
type duplicateCheck map[string]Source

func newDuplicateCheck() duplicateCheck { return make(duplicateCheck) }

func (d duplicateCheck) check(ref string, src Source) field.ErrorList {
	if first, seen := d[ref]; seen {
		return field.ErrorList{field.Duplicate(field.NewPath("metadata", "name"),
			fmt.Sprintf("%s is also defined at %s", ref, first))}
	}
	d[ref] = src
	return nil
}

// invalidEach turns the messages of apimachinery's string checks into one
// Invalid error each, as the apiserver does. The path is built, and the
// value boxed, only when there is a message.
func invalidEach[T any](p fieldPath, value T, msgs []string) field.ErrorList {
	if len(msgs) == 0 {
		return nil
	}
	path := p.path()
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}
