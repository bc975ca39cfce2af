package gateway

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/ingressmux/ingressmux/ingress"
)

func TestValidateObjectFillsDefaults(t *testing.T) {
	route := &gatewayv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: gatewayv1.HTTPRouteSpec{
			Rules: []gatewayv1.HTTPRouteRule{{
				BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
					BackendObjectReference: gatewayv1.BackendObjectReference{Name: "svc", Port: new(gatewayv1.PortNumber(80))},
				}}},
			}},
		},
		Status: gatewayv1.HTTPRouteStatus{RouteStatus: gatewayv1.RouteStatus{Parents: []gatewayv1.RouteParentStatus{{ControllerName: "example.com/c"}}}},
	}
	if errs := ValidateObject(ingress.Source{File: "r.yaml"}, route, nil); errs != nil {
		t.Fatalf("ValidateObject = %v", errs)
	}
	rule := route.Spec.Rules[0]
	if len(rule.Matches) != 1 || *rule.Matches[0].Path.Type != gatewayv1.PathMatchPathPrefix || *rule.Matches[0].Path.Value != "/" {
		t.Errorf("matches = %+v, want one PathPrefix / match", rule.Matches)
	}
	if w := rule.BackendRefs[0].Weight; w == nil || *w != 1 {
		t.Errorf("weight = %v, want 1", w)
	}
	if k := rule.BackendRefs[0].Kind; k == nil || *k != "Service" {
		t.Errorf("kind = %v, want Service", k)
	}
	if route.Namespace != "default" {
		t.Errorf("namespace = %q, want default", route.Namespace)
	}
	if len(route.Status.Parents) != 1 {
		t.Errorf("status = %+v, want it kept", route.Status)
	}

	gw := &gatewayv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "infra"},
		Spec:       gatewayv1.GatewaySpec{GatewayClassName: "c", Listeners: []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}}},
	}
	if errs := ValidateObject(ingress.Source{}, gw, nil); errs != nil {
		t.Fatalf("ValidateObject = %v", errs)
	}
	if ar := gw.Spec.Listeners[0].AllowedRoutes; ar == nil || ar.Namespaces == nil || *ar.Namespaces.From != gatewayv1.NamespacesFromSame {
		t.Errorf("allowedRoutes = %+v, want namespaces from Same", ar)
	}
}

func TestValidateObjectErrors(t *testing.T) {
	src := ingress.Source{File: "x.yaml", Doc: 1, Line: 3}
	for _, tt := range []struct {
		name string
		obj  runtime.Object
		want string
	}{{
		name: "invalid route",
		obj:  &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"}, Spec: gatewayv1.HTTPRouteSpec{Hostnames: []gatewayv1.Hostname{"Bad_Host"}}},
		want: "x.yaml:3 (document 1): httproute team/web: spec.hostnames[0]: Invalid value: \"Bad_Host\": spec.hostnames[0] in body should match",
	}, {
		name: "v1beta1 ReferenceGrant",
		obj: &gatewayv1beta1.ReferenceGrant{ObjectMeta: metav1.ObjectMeta{Name: "g", Namespace: "team"}, Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute", Namespace: "web"}},
		}},
		want: "x.yaml:3 (document 1): referencegrant team/g: spec.to: Required value",
	}, {
		name: "not a Gateway API type",
		obj:  &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: "team"}},
		want: "x.yaml:3 (document 1): service team/svc: gateway: cannot validate a *v1.Service: not a Gateway API object",
	}, {
		name: "nil",
		obj:  (*gatewayv1.HTTPRoute)(nil),
		want: "x.yaml:3 (document 1): httproute: gateway: no object to validate",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateObject(src, tt.obj, nil)
			if len(errs) == 0 || !strings.HasPrefix(errs[0].Error(), tt.want) {
				t.Errorf("ValidateObject = %v\nwant its first error to start with %s", errs, tt.want)
			}
		})
	}
}
