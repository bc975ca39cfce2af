package ingressmux

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// mixedGen makes random Ingresses, Gateway API objects and the core
// objects both read, from small pools of names so that they collide:
// Ingress and HTTPRoute rules on the same hosts and paths, listeners whose
// certificates are the Ingresses' Secrets, routes to Services in other
// namespaces with and without a ReferenceGrant, BackendTLSPolicies whose
// CA comes and goes, Services and EndpointSlices that come and go, and
// objects the apiserver would refuse.
type mixedGen struct {
	r     *rand.Rand
	certs map[string][2][]byte // PEM certificate and key by host
}

var (
	mixNamespaces = []string{"a", "b"}
	mixHosts      = []string{"one.example.com", "two.example.com", "x.w.example.com", "*.w.example.com"}
	mixPaths      = []string{"/", "/api", "/x"}
	mixServices   = []string{"s0", "s1", "s2"}
	mixSecrets    = []string{"tls0", "tls1"}
)

// newMixedGen makes a generator; its certificates are made once.
func newMixedGen(t *testing.T, seed uint64) *mixedGen {
	t.Helper()
	g := &mixedGen{r: rand.New(rand.NewPCG(seed, seed*104729)), certs: map[string][2][]byte{}}
	for _, host := range []string{"one.example.com", "x.w.example.com"} {
		g.certs[host] = testKeyPair(t, host)
	}
	return g
}

var testKeyPairs = map[string][2][]byte{}

// testKeyPair returns a PEM certificate and key for host, made once per
// test binary.
func testKeyPair(t *testing.T, host string) [2][]byte {
	t.Helper()
	if kp, ok := testKeyPairs[host]; ok {
		return kp
	}
	cert, err := tlsconfig.SelfSigned(host)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kp := [2][]byte{
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}),
	}
	testKeyPairs[host] = kp
	return kp
}

func (g *mixedGen) pick(from []string) string { return from[g.r.IntN(len(from))] }

// meta names an object, in namespace "a" mostly, so that routes attach
// and resolve often, and cross-namespace references stay a case.
func (g *mixedGen) meta(name string) metav1.ObjectMeta {
	ns := mixNamespaces[0]
	if g.r.IntN(4) == 0 {
		ns = g.pick(mixNamespaces)
	}
	return metav1.ObjectMeta{Name: name, Namespace: ns}
}

// object returns a random object of any kind.
func (g *mixedGen) object() any {
	switch g.r.IntN(16) {
	case 0, 1:
		return g.ingress()
	case 2:
		return g.service()
	case 3:
		return g.endpointSlice()
	case 4:
		return g.secret()
	case 5:
		return g.configMap()
	case 6:
		return g.namespace()
	case 7:
		return g.gatewayClass()
	case 8, 9:
		return g.gateway()
	case 10:
		return g.grpcRoute()
	case 11:
		return g.referenceGrant()
	case 12:
		return g.backendTLSPolicy()
	default:
		return g.httpRoute()
	}
}

func (g *mixedGen) ingress() ingress.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: g.meta(fmt.Sprintf("ing%d", g.r.IntN(4)))}
	pt := []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix}[g.r.IntN(2)]
	path := g.pick(mixPaths)
	if g.r.IntN(20) == 0 {
		path = "no-slash" // invalid
	}
	host := g.pick(mixHosts)
	ing.Spec.Rules = []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &pt, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: g.pick(mixServices), Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}
	if g.r.IntN(3) == 0 {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: g.pick(mixSecrets)}}
	}
	return ingress.Ingress{Ingress: ing}
}

func (g *mixedGen) service() ingress.Service {
	svc := &corev1.Service{ObjectMeta: g.meta(g.pick(mixServices))}
	svc.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}
	if g.r.IntN(4) == 0 {
		svc.Spec.Ports[0].Port = 81
	}
	return ingress.Service{Service: svc}
}

func (g *mixedGen) endpointSlice() ingress.EndpointSlice {
	svc := g.pick(mixServices)
	s := &discoveryv1.EndpointSlice{ObjectMeta: g.meta(fmt.Sprintf("%s-%d", svc, g.r.IntN(2))), AddressType: discoveryv1.AddressTypeIPv4}
	s.Labels = map[string]string{discoveryv1.LabelServiceName: svc}
	for i := range 1 + g.r.IntN(2) {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.0.%d.%d", g.r.IntN(3), i+1)}})
	}
	s.Ports = []discoveryv1.EndpointPort{{Name: new("http"), Port: new(int32(8080))}}
	return ingress.EndpointSlice{EndpointSlice: s}
}

// secret returns a TLS Secret for one of two hosts, a Secret holding a CA
// (for BackendTLSPolicies), or a TLS Secret without its key pair.
func (g *mixedGen) secret() ingress.Secret {
	s := &corev1.Secret{ObjectMeta: g.meta(g.pick(mixSecrets)), Type: corev1.SecretTypeTLS}
	kp := g.certs[g.pick([]string{"one.example.com", "x.w.example.com"})]
	switch g.r.IntN(5) {
	case 0:
		s.Type = corev1.SecretTypeOpaque
		s.Data = map[string][]byte{"ca.crt": kp[0]}
	case 1:
		s.Data = map[string][]byte{corev1.TLSCertKey: []byte("not a certificate"), corev1.TLSPrivateKeyKey: []byte("x")}
	default:
		s.Data = map[string][]byte{corev1.TLSCertKey: kp[0], corev1.TLSPrivateKeyKey: kp[1]}
	}
	return ingress.Secret{Secret: s}
}

