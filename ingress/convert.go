package ingress

import (
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The two beta Ingress versions (extensions/v1beta1 and
// networking.k8s.io/v1beta1) have the same JSON schema, so both decode into
// the networking type and share one converter, which maps them to v1 the way
// the apiserver did when it served them: serviceName/servicePort become service.name and service.port,
// backend becomes defaultBackend, and a missing pathType becomes
// ImplementationSpecific.

func ingressFromV1beta1(in *networkingv1beta1.Ingress) *networkingv1.Ingress {
	out := &networkingv1.Ingress{ObjectMeta: in.ObjectMeta}
	out.APIVersion, out.Kind = "networking.k8s.io/v1", "Ingress"
	out.Spec.IngressClassName = in.Spec.IngressClassName
	if b := in.Spec.Backend; b != nil {
		out.Spec.DefaultBackend = backendFromBeta(b.ServiceName, b.ServicePort, b.Resource != nil)
		out.Spec.DefaultBackend.Resource = b.Resource
	}
	for _, t := range in.Spec.TLS {
		out.Spec.TLS = append(out.Spec.TLS, networkingv1.IngressTLS{Hosts: t.Hosts, SecretName: t.SecretName})
	}
	for _, r := range in.Spec.Rules {
		rule := networkingv1.IngressRule{Host: r.Host}
		if r.HTTP != nil {
			rule.HTTP = &networkingv1.HTTPIngressRuleValue{Paths: make([]networkingv1.HTTPIngressPath, 0, len(r.HTTP.Paths))}
			for _, p := range r.HTTP.Paths {
				path := networkingv1.HTTPIngressPath{Path: p.Path, PathType: betaPathType((*string)(p.PathType))}
				b := backendFromBeta(p.Backend.ServiceName, p.Backend.ServicePort, p.Backend.Resource != nil)
				b.Resource = p.Backend.Resource
				path.Backend = *b
				rule.HTTP.Paths = append(rule.HTTP.Paths, path)
			}
		}
		out.Spec.Rules = append(out.Spec.Rules, rule)
	}
	return out
}

// backendFromBeta maps serviceName/servicePort to a v1 service backend. A
// resource backend has neither, and gets no service.
func backendFromBeta(name string, port intstr.IntOrString, isResource bool) *networkingv1.IngressBackend {
	if isResource && name == "" {
		return &networkingv1.IngressBackend{}
	}
	svc := &networkingv1.IngressServiceBackend{Name: name}
	if port.Type == intstr.String {
		svc.Port.Name = port.StrVal
	} else {
		svc.Port.Number = port.IntVal
	}
	return &networkingv1.IngressBackend{Service: svc}
}

func betaPathType(t *string) *networkingv1.PathType {
	pt := networkingv1.PathTypeImplementationSpecific
	if t != nil && *t != "" {
		pt = networkingv1.PathType(*t)
	}
	return &pt
}
