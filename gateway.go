package ingressmux

import (
	"crypto/tls"
	"fmt"
	"maps"
	"slices"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// The Gateway API side of a Mux: the gateway.networking.k8s.io objects of
// the same sources are compiled by the gateway package beside the
// Ingresses, and their routes merged into the one table the handler
// serves, their listeners' certificates into the one certificate store.
// A change compiles the Gateway API side again only when one of its
// objects changed, or a Service, EndpointSlice, Secret or ConfigMap they
// name; the proxy then gets the rules of the hosts whose rules differ.

// gatewaySide is what a build compiled of the Gateway API objects.
type gatewaySide struct {
	// compiled is nil when the objects hold nothing that could route.
	compiled *gateway.Compiled
	// objects are the Gateway API objects (and Namespaces) of the build,
	// in load order: the Tracker does not keep these.
	objects *ingress.Set
	// refs are the core objects that objects name, and seen their
	// identities (see identities) when compiled was made.
	refs gateway.References
	seen []any
	// defaultCert is the certificate of an HTTPS listener without a
	// hostname, which matches every name: the default certificate unless
	// Config.DefaultCertificate sets one.
	defaultCert *tls.Certificate
}

// table returns the Gateway API routes of s, nil when none.
func (s *gatewaySide) table() *route.Table {
	if s == nil || s.compiled == nil {
		return nil
	}
	return s.compiled.Table
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

// withGatewayObjects adds the Gateway API objects being served to set,
// the Tracker's objects, for Resolve.
func (m *Mux) withGatewayObjects(set *ingress.Set) *ingress.Set {
	gw := m.live.gateway
	if gw == nil {
		return set
	}
	return withGatewayOf(*set, gw.objects)
}

// compileGateway compiles objs, the Gateway API objects of a build whose
// other objects tr holds. from is what gateway.Compile reads: the whole
// set of a full build, or nil for objs with the objects of tr they name.
// Objects that the apiserver would refuse fail the build, as invalid
// Ingresses do.
func (m *Mux) compileGateway(tr *ingress.Tracker, objs, from *ingress.Set) (*gatewaySide, error) {
	side := &gatewaySide{objects: objs, refs: gateway.ReferencesOf(objs)}
	side.seen = identities(tr, side.refs)
	if !hasGatewayObjects(objs) {
		return side, nil
	}
	if from == nil {
		from = referencedSet(tr, objs, side.refs)
	}
	io := m.compileOptions()
	gw, err := gateway.Compile(from, gateway.Options{ControllerName: m.cfg.GatewayController,
		Backends: io.Backends, Resolver: io.Resolver, ClusterDomain: io.ClusterDomain})
	if err != nil {
		return nil, err
	}
	side.compiled = gw
	return side, nil
}

// mergeGateway merges the Gateway API side into b, whose Ingress routes
// are ingresses: table (the merged table, Ingress rules first) becomes
// the compiled table, the certificates of the listeners join b's (an
// Ingress's certificate for the same host wins), and the warnings and TLS
// hosts join b's. An Ingress rule with the same host, path and type as a
// Gateway API rule wins, with a warning.
func (m *Mux) mergeGateway(b *built, tr *ingress.Tracker, ingresses, table *route.Table) error {
	side := b.gateway
	if side.compiled == nil {
		return nil
	}
	gw := side.compiled
	var warnings []ingress.Warning
	if gw.Table != nil {
		warnings = shadowedByIngress(ingresses, gw.Table)
	}
	certs, warnings := m.certificates(tr, &ingress.Compiled{TLS: gw.TLS}, warnings)
	side.defaultCert = nil
	for _, t := range gw.TLS {
		if t.Host == "" && side.defaultCert == nil {
			side.defaultCert, _ = m.secretCert(tr, t.Secret) // certificates warned of its error
		}
	}
	merged := make(map[string]*tls.Certificate, len(b.certs)+len(certs))
	maps.Copy(merged, certs)
	maps.Copy(merged, b.certs) // the Ingress's certificate wins
	if err := new(tlsconfig.Store).Replace(merged, nil); err != nil {
		return fmt.Errorf("ingressmux: %w", err)
	}
	// The overrides only Gateway API routes use are not unused.
	stale := unusedOverrides(m.cfg.Backends, ingresses)
	kept := slices.DeleteFunc(slices.Clone(b.warnings), func(w ingress.Warning) bool { return slices.Contains(stale, w) })
	kept = append(kept, unusedOverrides(m.cfg.Backends, table)...)
	b.warnings = append(append(kept, gw.Warnings...), warnings...)

	compiled := *b.compiled
	compiled.Table = table
	compiled.TLS = append(slices.Clip(compiled.TLS), gw.TLS...)
	compiled.Warnings = b.warnings
	b.compiled, b.certs = &compiled, merged
	return nil
}

// gatewayObjects keeps the Gateway API objects and Namespaces of set.
func gatewayObjects(set *ingress.Set) *ingress.Set {
	return withGatewayOf(ingress.Set{}, set)
}

// withGatewayOf returns set with the Gateway API objects and Namespaces of
// from in place of its own.
func withGatewayOf(set ingress.Set, from *ingress.Set) *ingress.Set {
	set.GatewayClasses, set.Gateways, set.HTTPRoutes, set.GRPCRoutes = from.GatewayClasses, from.Gateways, from.HTTPRoutes, from.GRPCRoutes
	set.ReferenceGrants, set.BackendTLSPolicies, set.Namespaces = from.ReferenceGrants, from.BackendTLSPolicies, from.Namespaces
	return &set
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
