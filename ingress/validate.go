package ingress

import (
	"fmt"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks every object of s the way the apiserver checks it on
// create, and checks that no two objects of the same kind share a namespace
// and name. It collects every problem; the error, when not nil, is an
// ErrorList whose entries carry the file, line, object and field path.
// Validate does not modify s.
func (s *Set) Validate() error {
	var errs ErrorList
	dups := make(duplicateCheck, s.Len()) // sized: no growing over 10,000s of names
	s.validateInto(&errs, dups)
	if s.partial != nil {
		// Objects that failed to decode: their other mistakes are reported
		// too, less the echoes of the decoding problems.
		s.partial.validateInto(&errs, dups)
	}
	return errs.orNil()
}

// validateInto appends the problems of every object of s to errs.
func (s *Set) validateInto(errs *ErrorList, dups duplicateCheck) {
	add := func(src Source, ref *docRef, object string, list field.ErrorList) {
		for _, fe := range list {
			if ref.shadows(fe.Field) {
				continue
			}
			at := src
			if line := ref.line(fe.Field); line > 0 {
				at.Line = line
			}
			*errs = append(*errs, &Error{Source: at, Object: object, Field: fe})
		}
	}
	// Each object's name is rendered once, for its errors and the
	// duplicate check.
	for _, o := range s.Ingresses {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateIngress(o.Ingress))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
	for _, o := range s.IngressClasses {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateIngressClass(o.IngressClass))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
	for _, o := range s.Services {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateService(o.Service))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
	for _, o := range s.EndpointSlices {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateEndpointSlice(o.EndpointSlice))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
	for _, o := range s.Secrets {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateSecret(o.Secret))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
	for _, o := range s.ConfigMaps {
		ref := o.Ref()
		add(o.Source, o.doc, ref, validateConfigMap(o.ConfigMap))
		add(o.Source, o.doc, ref, dups.check(ref, o.Source))
	}
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

// validateMeta checks metadata with apimachinery's own object-meta rules
// (name, namespace, labels, annotation keys and total size).
func validateMeta(meta metav1.Object, namespaced bool, nameFn apivalidation.ValidateNameFunc) field.ErrorList {
	return apivalidation.ValidateObjectMetaAccessor(meta, namespaced, nameFn, metadataPath)
}

// metadataPath is shared by every object: a field.Path is never changed,
// only extended into new paths.
var metadataPath = field.NewPath("metadata")

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
