package cluster_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// A Mux fed by a cluster. A real program makes its client with
// kubernetes.NewForConfig from a kubeconfig or the in-cluster
// configuration; a fake clientset stands in for the apiserver here.
func Example() {
	prefix, port, ready := networkingv1.PathTypePrefix, int32(8080), true
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
		},
		&networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "front"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
				Host: "shop.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				}}}},
			}}},
		})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// In a cluster, one bad Ingress must not take the others down.
	mux, err := ingressmux.LoadObjects(context.Background(), ingressmux.Config{
		Options: ingress.Options{SkipInvalidIngresses: true},
		Logger:  quiet,
	}, nil)
	if err != nil {
		panic(err)
	}
	source, err := cluster.New(cluster.Config{Client: client, Target: mux, Logger: quiet})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- source.Run(ctx) }()
	for !source.Ready() { // a program's /readyz says 503 until then
		time.Sleep(10 * time.Millisecond)
	}

	e, _ := mux.Explain("http://shop.example.com/cart")
	fmt.Println(e.Rule.Origin, e.Rule.Value.(*proxy.Route).Upstream.Endpoints)

	cancel()
	fmt.Println(<-done)
	// Output:
	// ingress shop/front [10.1.0.1:8080]
	// <nil>
}
