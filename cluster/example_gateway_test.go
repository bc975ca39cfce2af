package cluster_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayfake "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/fake"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/proxy"
)

// Gateway API objects served from a cluster. A real program makes the
// Gateway API client with the gateway-api module's versioned.NewForConfig
// from the same configuration as the Kubernetes client; fake clientsets
// stand in for the apiserver here, whose discovery says it serves the
// Gateway API.
func Example_gatewayAPI() {
	port, ready := int32(8080), true
	client := fake.NewClientset(
		&corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
		},
		&discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Namespace: "shop", Name: "web-1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Port: &port}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.1.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		})
	client.Resources = []*metav1.APIResourceList{{GroupVersion: "gateway.networking.k8s.io/v1", APIResources: []metav1.APIResource{
		{Name: "gatewayclasses"}, {Name: "gateways", Namespaced: true}, {Name: "httproutes", Namespaced: true},
	}}}
	gw := gatewayfake.NewSimpleClientset()
	backendPort := gatewayv1.PortNumber(80)
	for _, o := range []struct {
		resource, namespace string
		obj                 runtime.Object
	}{
		{"gatewayclasses", "", &gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: "mux"},
			Spec: gatewayv1.GatewayClassSpec{ControllerName: gateway.DefaultControllerName}}},
		{"gateways", "shop", &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "edge"},
			Spec: gatewayv1.GatewaySpec{GatewayClassName: "mux", Listeners: []gatewayv1.Listener{{Name: "http", Protocol: gatewayv1.HTTPProtocolType, Port: 80}}}}},
		{"httproutes", "shop", &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "front"},
			Spec: gatewayv1.HTTPRouteSpec{
				CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "edge"}}},
				Hostnames:       []gatewayv1.Hostname{"shop.example.com"},
				Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
					BackendObjectReference: gatewayv1.BackendObjectReference{Name: "web", Port: &backendPort}}}}}},
			}}},
	} {
		if err := gw.Tracker().Create(schema.GroupVersionResource{Group: gatewayv1.GroupName, Version: "v1", Resource: o.resource}, o.obj, o.namespace); err != nil {
			panic(err)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	mux, err := ingressmux.LoadObjects(context.Background(), ingressmux.Config{Logger: quiet}, nil)
	if err != nil {
		panic(err)
	}
	source, err := cluster.New(cluster.Config{Client: client, Gateway: gw, Target: mux, Logger: quiet})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- source.Run(ctx) }()
	for !source.Ready() {
		time.Sleep(10 * time.Millisecond)
	}

	e, _ := mux.Explain("http://shop.example.com/cart")
	fmt.Println(e.Rule.Origin, e.Rule.Value.(*proxy.Route).Upstream.Endpoints)

	cancel()
	fmt.Println(<-done)
	// Output:
	// httproute shop/front [10.1.0.1:8080]
	// <nil>
}
