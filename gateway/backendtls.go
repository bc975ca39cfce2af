package gateway

import (
	"cmp"
	"crypto/x509"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// caKey is the key of a CA bundle in a ConfigMap or Secret, as
// BackendTLSPolicy requires.
const caKey = "ca.crt"

// backendTLSIndex finds the BackendTLSPolicy of a Service.
type backendTLSIndex struct {
	c         *compiler
	byService map[string][]*tlsPolicy
	all       []*tlsPolicy
}

// tlsPolicy is a checked BackendTLSPolicy.
type tlsPolicy struct {
	obj     ingress.BackendTLSPolicy
	client  tlsconfig.Client
	failure string // why it cannot be used; "" when it can
	// reason is the ResolvedRefs reason when failure is set.
	reason gatewayv1.PolicyConditionReason
	// ancestors are the Gateways whose routes use a Service it targets,
	// by key.
	ancestors map[string]bool
	// conflictedBy names the policy that wins a target this one also
	// targets; "" when it wins all of them.
	conflictedBy string
}

func newBackendTLSIndex(c *compiler) *backendTLSIndex {
	x := &backendTLSIndex{c: c, byService: map[string][]*tlsPolicy{}}
	for _, p := range c.set.BackendTLSPolicies {
		tp := &tlsPolicy{obj: p, ancestors: map[string]bool{}}
		x.check(tp)
		x.all = append(x.all, tp)
		for _, t := range p.Spec.TargetRefs {
			if isService(t) {
				key := p.Namespace + "/" + string(t.Name)
				x.byService[key] = append(x.byService[key], tp)
			}
		}
	}
	// The oldest policy wins a Service, then the first by name, as Gateway
	// API orders conflicting policies.
	for _, ps := range x.byService {
		slices.SortStableFunc(ps, func(a, b *tlsPolicy) int {
			return cmp.Or(a.obj.CreationTimestamp.Compare(b.obj.CreationTimestamp.Time), cmp.Compare(a.obj.Name, b.obj.Name))
		})
	}
	x.conflicts()
	return x
}

// isService reports whether a policy targetRef names a Service, the only
// kind of target BackendTLSPolicy is used for.
func isService(t gatewayv1.LocalPolicyTargetReferenceWithSectionName) bool {
	return t.Group == "" && t.Kind == "Service"
}

// conflicts marks the policies that target a Service, or the same port
// of it, that an earlier policy in precedence order already targets: they
// are not Accepted (reason Conflicted) and not used there.
func (x *backendTLSIndex) conflicts() {
	for _, key := range slices.Sorted(maps.Keys(x.byService)) {
		ps := x.byService[key]
		_, service, _ := strings.Cut(key, "/")
		winners := map[string]*tlsPolicy{} // by sectionName, "" for the whole Service
		for _, p := range ps {
			for _, t := range p.obj.Spec.TargetRefs {
				if !isService(t) || string(t.Name) != service {
					continue
				}
				section := ""
				if t.SectionName != nil {
					section = string(*t.SectionName)
				}
				switch w := winners[section]; {
				case w == nil:
					winners[section] = p
				case w != p && p.conflictedBy == "":
					p.conflictedBy = w.obj.Namespace + "/" + w.obj.Name
				}
			}
		}
	}
}

// check builds the TLS client settings of a policy: its hostname as SNI
// and the name verified, and its CA certificates, or the system's.
func (x *backendTLSIndex) check(tp *tlsPolicy) {
	v := tp.obj.Spec.Validation
	tp.client.ServerName = string(v.Hostname)
	for _, san := range v.SubjectAltNames {
		if san.Type != gatewayv1.HostnameSubjectAltNameType || string(san.Hostname) != string(v.Hostname) {
			tp.failure, tp.reason = "subjectAltNames other than the hostname are not supported", gatewayv1.PolicyReasonInvalid
			return
		}
	}
	if v.WellKnownCACertificates != nil {
		if *v.WellKnownCACertificates != gatewayv1.WellKnownCACertificatesSystem {
			tp.failure, tp.reason = fmt.Sprintf("wellKnownCACertificates %s is not supported", *v.WellKnownCACertificates), gatewayv1.PolicyReasonInvalid
		}
		return // the system roots: RootCAs nil
	}
	if len(v.CACertificateRefs) == 0 {
		tp.failure, tp.reason = "neither caCertificateRefs nor wellKnownCACertificates is set", gatewayv1.BackendTLSPolicyReasonInvalidCACertificateRef
		return
	}
	pool := x509.NewCertPool()
	var problems []string
	reason := gatewayv1.BackendTLSPolicyReasonInvalidCACertificateRef
	for i, ref := range v.CACertificateRefs {
		key := tp.obj.Namespace + "/" + string(ref.Name)
		var pem []byte
		switch {
		case ref.Group == "" && ref.Kind == "ConfigMap":
			if cm := x.c.configMaps[key]; cm != nil {
				pem = []byte(cm.Data[caKey])
			}
		case ref.Group == "" && ref.Kind == "Secret":
			if s := x.c.secrets[key]; s != nil {
				pem = s.Data[caKey]
			}
		default:
			problems = append(problems, fmt.Sprintf("caCertificateRefs[%d]: %s is not a ConfigMap or Secret", i, kindName(string(ref.Group), string(ref.Kind))))
			reason = gatewayv1.BackendTLSPolicyReasonInvalidKind
			continue
		}
		if len(pem) == 0 || !pool.AppendCertsFromPEM(pem) {
			problems = append(problems, fmt.Sprintf("caCertificateRefs[%d]: %s %s has no PEM certificate under %s", i, strings.ToLower(string(ref.Kind)), key, caKey))
		}
	}
	if len(problems) > 0 {
		tp.failure, tp.reason = strings.Join(problems, "; "), reason
		return
	}
	tp.client.RootCAs = pool
}

// lookup returns the policy of a Service port: one whose targetRef names
// the port's name as its sectionName comes before one for the whole
// Service.
func (x *backendTLSIndex) lookup(namespace, name string, svc *corev1.Service, port int32) *tlsPolicy {
	ps := x.byService[namespace+"/"+name]
	if len(ps) == 0 {
		return nil
	}
	portName := ""
	if svc != nil {
		for _, p := range svc.Spec.Ports {
			if p.Port == port {
				portName = p.Name
			}
		}
	}
	var whole *tlsPolicy
	for _, p := range ps {
		for _, t := range p.obj.Spec.TargetRefs {
			if !isService(t) || string(t.Name) != name {
				continue
			}
			if t.SectionName != nil && string(*t.SectionName) == portName && portName != "" {
				return p
			}
			if t.SectionName == nil && whole == nil {
				whole = p
			}
		}
	}
	return whole
}

// used records that a route of ro's parents uses the Service
// namespace/name: every policy that targets it, the ones that lose a
// conflict too, gets those Gateways as ancestors.
func (x *backendTLSIndex) used(namespace, name string, ro routeObject) {
	for _, p := range x.byService[namespace+"/"+name] {
		for _, pr := range ro.parents {
			if gs := x.c.parentGateway(ro, pr); gs != nil {
				p.ancestors[gs.key()] = true
			}
		}
	}
}

// policies writes the status of the BackendTLSPolicies that served routes
// use, one ancestor entry per Gateway.
func (c *compiler) policies() {
	for _, p := range c.tls.all {
		if len(p.ancestors) == 0 {
			continue
		}
		gen := p.obj.Generation
		accepted := c.cond(string(gatewayv1.PolicyConditionAccepted), true, string(gatewayv1.PolicyReasonAccepted), "", gen)
		resolved := c.cond(string(gatewayv1.BackendTLSPolicyConditionResolvedRefs), true, string(gatewayv1.BackendTLSPolicyReasonResolvedRefs), "", gen)
		if p.failure != "" {
			reason := gatewayv1.PolicyReasonInvalid
			if p.reason == gatewayv1.BackendTLSPolicyReasonInvalidCACertificateRef || p.reason == gatewayv1.BackendTLSPolicyReasonInvalidKind {
				reason = gatewayv1.BackendTLSPolicyReasonNoValidCACertificate
				resolved = c.cond(string(gatewayv1.BackendTLSPolicyConditionResolvedRefs), false, string(p.reason), p.failure, gen)
			}
			accepted = c.cond(string(gatewayv1.PolicyConditionAccepted), false, string(reason), p.failure, gen)
		}
		if p.conflictedBy != "" {
			accepted = c.cond(string(gatewayv1.PolicyConditionAccepted), false, string(gatewayv1.PolicyReasonConflicted),
				"backendtlspolicy "+p.conflictedBy+" targets the same Service or port and takes precedence (it is older, or first by name)", gen)
		}
		st := PolicyStatus{Namespace: p.obj.Namespace, Name: p.obj.Name}
		for _, k := range slices.Sorted(maps.Keys(p.ancestors)) {
			ns, name, _ := strings.Cut(k, "/")
			group, kind, gwns := gatewayv1.Group(gatewayGroup), gatewayv1.Kind("Gateway"), gatewayv1.Namespace(ns)
			st.Status.Ancestors = append(st.Status.Ancestors, gatewayv1.PolicyAncestorStatus{
				AncestorRef:    gatewayv1.ParentReference{Group: &group, Kind: &kind, Namespace: &gwns, Name: gatewayv1.ObjectName(name)},
				ControllerName: gatewayv1.GatewayController(c.opts.controller()),
				Conditions:     []metav1.Condition{accepted, resolved},
			})
		}
		c.out.Status.BackendTLSPolicies = append(c.out.Status.BackendTLSPolicies, st)
	}
}
