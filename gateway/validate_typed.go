package gateway

import (
	"fmt"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/ingressmux/ingressmux/ingress"
)

// typedKinds maps the gateway-api Go types Validate knows to their
// apiVersion and kind, whatever their TypeMeta says.
var typedKinds = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{gatewayv1.Install, gatewayv1beta1.Install} {
		if err := add(s); err != nil {
			panic(err) // only if gateway-api's registration itself is broken
		}
	}
	return s
}()

// ValidateObject validates a typed gateway-api object (a
// *gatewayv1.HTTPRoute, *gatewayv1.Gateway, *gatewayv1.GatewayClass,
// *gatewayv1.GRPCRoute, *gatewayv1.ReferenceGrant,
// *gatewayv1beta1.ReferenceGrant or *gatewayv1.BackendTLSPolicy) as
// ValidateSource does, and then fills obj in as the apiserver would store
// it: with the CRD defaults applied (PathPrefix "/" matches, backend weights
// of 1, listeners' allowedRoutes from Same, ...) and its namespace settled.
// Its status is left as it was. obj is changed only when it could be
// validated; the errors are nil when it is valid.
func ValidateObject(src ingress.Source, obj runtime.Object, line func(fieldPath string) int) ingress.ErrorList {
	r := validateTyped(obj)
	if r.filled != nil {
		reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(r.filled).Elem())
	}
	return r.errorList(src, line)
}

// typedResult is what validating a typed object gives, whatever source
// and lines its errors are to point at.
type typedResult struct {
	// filled is the object as the apiserver would store it, with its
	// status kept; nil when the object could not be validated or filled.
	filled runtime.Object
	// errs are the validation errors, of the object called ref.
	ref  string
	errs field.ErrorList
	// failure says why the object, called failRef, could not be validated
	// or filled; nil when it could.
	failRef string
	failure error
	// size is the length of the result's JSON (see validateRemembered).
	size int
}

// validateTyped validates obj, which it does not change.
func validateTyped(obj runtime.Object) typedResult { return validateTypedWith(obj, validateRemembered) }

// validateTypedWith is validateTyped with check in place of
// validateRemembered.
func validateTypedWith(obj runtime.Object, check func(apiVersion, kind string, obj map[string]any) (map[string]any, field.ErrorList, int)) typedResult {
	fail := func(err error) typedResult {
		name := strings.ToLower(typeName(obj))
		if m, ok := obj.(metav1.Object); ok && !reflect.ValueOf(obj).IsNil() {
			name = objectRef(typeName(obj), map[string]any{"metadata": map[string]any{"namespace": m.GetNamespace(), "name": m.GetName()}})
		}
		return typedResult{failRef: name, failure: err}
	}
	if obj == nil || reflect.ValueOf(obj).IsNil() {
		return fail(fmt.Errorf("gateway: no object to validate"))
	}
	gvks, _, err := typedKinds.ObjectKinds(obj)
	if err != nil {
		return fail(fmt.Errorf("gateway: cannot validate a %T: not a Gateway API object", obj))
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fail(fmt.Errorf("gateway: %w", err))
	}
	gvk := gvks[0]
	out, errs, size := check(gvk.GroupVersion().String(), gvk.Kind, u)
	r := typedResult{errs: errs, size: size}
	if len(errs) > 0 {
		r.ref = objectRef(gvk.Kind, out, u)
	}
	if out == nil {
		return r
	}
	if status, ok := u["status"]; ok {
		out["status"] = status
	}
	filled := reflect.New(reflect.TypeOf(obj).Elem())
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(out, filled.Interface()); err != nil {
		f := fail(fmt.Errorf("gateway: applying defaults: %w", err))
		r.failRef, r.failure = f.failRef, f.failure
		return r
	}
	r.filled = filled.Interface().(runtime.Object)
	return r
}

// errorList reports the errors of r as ValidateSource does, at src and
// the lines line gives; nil when there are none. The errors are the
// caller's own.
func (r *typedResult) errorList(src ingress.Source, line func(fieldPath string) int) ingress.ErrorList {
	if len(r.errs) == 0 && r.failure == nil {
		return nil
	}
	var errs ingress.ErrorList
	for _, fe := range copyErrors(r.errs) {
		at := src
		if line != nil {
			if l := line(fe.Field); l > 0 {
				at.Line = l
			}
		}
		errs = append(errs, &ingress.Error{Source: at, Object: r.ref, Field: fe})
	}
	if r.failure != nil {
		errs = append(errs, &ingress.Error{Source: src, Object: r.failRef, Err: r.failure})
	}
	return errs
}

// typeName is the Go type name of obj, which for gateway-api objects is
// their kind.
func typeName(obj runtime.Object) string {
	if obj == nil {
		return "object"
	}
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
