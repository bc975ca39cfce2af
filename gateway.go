package ingressmux

import (
	"crypto/tls"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// The Gateway API side of a Mux: the gateway.networking.k8s.io objects of
// the same sources are compiled by the gateway package beside the
// Ingresses, and their routes merged into the one table the handler
// serves, their listeners' certificates into the one certificate store.

// gatewaySide is what a build compiled of the Gateway API objects.
type gatewaySide struct {
	compiled *gateway.Compiled
	// objects are the Gateway API objects (and Namespaces) of the build,
	// for a Resolve, which compiles the Tracker's objects again and the
	// Tracker does not keep these.
	objects *ingress.Set
	// defaultCert is the certificate of an HTTPS listener without a
	// hostname, which matches every name: the default certificate unless
	// Config.DefaultCertificate sets one.
	defaultCert *tls.Certificate
}

// gatewayDefault returns the default certificate a Gateway listener
// gives, else fallback.
func (b *built) gatewayDefault(fallback *tls.Certificate) *tls.Certificate {
	if b.gateway != nil && b.gateway.defaultCert != nil {
		return b.gateway.defaultCert
	}
	return fallback
}

// hasGatewayObjects reports whether set holds Gateway API objects that
// could route requests.
func hasGatewayObjects(set *ingress.Set) bool {
	return set != nil && len(set.GatewayClasses)+len(set.Gateways)+len(set.HTTPRoutes)+len(set.GRPCRoutes) > 0
}

// gatewayServed reports whether the table being served has Gateway API
// routes: a build must then start from scratch, since incremental builds
// know Ingresses only.
func (m *Mux) gatewayServed() bool {
	st := m.state.load()
	return st != nil && st.gateway != nil
}

// Gateway returns what the last successful load compiled of the Gateway
// API objects: listeners, certificates, warnings and the status of every
// object, as the Gateway API specification defines it. Nil when the
// sources hold no Gateway API objects.
func (m *Mux) Gateway() *gateway.Compiled {
	if st := m.state.load(); st != nil && st.gateway != nil {
		return st.gateway.compiled
	}
	return nil
}

// withGatewayObjects adds the Gateway API objects of the build being
// served to set, the Tracker's objects, for Resolve.
func (m *Mux) withGatewayObjects(set *ingress.Set) *ingress.Set {
	st := m.state.load()
	if st == nil || st.gateway == nil {
		return set
	}
	out := *set
	gw := st.gateway.objects
	out.GatewayClasses, out.Gateways, out.HTTPRoutes, out.GRPCRoutes = gw.GatewayClasses, gw.Gateways, gw.HTTPRoutes, gw.GRPCRoutes
	out.ReferenceGrants, out.BackendTLSPolicies, out.Namespaces = gw.ReferenceGrants, gw.BackendTLSPolicies, gw.Namespaces
	return &out
}

// addGateway compiles the Gateway API objects of set and merges them into
// b: their rules into the table (an Ingress rule with the same host, path
// and type wins, with a warning), their certificates into b's (an
// Ingress's certificate for the same host wins), their warnings and TLS
// hosts into b's. Objects that the apiserver would refuse fail the build,
// as invalid Ingresses do.
func (m *Mux) addGateway(set *ingress.Set, b *built) error {
	if !hasGatewayObjects(set) {
		return nil
	}
	io := m.compileOptions()
	gw, err := gateway.Compile(set, gateway.Options{ControllerName: m.cfg.GatewayController,
		Backends: io.Backends, Resolver: io.Resolver, ClusterDomain: io.ClusterDomain})
	if err != nil {
		return err
	}
	table := b.table
	var warnings []ingress.Warning
	if gw.Table != nil {
		warnings = shadowedByIngress(b.table, gw.Table)
		table = route.Splice(b.table, nil, gw.Table)
	}
	secrets := map[string]*corev1.Secret{}
	for _, s := range set.Secrets {
		secrets[s.Namespace+"/"+s.Name] = s.Secret
	}
	lookup := func(key string) (*corev1.Secret, bool) { s, ok := secrets[key]; return s, ok }
	certs, warnings := m.certificates(lookup, &ingress.Compiled{TLS: gw.TLS}, warnings)
	side := &gatewaySide{compiled: gw, objects: gatewayObjects(set)}
	for _, t := range gw.TLS {
		if t.Host != "" || side.defaultCert != nil {
			continue
		}
		// As certificates does for the others: Config.Secrets first.
		if c := m.cfg.Secrets[t.Secret]; c != nil {
			side.defaultCert = c
		} else if s, ok := secrets[t.Secret]; ok {
			side.defaultCert, _ = m.live.keyPair(s)
		}
	}
	merged := make(map[string]*tls.Certificate, len(b.certs)+len(certs))
	for host, c := range certs {
		merged[host] = c
	}
	for host, c := range b.certs {
		merged[host] = c // the Ingress's certificate wins
	}
	if err := new(tlsconfig.Store).Replace(merged, nil); err != nil {
		return fmt.Errorf("ingressmux: %w", err)
	}
	// The overrides only Gateway API routes use are not unused.
	stale := unusedOverrides(m.cfg.Backends, b.table)
	kept := slices.DeleteFunc(slices.Clone(b.warnings), func(w ingress.Warning) bool { return slices.Contains(stale, w) })
	kept = append(kept, unusedOverrides(m.cfg.Backends, table)...)
	b.warnings = append(append(kept, gw.Warnings...), warnings...)

	compiled := *b.compiled
	compiled.Table = table
	compiled.TLS = append(slices.Clip(compiled.TLS), gw.TLS...)
	compiled.Warnings = b.warnings
	b.compiled, b.table, b.certs = &compiled, table, merged
	b.gateway = side
	return nil
}

// gatewayObjects keeps the Gateway API objects and Namespaces of set.
func gatewayObjects(set *ingress.Set) *ingress.Set {
	return &ingress.Set{GatewayClasses: set.GatewayClasses, Gateways: set.Gateways, HTTPRoutes: set.HTTPRoutes,
		GRPCRoutes: set.GRPCRoutes, ReferenceGrants: set.ReferenceGrants, BackendTLSPolicies: set.BackendTLSPolicies,
		Namespaces: set.Namespaces}
}

// shadowedByIngress warns about the Gateway API rules that an Ingress rule
// with the same host, path and type hides: the Ingress's wins, so that
// adding routes never changes what is served before the Ingress goes. A
// rule with a method, header or query match is not hidden: it ranks
// first and takes the requests it matches.
func shadowedByIngress(ingresses, gw *route.Table) []ingress.Warning {
	if ingresses == nil {
		return nil
	}
	var out []ingress.Warning
	for _, r := range gw.Rules() {
		if c := r.Conditions; c != nil && (c.Method != "" || len(c.Headers) > 0 || len(c.Query) > 0) {
			continue
		}
		for _, ir := range ingresses.HostRules(r.Host) {
			if ir.Path == r.Path && ir.Type == r.Type && ir.Conditions == nil {
				out = append(out, ingress.Warning{Object: r.Origin, Message: fmt.Sprintf(
					"host %q path %q (%s) is also routed by %s, which wins: this rule is not served", r.Host, r.Path, r.Type, ir.Origin)})
				break
			}
		}
	}
	return out
}