func (g *mixedGen) configMap() ingress.ConfigMap {
	cm := &corev1.ConfigMap{ObjectMeta: g.meta("ca"), Data: map[string]string{"ca.crt": string(g.certs["one.example.com"][0])}}
	if g.r.IntN(3) == 0 {
		cm.Data["ca.crt"] = "garbage"
	}
	return ingress.ConfigMap{ConfigMap: cm}
}

func (g *mixedGen) namespace() ingress.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: g.pick(mixNamespaces)}}
	if g.r.IntN(2) == 0 {
		ns.Labels = map[string]string{"team": "x"}
	}
	return ingress.Namespace{Namespace: ns}
}

func (g *mixedGen) gatewayClass() ingress.GatewayClass {
	gc := &gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: "mux"}}
	gc.Spec.ControllerName = gateway.DefaultControllerName
	if g.r.IntN(5) == 0 {
		gc.Spec.ControllerName = "example.com/other"
	}
	return ingress.GatewayClass{GatewayClass: gc}
}

func (g *mixedGen) gateway() ingress.Gateway {
	gw := &gatewayv1.Gateway{ObjectMeta: g.meta(fmt.Sprintf("gw%d", g.r.IntN(2)))}
	gw.Spec.GatewayClassName = "mux"
	from := []gatewayv1.FromNamespaces{gatewayv1.NamespacesFromSame, gatewayv1.NamespacesFromAll, gatewayv1.NamespacesFromSelector}[g.r.IntN(3)]
	allowed := &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: &from}}
	if from == gatewayv1.NamespacesFromSelector {
		allowed.Namespaces.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}
	}
	http := gatewayv1.Listener{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: allowed}
	if g.r.IntN(2) == 0 {
		http.Hostname = new(gatewayv1.Hostname(g.pick(mixHosts)))
	}
	gw.Spec.Listeners = []gatewayv1.Listener{http}
	if g.r.IntN(2) == 0 {
		https := gatewayv1.Listener{Name: "https", Port: 443, Protocol: gatewayv1.HTTPSProtocolType, AllowedRoutes: allowed}
		if g.r.IntN(4) > 0 {
			https.Hostname = new(gatewayv1.Hostname(g.pick([]string{"one.example.com", "*.w.example.com"})))
		}
		ref := gatewayv1.SecretObjectReference{Name: gatewayv1.ObjectName(g.pick(mixSecrets))}
		if g.r.IntN(4) == 0 {
			ref.Namespace = new(gatewayv1.Namespace(g.pick(mixNamespaces)))
		}
		https.TLS = &gatewayv1.ListenerTLSConfig{Mode: new(gatewayv1.TLSModeTerminate), CertificateRefs: []gatewayv1.SecretObjectReference{ref}}
		gw.Spec.Listeners = append(gw.Spec.Listeners, https)
	}
	if g.r.IntN(25) == 0 {
		gw.Spec.Listeners[0].Name = "Not_A_Name" // invalid
	}
	return ingress.Gateway{Gateway: gw}
}

