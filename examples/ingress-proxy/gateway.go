package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// compileGateway compiles the Gateway API objects of set as the proxy
// serves them. On failure (objects the apiserver would refuse) it prints
// every error to stderr and returns nil, false.
func compileGateway(set *ingress.Set, opts ingress.Options, stderr io.Writer) (*gateway.Compiled, bool) {
	if len(set.GatewayClasses)+len(set.Gateways)+len(set.HTTPRoutes)+len(set.GRPCRoutes) == 0 {
		return nil, true
	}
	gw, err := gateway.Compile(set, gateway.Options{Backends: opts.Backends, ClusterDomain: opts.ClusterDomain})
	if err != nil {
		printErrors(stderr, err)
		return nil, false
	}
	return gw, true
}

// withGateway returns the rules of the table the proxy serves: the
// Ingresses' and the Gateway API routes', which an Ingress rule of the
// same host, path and type hides.
func withGateway(t *route.Table, gw *gateway.Compiled) []route.Rule {
	if gw == nil || gw.Table == nil {
		return t.Rules()
	}
	return route.Splice(t, nil, gw.Table).Rules()
}

// printGateway reports the Gateway listeners (and where the proxy serves
// them: its -listen address for HTTP, its -tls-listen address for HTTPS,
// whatever port the Gateway asks for), their certificates, and every
// status condition that is not as it should be.
func printGateway(w io.Writer, gw *gateway.Compiled) {
	if gw == nil {
		return
	}
	fmt.Fprintln(w, "\nGateway listeners (HTTP is served on -listen and HTTPS on -tls-listen, whatever their port):")
	for _, l := range gw.Listeners {
		fmt.Fprintln(w, "  "+l.String())
	}
	for _, t := range gw.TLS {
		host := t.Host
		if host == "" {
			host = "(default certificate)"
		}
		fmt.Fprintf(w, "tls  %s  secret %s  (%s)\n", host, t.Secret, t.Origin)
	}
	var bad []string
	note := func(object, where string, conds []conditionView) {
		for _, c := range conds {
			if c.bad() {
				bad = append(bad, fmt.Sprintf("  %s%s: %s=%s %s: %s", object, where, c.typ, c.status, c.reason, c.message))
			}
		}
	}
	for _, g := range gw.Status.Gateways {
		note("gateway "+g.Namespace+"/"+g.Name, "", views(g.Status.Conditions))
		for _, l := range g.Status.Listeners {
			note("gateway "+g.Namespace+"/"+g.Name, " listener "+string(l.Name), views(l.Conditions))
		}
	}
	for kind, list := range map[string][]gateway.RouteStatus{"httproute": gw.Status.HTTPRoutes, "grpcroute": gw.Status.GRPCRoutes} {
		for _, r := range list {
			for _, p := range r.Status.Parents {
				note(kind+" "+r.Namespace+"/"+r.Name, " parent "+string(p.ParentRef.Name), views(p.Conditions))
			}
		}
	}
	for _, p := range gw.Status.BackendTLSPolicies {
		for _, a := range p.Status.Ancestors {
			note("backendtlspolicy "+p.Namespace+"/"+p.Name, " gateway "+string(a.AncestorRef.Name), views(a.Conditions))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		fmt.Fprintf(w, "\nGateway API status (conditions not as they should be):\n%s\n", strings.Join(bad, "\n"))
	}
}

// conditionView is a status condition as printGateway shows it.
type conditionView struct{ typ, status, reason, message string }

func views(conds []metav1.Condition) []conditionView {
	out := make([]conditionView, len(conds))
	for i, c := range conds {
		out[i] = conditionView{c.Type, string(c.Status), c.Reason, c.Message}
	}
	return out
}

// bad reports whether the condition says something is wrong: Conflicted
// and PartiallyInvalid are bad when true, the others when not true.
func (c conditionView) bad() bool {
	if c.typ == "Conflicted" || c.typ == "PartiallyInvalid" {
		return c.status == string(metav1.ConditionTrue)
	}
	return c.status != string(metav1.ConditionTrue)
}

// typeCell is the TYPE column of a rule: its path type and, for Gateway
// API rules, the conditions on the method, the listener (scheme:http for a
// rule served on -listen only, scheme:https on -tls-listen only), headers
// and query ("Prefix GET scheme:http header:X-Env=dev query~v=[0-9]+";
// "~" for a regular expression).
func typeCell(r route.Rule) string {
	s := r.Type.String()
	c := r.Conditions
	if c == nil {
		return s
	}
	if c.Method != "" {
		s += " " + c.Method
	}
	if c.Scheme != "" {
		s += " scheme:" + c.Scheme
	}
	op := func(regex bool) string {
		if regex {
			return "~"
		}
		return ":"
	}
	for _, h := range c.Headers {
		s += " header" + op(h.Regex) + h.Name + "=" + h.Value
	}
	for _, q := range c.Query {
		s += " query" + op(q.Regex) + q.Name + "=" + q.Value
	}
	return s
}

// originOf names the object a rule comes from, with its kind: "Ingress
// default/web", "HTTPRoute default/api".
func originOf(r route.Rule) string {
	if rt, ok := r.Value.(*proxy.Route); ok && rt.Object.Kind != "" {
		return rt.Object.String()
	}
	return r.Origin
}
