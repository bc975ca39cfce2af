package gateway

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/operation"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"

	"github.com/ingressmux/ingressmux/ingress"
)

// Validate checks one Gateway API object the way a kube-apiserver with the
// standard-channel CRDs of Gateway API v1.6.3 installed checks it on
// create, and returns the object as that apiserver would store it.
//
// obj is the object's unstructured content, as
// runtime.DefaultUnstructuredConverter.ToUnstructured gives it for the
// typed gateway-api objects or as a YAML or JSON decoder gives it; it is not
// modified. apiVersion and kind select the CRD and version (for example
// "gateway.networking.k8s.io/v1", "HTTPRoute") and are written into the
// result, whatever obj says.
//
// The returned object has gone through what the apiserver does before
// validating: fields the schema does not know are pruned (and reported),
// the schema's defaults are applied (a path match without a type gets
// PathPrefix "/", a backendRef without a weight gets 1, a listener's
// allowedRoutes gets namespaces.from Same), status is dropped because
// create never sets it, a namespaced object without a namespace is put in
// "default" and a cluster-scoped one loses its namespace, as kubectl apply
// does. The object is returned even when it is invalid, so that callers
// can report and still inspect it; it is nil only when apiVersion and kind
// name no known CRD version or obj cannot be read at all (a value that is
// not JSON, metadata that is not an object).
//
// The errors are every problem the apiserver would report, with its field
// paths and messages: metadata (name and namespace rules, labels,
// annotations), the OpenAPI schema (types, enums, patterns, lengths, item
// counts, required fields), list uniqueness, and the CRDs'
// x-kubernetes-validations CEL rules, which run within the apiserver's cost
// limits per rule and per object. As in the apiserver, the CEL rules are
// not evaluated when the schema already found a missing, unsupported,
// too long, too many or mistyped value; an error says so. Unknown fields are
// reported with the error type ingress.ErrorTypeUnknownField, as the
// apiserver's strict field validation (kubectl's default) rejects them;
// ingress.Error renders them as "spec.foo: unknown field".
//
// Validate is safe for concurrent use. The first call for a kind compiles
// that kind's CRD (HTTPRoute's, the largest, takes a few tenths of a
// second); later calls reuse it. A call costs what the apiserver's checks
// cost, a few milliseconds for a route of ten rules, most of it in the CEL
// rules; Validate remembers the results for the objects it saw last, so
// validating an unchanged object again, as every reload does, costs a
// small fraction of that.
func Validate(apiVersion, kind string, obj map[string]any) (map[string]any, field.ErrorList) {
	out, errs, _ := validateRemembered(apiVersion, kind, obj)
	return out, errs
}

// validateRemembered is Validate, and the length of the result's JSON as
// the memory of results counts it: a measure of what remembering the
// result costs, more than cacheMaxBytes when it is not remembered.
func validateRemembered(apiVersion, kind string, obj map[string]any) (map[string]any, field.ErrorList, int) {
	key, cacheable := keyOf(apiVersion, kind, obj)
	if cacheable {
		if out, errs, size, ok := results.get(key); ok {
			return out, errs, size
		}
	}
	out, errs := validate(apiVersion, kind, obj)
	size := cacheMaxBytes + 1
	if cacheable {
		size = results.put(key, out, errs)
	}
	return out, errs, size
}

