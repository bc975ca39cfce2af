package ingress_test

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// A Tracker keeps the table current as objects change, compiling only the
// Ingresses a change touches.
func ExampleTracker() {
	shop := func(path string) *networkingv1.Ingress {
		prefix := networkingv1.PathTypePrefix
		return &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "web"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
				Host: "shop.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: path, PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "shop", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				}}}},
			}}},
		}
	}
	tr := ingress.NewTracker(ingress.Options{Backends: map[string]string{"web/shop:80": "10.0.0.1:8080"}})
	if _, err := tr.Apply(ingress.Add(shop("/"))); err != nil {
		fmt.Println(err)
	}
	res, err := tr.Apply(ingress.Update(shop("/cart")))
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println("compiled again:", res.Hosts)
	fmt.Println("/cart:", tr.Compiled().Table.Match("shop.example.com", "/cart") != nil)
	fmt.Println("/:", tr.Compiled().Table.Match("shop.example.com", "/") != nil)

	// An invalid change is refused and the table stays.
	_, err = tr.Apply(ingress.Update(shop("cart")))
	fmt.Println("refused:", err != nil, "/cart still routed:", tr.Compiled().Table.Match("shop.example.com", "/cart") != nil)
	// Output:
	// compiled again: map[shop.example.com:true]
	// /cart: true
	// /: false
	// refused: true /cart still routed: true
}
