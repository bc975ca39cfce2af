package gateway

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ingressmux/ingressmux/ingress"
)

// Remembering results by content still costs, on every compile, a
// conversion of each object to unstructured content, its JSON and a hash,
// and the conversion of the remembered result back: most of a compile of
// unchanged routes. But the objects a compile sees again are, nearly
// always, the very same objects: the file cache hands out the decoded
// objects of unchanged files again, an informer's lister the objects it
// holds until they change (client-go's convention: nobody changes them),
// and a Mux the objects it was given until they are replaced. Results are
// therefore also remembered by the object's identity, with a copy of the
// object as it was validated: an object seen before whose content is
// still equal to that copy gets the remembered result for the cost of a
// comparison and a copy, with no conversion and no hash. An object
// changed in place since is not equal to its copy; it is validated again
// (by content), so the answer is never stale whoever changes what.
//
// The memory has the same two generations and limits as the memory by
// content. It keeps the objects it was given alive until they age out.

// identityEntry is a remembered result of validating one object.
type identityEntry struct {
	// validated is a copy of the object as it was validated.
	validated runtime.Object
	result    typedResult
}

var identities = newGenerations[runtime.Object](cacheEntries, cacheBytes, func(e *identityEntry) int { return e.result.size })

// validatedCopy returns a copy of obj filled in as ValidateObject fills
// it, and ValidateObject's errors, without changing obj. The copy is the
// caller's own. When obj cannot be filled in, the copy is a plain copy of
// obj and the errors say why.
func validatedCopy[P runtime.Object](src ingress.Source, obj P, line func(fieldPath string) int) (P, ingress.ErrorList) {
	r := rememberedTyped(obj)
	from := runtime.Object(obj)
	if r.filled != nil {
		from = r.filled
	}
	var out P
	if !reflect.ValueOf(from).IsNil() {
		out = from.DeepCopyObject().(P)
	}
	return out, r.errorList(src, line)
}

// rememberedTyped is validateTyped, remembered by obj's identity as long
// as obj's content stays what it was.
func rememberedTyped(obj runtime.Object) typedResult {
	if obj == nil || reflect.ValueOf(obj).IsNil() {
		return validateTyped(obj)
	}
	if e, ok := identities.lookup(obj); ok && sameContent(reflect.ValueOf(obj), reflect.ValueOf(e.validated), 0) {
		return e.result
	}
	// The copy is validated, so that what is remembered is exactly the
	// result for the content it is compared with.
	validated := obj.DeepCopyObject()
	r := validateTyped(validated)
	if r.size <= cacheMaxBytes {
		identities.store(obj, &identityEntry{validated: validated, result: r})
	}
	return r
}

// sameContent reports whether a and b, values of the same type, hold the
// same content, as reflect.DeepEqual does for the Gateway API types,
// which are trees. reflect.DeepEqual pays for recording every pointer it
// follows, to stop at cycles, and that was most of its cost here; a tree
// has none, and a value deeper than any Gateway API type (a cycle, or a
// type this was not written for) is simply not the same, so that it is
// validated again. Floats compare with ==, so a NaN is never the same
// either.
func sameContent(a, b reflect.Value, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return sameContent(a.Elem(), b.Elem(), depth+1)
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameContent(a.Field(i), b.Field(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return false
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameContent(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			v := b.MapIndex(it.Key())
			if !v.IsValid() || !sameContent(it.Value(), v, depth+1) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	default:
		// Functions, channels and unsafe pointers are no content of
		// an API object.
		return false
	}
}
