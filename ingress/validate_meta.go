package ingress

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateMeta checks metadata with apimachinery's object-meta rules (name,
// namespace, labels, annotation keys and total size, owner references,
// finalizers, managed fields): the checks of its ValidateObjectMetaAccessor,
// in their order, with their errors, made of the same apimachinery calls.
// Two things differ, both invisible in the result: the namespace and the
// annotation keys, which repeat from object to object, are checked through
// c; and the fields an object leaves empty, which pass, cost nothing.
func validateMeta(meta metav1.Object, namespaced bool, nameFn apivalidation.ValidateNameFunc, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	if generate := meta.GetGenerateName(); generate != "" {
		for _, msg := range nameFn(generate, true) {
			errs = append(errs, field.Invalid(metadataPath.Child("generateName"), generate, msg))
		}
	}
	if name := meta.GetName(); name == "" {
		errs = append(errs, field.Required(metadataPath.Child("name"), "name or generateName is required"))
	} else {
		for _, msg := range nameFn(name, false) {
			errs = append(errs, field.Invalid(metadataPath.Child("name"), name, msg))
		}
	}
	namespace := meta.GetNamespace()
	switch {
	case namespaced && namespace == "":
		errs = append(errs, field.Required(metadataPath.Child("namespace"), ""))
	case namespaced:
		for _, msg := range c.check(checkNamespace, namespace) {
			errs = append(errs, field.Invalid(metadataPath.Child("namespace"), namespace, msg))
		}
	case namespace != "":
		errs = append(errs, field.Forbidden(metadataPath.Child("namespace"), "not allowed on this type"))
	}
	if generation := meta.GetGeneration(); generation < 0 {
		errs = append(errs, apivalidation.ValidateNonnegativeField(generation, metadataPath.Child("generation")).MarkCoveredByDeclarative()...)
	}
	if labels := meta.GetLabels(); len(labels) > 0 {
		errs = append(errs, metav1validation.ValidateLabels(labels, metadataPath.Child("labels"))...)
	}
	if annotations := meta.GetAnnotations(); len(annotations) > 0 {
		errs = append(errs, validateAnnotations(annotations, c)...)
	}
	if owners := meta.GetOwnerReferences(); len(owners) > 0 {
		errs = append(errs, apivalidation.ValidateOwnerReferences(owners, metadataPath.Child("ownerReferences"))...)
	}
	if finalizers := meta.GetFinalizers(); len(finalizers) > 0 {
		errs = append(errs, apivalidation.ValidateFinalizers(finalizers, metadataPath.Child("finalizers"))...)
	}
	if managed := meta.GetManagedFields(); len(managed) > 0 {
		errs = append(errs, metav1validation.ValidateManagedFields(managed, metadataPath.Child("managedFields"), metav1validation.CoveredByDeclarative)...)
	}
	return errs
}

// validateAnnotations is apimachinery's ValidateAnnotations with each key
// checked through c.
func validateAnnotations(annotations map[string]string, c *checkCache) field.ErrorList {
	var errs field.ErrorList
	for key := range annotations {
		for _, msg := range c.check(checkAnnotationKey, key) {
			errs = append(errs, field.Invalid(metadataPath.Child("annotations"), key, msg).WithOrigin("format=k8s-label-key"))
		}
	}
	if apivalidation.ValidateAnnotationsSize(annotations) != nil {
		errs = append(errs, field.TooLong(metadataPath.Child("annotations"), "", apivalidation.TotalAnnotationSizeLimitB))
	}
	return errs
}

// metadataPath is shared by every object: a field.Path is never changed,
// only extended into new paths.
var metadataPath = field.NewPath("metadata")
