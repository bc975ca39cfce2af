package gateway

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
)

// compiler holds the state of one Compile.
type compiler struct {
	opts     Options
	set      *ingress.Set
	out      *Compiled
	backends *ingress.Backends
	grants   grantIndex
	// namespaceLabels are the labels of the loaded Namespaces.
	namespaceLabels map[string]map[string]string
	secrets         map[string]*corev1.Secret
	configMaps      map[string]*corev1.ConfigMap
	// served lists the names of the GatewayClasses this controller serves.
	served map[string]bool
	// gws are the served Gateways, by "namespace/name".
	gws     map[string]*gatewayState
	gwOrder []*gatewayState
	tls     *backendTLSIndex
	rules   []route.Rule
	// ruleSources locates, for each rule, the object to blame when the
	// route package rejects it.
	ruleSources []ingress.Source
}

func newCompiler(set *ingress.Set, opts Options) *compiler {
	c := &compiler{
		opts: opts, set: set, out: &Compiled{},
		backends:        ingress.NewBackends(set, ingress.Options{Backends: opts.Backends, Resolver: opts.Resolver, ClusterDomain: opts.ClusterDomain}),
		grants:          newGrantIndex(set.ReferenceGrants),
		namespaceLabels: map[string]map[string]string{},
		secrets:         map[string]*corev1.Secret{},
		configMaps:      map[string]*corev1.ConfigMap{},
		served:          map[string]bool{},
		gws:             map[string]*gatewayState{},
	}
	for _, n := range set.Namespaces {
		c.namespaceLabels[n.Name] = n.Labels
	}
	for _, s := range set.Secrets {
		c.secrets[s.Namespace+"/"+s.Name] = s.Secret
	}
	for _, cm := range set.ConfigMaps {
		c.configMaps[cm.Namespace+"/"+cm.Name] = cm.ConfigMap
	}
	c.tls = newBackendTLSIndex(c)
	return c
}

// warn records a warning about an object ("kind namespace/name") loaded
// from src.
func (c *compiler) warn(src ingress.Source, object, field, message string) {
	c.out.Warnings = append(c.out.Warnings, ingress.Warning{Source: src, Object: object, Field: field, Message: message})
}

// classes finds the GatewayClasses this controller serves and accepts
// them.
func (c *compiler) classes() {
	for _, gc := range c.set.GatewayClasses {
		if string(gc.Spec.ControllerName) != c.opts.controller() {
			continue
		}
		c.served[gc.Name] = true
		st := GatewayClassStatus{Name: gc.Name, Status: gatewayv1.GatewayClassStatus{}}
		st.Status.Conditions = []metav1.Condition{c.cond(string(gatewayv1.GatewayClassConditionStatusAccepted), true,
			string(gatewayv1.GatewayClassReasonAccepted), "served by "+c.opts.controller(), gc.Generation)}
		if gc.Spec.ParametersRef != nil {
			st.Status.Conditions[0] = c.cond(string(gatewayv1.GatewayClassConditionStatusAccepted), false,
				string(gatewayv1.GatewayClassReasonInvalidParameters), "parametersRef is not supported: this controller has no parameters", gc.Generation)
			delete(c.served, gc.Name)
		}
		c.out.Status.GatewayClasses = append(c.out.Status.GatewayClasses, st)
	}
}

// deref returns *p as a string, or def when p is nil: the defaulting of
// a reference's optional group, kind and namespace.
func deref[T ~string](p *T, def string) string {
	if p == nil {
		return def
	}
	return string(*p)
}
