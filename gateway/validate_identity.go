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
	if e, ok := identities.lookup(obj); ok && reflect.DeepEqual(obj, e.validated) {
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
