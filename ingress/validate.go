package ingress

import (
	"fmt"

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
	add := func(src Source, ref *docRef, object string, list field.ErrorList) {
		for _, fe := range list {
			at := src
			if line := ref.line(fe.Field); line > 0 {
				at.Line = line
			}
			errs = append(errs, &Error{Source: at, Object: object, Field: fe})
		}
	}
	dups := newDuplicateCheck()
	for _, o := range s.Ingresses {
		add(o.Source, o.doc, o.Ref(), validateIngress(o.Ingress))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	for _, o := range s.IngressClasses {
		add(o.Source, o.doc, o.Ref(), validateIngressClass(o.IngressClass))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	for _, o := range s.Services {
		add(o.Source, o.doc, o.Ref(), validateService(o.Service))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	for _, o := range s.EndpointSlices {
		add(o.Source, o.doc, o.Ref(), validateEndpointSlice(o.EndpointSlice))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	for _, o := range s.Secrets {
		add(o.Source, o.doc, o.Ref(), validateSecret(o.Secret))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	for _, o := range s.ConfigMaps {
		add(o.Source, o.doc, o.Ref(), validateConfigMap(o.ConfigMap))
		add(o.Source, o.doc, o.Ref(), dups.check(o.Ref(), o.Source))
	}
	return errs.orNil()
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
	return apivalidation.ValidateObjectMetaAccessor(meta, namespaced, nameFn, field.NewPath("metadata"))
}

// invalidEach turns the messages of apimachinery's string checks into one
// Invalid error each, as the apiserver does.
func invalidEach(path *field.Path, value any, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}
