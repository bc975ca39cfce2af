package gateway

import (
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
)

// grantIndex holds the ReferenceGrants by the namespace they grant access
// to.
type grantIndex map[string][]*gatewayv1.ReferenceGrant

func newGrantIndex(grants []ingress.ReferenceGrant) grantIndex {
	x := grantIndex{}
	for _, g := range grants {
		x[g.Namespace] = append(x[g.Namespace], g.ReferenceGrant)
	}
	return x
}

// reference is one object referring to another across namespaces.
type reference struct {
	fromGroup, fromKind, fromNamespace string
	toGroup, toKind, toNamespace, name string
}

// permits reports whether a reference is allowed: within a namespace
// always, across namespaces only when a ReferenceGrant in the target's
// namespace lists the referring kind and namespace in its from and the
// target's kind (and name, when it names one) in its to.
func (x grantIndex) permits(ref reference) bool {
	if ref.fromNamespace == ref.toNamespace {
		return true
	}
	for _, g := range x[ref.toNamespace] {
		from, to := false, false
		for _, f := range g.Spec.From {
			if string(f.Group) == ref.fromGroup && string(f.Kind) == ref.fromKind && string(f.Namespace) == ref.fromNamespace {
				from = true
			}
		}
		for _, t := range g.Spec.To {
			if string(t.Group) == ref.toGroup && string(t.Kind) == ref.toKind && (t.Name == nil || string(*t.Name) == ref.name) {
				to = true
			}
		}
		if from && to {
			return true
		}
	}
	return false
}
