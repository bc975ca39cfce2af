package ingress

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestLinksAndRefs checks the names an Ingress shares with others and the
// objects it may read: each once, in the order first met, also past the
// length from which the list is indexed, under the default annotation
// prefix and another one.
func TestLinksAndRefs(t *testing.T) {
	var aliases, wantAliasLinks []string
	for i := range 20 {
		aliases = append(aliases, fmt.Sprintf("alias-%d.example.com", i%18))
		if i < 18 {
			wantAliasLinks = append(wantAliasLinks, fmt.Sprintf("h:alias-%d.example.com", i))
		}
	}
	backend := func(name string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 80}}}
	}
	rule := func(host string, services ...string) networkingv1.IngressRule {
		r := networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
		for _, s := range services {
			r.HTTP.Paths = append(r.HTTP.Paths, networkingv1.HTTPIngressPath{Path: "/" + s, Backend: backend(s)})
		}
		return r
	}
	for _, prefix := range []string{"", "example.com"} {
		p := prefix
		if p == "" {
			p = DefaultAnnotationPrefix
		}
		ing := Ingress{Ingress: &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: map[string]string{
				p + "/from-to-www-redirect": "true",
				p + "/server-alias":         strings.Join(aliases, " , "),
				p + "/auth-tls-secret":      "other/ca, tls-a;\tshop/tls-a",
			}},
			Spec: networkingv1.IngressSpec{
				Rules: []networkingv1.IngressRule{
					rule("www.Example.com", "web", "api", "web"),
					rule("example.com", "api"),
					rule("shop.example.com"),
				},
				TLS: []networkingv1.IngressTLS{{Hosts: []string{"example.com", "tls.example.com"}, SecretName: "tls-a"}, {SecretName: "tls-b"}},
			},
		}}
		opts := Options{AnnotationPrefix: prefix}
		wantLinks := append([]string{
			"h:www.example.com", "h:example.com", "h:shop.example.com", "h:www.shop.example.com",
			"h:tls.example.com", "h:",
		}, wantAliasLinks...)
		if got := opts.links(ing); !slices.Equal(got, wantLinks) {
			t.Errorf("prefix %q: links\n got %q\nwant %q", prefix, got, wantLinks)
		}
		got := refs(ing)
		if want := []string{"s:shop/web", "s:shop/api", "o:shop/tls-a", "o:shop/tls-b"}; !slices.Equal(got[:4], want) {
			t.Errorf("prefix %q: refs start with %q, want %q", prefix, got[:4], want)
		}
		for _, want := range []string{"o:other/ca", "o:shop/true", "o:shop/alias-17.example.com"} {
			if !slices.Contains(got, want) {
				t.Errorf("prefix %q: refs %q lack %q", prefix, got, want)
			}
		}
		if sorted := slices.Sorted(slices.Values(got)); len(slices.Compact(sorted)) != len(got) {
			t.Errorf("prefix %q: refs repeat a name: %q", prefix, got)
		}
		if len(got) != 4+1+1+18 { // other/ca, true, the aliases
			t.Errorf("prefix %q: %d refs, want %d: %q", prefix, len(got), 4+1+1+18, got)
		}
	}
}