// parentRefs returns references to one or two of the Gateways.
func (g *mixedGen) parentRefs() []gatewayv1.ParentReference {
	var out []gatewayv1.ParentReference
	for i := range 1 + g.r.IntN(2) {
		ref := gatewayv1.ParentReference{Name: gatewayv1.ObjectName(fmt.Sprintf("gw%d", (i+g.r.IntN(2))%2))}
		if g.r.IntN(3) == 0 {
			ref.Namespace = new(gatewayv1.Namespace(g.pick(mixNamespaces)))
		}
		if g.r.IntN(4) == 0 {
			ref.SectionName = new(gatewayv1.SectionName(g.pick([]string{"http", "https"})))
		}
		if !containsParent(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

func containsParent(refs []gatewayv1.ParentReference, ref gatewayv1.ParentReference) bool {
	for _, r := range refs {
		if fmt.Sprint(r.Name, deref(r.Namespace), deref(r.SectionName)) == fmt.Sprint(ref.Name, deref(ref.Namespace), deref(ref.SectionName)) {
			return true
		}
	}
	return false
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// hostnames returns none, or one or two of the hosts.
func (g *mixedGen) hostnames() []gatewayv1.Hostname {
	var out []gatewayv1.Hostname
	for range g.r.IntN(3) {
		h := gatewayv1.Hostname(g.pick(mixHosts))
		if len(out) == 0 || out[0] != h {
			out = append(out, h)
		}
	}
	return out
}

// backendRef returns a reference to a Service, in another namespace
// sometimes.
func (g *mixedGen) backendRef() gatewayv1.BackendObjectReference {
	ref := gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(g.pick(mixServices)), Port: new(gatewayv1.PortNumber(80))}
	if g.r.IntN(4) == 0 {
		ref.Namespace = new(gatewayv1.Namespace(g.pick(mixNamespaces)))
	}
	return ref
}

func (g *mixedGen) httpRoute() ingress.HTTPRoute {
	r := &gatewayv1.HTTPRoute{ObjectMeta: g.meta(fmt.Sprintf("r%d", g.r.IntN(4)))}
	r.Spec.ParentRefs = g.parentRefs()
	r.Spec.Hostnames = g.hostnames()
	for range 1 + g.r.IntN(2) {
		pt := []gatewayv1.PathMatchType{gatewayv1.PathMatchExact, gatewayv1.PathMatchPathPrefix}[g.r.IntN(2)]
		path := g.pick(mixPaths)
		if g.r.IntN(25) == 0 {
			path = "no-slash" // invalid
		}
		match := gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{Type: &pt, Value: &path}}
		if g.r.IntN(3) == 0 {
			match.Headers = []gatewayv1.HTTPHeaderMatch{{Name: "X-Canary", Value: "yes"}}
		}
		rule := gatewayv1.HTTPRouteRule{Matches: []gatewayv1.HTTPRouteMatch{match}}
		for range 1 + g.r.IntN(2) {
			rule.BackendRefs = append(rule.BackendRefs, gatewayv1.HTTPBackendRef{BackendRef: gatewayv1.BackendRef{BackendObjectReference: g.backendRef()}})
		}
		if g.r.IntN(5) == 0 {
			rule.Filters = []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterRequestMirror,
				RequestMirror: &gatewayv1.HTTPRequestMirrorFilter{BackendRef: g.backendRef()}}}
		}
		r.Spec.Rules = append(r.Spec.Rules, rule)
	}
	return ingress.HTTPRoute{HTTPRoute: r}
}

func (g *mixedGen) grpcRoute() ingress.GRPCRoute {
	r := &gatewayv1.GRPCRoute{ObjectMeta: g.meta(fmt.Sprintf("g%d", g.r.IntN(2)))}
	r.Spec.ParentRefs = g.parentRefs()
	r.Spec.Hostnames = g.hostnames()
	r.Spec.Rules = []gatewayv1.GRPCRouteRule{{
		Matches:     []gatewayv1.GRPCRouteMatch{{Method: &gatewayv1.GRPCMethodMatch{Service: new("echo.Echo"), Method: new("Ping")}}},
		BackendRefs: []gatewayv1.GRPCBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: g.backendRef()}}},
	}}
	return ingress.GRPCRoute{GRPCRoute: r}
}

func (g *mixedGen) referenceGrant() ingress.ReferenceGrant {
	rg := &gatewayv1.ReferenceGrant{ObjectMeta: g.meta(fmt.Sprintf("grant%d", g.r.IntN(2)))}
	kind := []gatewayv1.Kind{"HTTPRoute", "GRPCRoute", "Gateway"}[g.r.IntN(3)]
	to := gatewayv1.Kind("Service")
	if kind == "Gateway" {
		to = "Secret"
	}
	rg.Spec.From = []gatewayv1.ReferenceGrantFrom{{Group: gatewayv1.GroupName, Kind: kind, Namespace: gatewayv1.Namespace(g.pick(mixNamespaces))}}
	rg.Spec.To = []gatewayv1.ReferenceGrantTo{{Kind: to}}
	return ingress.ReferenceGrant{ReferenceGrant: rg}
}

func (g *mixedGen) backendTLSPolicy() ingress.BackendTLSPolicy {
	p := &gatewayv1.BackendTLSPolicy{ObjectMeta: g.meta(fmt.Sprintf("tls-policy%d", g.r.IntN(2)))}
	p.Spec.TargetRefs = []gatewayv1.LocalPolicyTargetReferenceWithSectionName{{LocalPolicyTargetReference: gatewayv1.LocalPolicyTargetReference{
		Kind: "Service", Name: gatewayv1.ObjectName(g.pick(mixServices))}}}
	p.Spec.Validation.Hostname = "backend.example.com"
	ca := gatewayv1.LocalObjectReference{Kind: "ConfigMap", Name: "ca"}
	if g.r.IntN(2) == 0 {
		ca = gatewayv1.LocalObjectReference{Kind: "Secret", Name: gatewayv1.ObjectName(g.pick(mixSecrets))}
	}
	p.Spec.Validation.CACertificateRefs = []gatewayv1.LocalObjectReference{ca}
	return ingress.BackendTLSPolicy{BackendTLSPolicy: p}
}

// certLabel names what a certificate is, comparably across Muxes: the
// Mux's generated default, or its leaf.
func certLabel(m *Mux, c *tls.Certificate) string {
	switch {
	case c == nil:
		return "none"
	case c == m.fallback:
		return "fallback"
	case len(c.Certificate) == 0:
		return "empty"
	}
	return fmt.Sprintf("%x", c.Certificate[0][len(c.Certificate[0])-16:])
}