// validate is Validate without the memory of earlier results.
func validate(apiVersion, kind string, obj map[string]any) (out map[string]any, errs field.ErrorList) {
	defer func() {
		// The apiserver answers a panic in validation with an internal
		// error for that request; one bad object must not take the
		// program down.
		if r := recover(); r != nil {
			out, errs = nil, field.ErrorList{field.InternalError(nil, fmt.Errorf("validating %s %s: %v", apiVersion, kind, r))}
		}
	}()
	compile, ok := compiledCRDs[kind]
	if !ok {
		return nil, field.ErrorList{field.NotSupported(field.NewPath("kind"), kind, knownKinds())}
	}
	crd, err := compile()
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	group, version, _ := strings.Cut(apiVersion, "/")
	vs := crd.versions[version]
	if group != crd.group || vs == nil {
		return nil, field.ErrorList{field.NotSupported(field.NewPath("apiVersion"), apiVersion, crd.served)}
	}
	copied, err := copyJSON(obj, 0)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, err.Error())}
	}
	u := copied.(map[string]any)
	u["apiVersion"], u["kind"] = apiVersion, kind
	if crd.hasStatus {
		delete(u, "status")
	}

	meta, errs := coerce(u, vs.structural, crd.namespaced)
	if meta == nil {
		return nil, errs
	}
	structuraldefaulting.Default(u, vs.structural)

	// From here on, the apiserver's customResourceStrategy.Validate.
	errs = append(errs, apivalidation.ValidateObjectMetaDeclaratively(context.Background(), operation.Create, meta, nil,
		crd.namespaced, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"),
		utilfeature.DefaultFeatureGate.Enabled(features.DeclarativeValidationBeta))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, vs.validator)...)
	errs = append(errs, schemaobjectmeta.Validate(context.Background(), nil, u, vs.structural, false)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, vs.structural, u)...)
	if vs.cel != nil {
		if blocking := blockingError(errs); blocking != nil {
			errs = append(errs, blocking)
		} else {
			celErrs, _ := vs.cel.Validate(context.Background(), nil, vs.structural, u, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	return u, errs
}

// coerce does to u what the apiserver's decoder and create preparation do
// before validation: read metadata strictly, prune unknown fields, drop
// nulls the schema does not allow, and settle the namespace. It returns the
// object's metadata, or nil when metadata cannot be read at all.
func coerce(u map[string]any, s *structuralschema.Structural, namespaced bool) (*metav1.ObjectMeta, field.ErrorList) {
	meta, _, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("metadata"), u["metadata"], err.Error())}
	}
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(u, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u, s)
	if ferr, _ := schemaobjectmeta.CoerceWithOptions(nil, u, s, false, schemaobjectmeta.CoerceOptions{}); ferr != nil {
		return nil, field.ErrorList{ferr}
	}
	switch {
	case !namespaced:
		meta.Namespace = ""
	case meta.Namespace == "":
		meta.Namespace = metav1.NamespaceDefault
	}
	if err := schemaobjectmeta.SetObjectMeta(u, meta); err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("metadata"), u["metadata"], err.Error())}
	}
	var errs field.ErrorList
	slices.Sort(unknown)
	for _, p := range unknown {
		errs = append(errs, &field.Error{Type: ingress.ErrorTypeUnknownField, Field: p, BadValue: nil})
	}
	return meta, errs
}

// blockingError is the apiserver's rule for skipping CEL validation: a
// value that is missing, unsupported, too long, too many or of the wrong
// type would make the rules fail for the wrong reason or cost too much.
func blockingError(errs field.ErrorList) *field.Error {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return nil
}

// maxDepth bounds the nesting of maps and lists in an object; the deepest
// Gateway API schema has about twenty levels.
const maxDepth = 64

// knownKinds lists the kinds Validate knows, sorted.
func knownKinds() []string {
	kinds := make([]string, 0, len(crdFileOfKind))
	for k := range crdFileOfKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// copyJSON deep-copies a JSON-like value, turning Go's other integer and
// float types into the int64 and float64 that the schema validators
// expect. A whole float64 becomes an int64, as the apiserver's JSON decoder
// reads 80 (YAML decoders that go through encoding/json give 80 as a
// float64). It fails, rather than panics, on any other type and on
// nesting deeper than any Gateway API object has, which also stops at a
// map that contains itself.
func copyJSON(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the object is nested more than %d levels deep", maxDepth)
	}
	switch v := v.(type) {
	case nil, string, bool, int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt64 && v < math.MaxInt64 {
			return int64(v), nil
		}
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case uint64:
		if v > math.MaxInt64 {
			return float64(v), nil
		}
		return int64(v), nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := copyJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := copyJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("a value of Go type %T is not JSON", v)
	}
}
