package gateway

import (
	"fmt"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	fail := func(err error) ingress.ErrorList {
		name := strings.ToLower(typeName(obj))
		if m, ok := obj.(metav1.Object); ok && !reflect.ValueOf(obj).IsNil() {
			name = objectRef(typeName(obj), map[string]any{"metadata": map[string]any{"namespace": m.GetNamespace(), "name": m.GetName()}})
		}
		return ingress.ErrorList{{Source: src, Object: name, Err: err}}
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
	out, errs := ValidateSource(src, gvk.GroupVersion().String(), gvk.Kind, u, line)
	if out == nil {
		return errs
	}
	if status, ok := u["status"]; ok {
		out["status"] = status
	}
	filled := reflect.New(reflect.TypeOf(obj).Elem())
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(out, filled.Interface()); err != nil {
		return append(errs, fail(fmt.Errorf("gateway: applying defaults: %w", err))...)
	}
	reflect.ValueOf(obj).Elem().Set(filled.Elem())
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
