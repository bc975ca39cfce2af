package gateway

import (
	"fmt"
	"regexp"
	"slices"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// routes compiles every HTTPRoute and GRPCRoute attached to a served
// Gateway, then writes the Gateways' status, which counts them.
func (c *compiler) routes() {
	https := make([]*attachedRoute, len(c.set.HTTPRoutes))
	for i, r := range c.set.HTTPRoutes {
		ro := routeObject{kind: "HTTPRoute", meta: r.ObjectMeta, ref: r.Ref(), source: r.Source, parents: r.Spec.ParentRefs, hostnames: r.Spec.Hostnames}
		https[i] = &attachedRoute{ro, c.attach(ro)}
	}
	grpcs := make([]*attachedRoute, len(c.set.GRPCRoutes))
	for i, r := range c.set.GRPCRoutes {
		ro := routeObject{kind: "GRPCRoute", meta: r.ObjectMeta, ref: r.Ref(), source: r.Source, parents: r.Spec.ParentRefs, hostnames: r.Spec.Hostnames}
		grpcs[i] = &attachedRoute{ro, c.attach(ro)}
	}
	c.kindConflicts(append(slices.Clip(https), grpcs...))
	for i, r := range c.set.HTTPRoutes {
		c.httpRoute(r, https[i])
	}
	for i, r := range c.set.GRPCRoutes {
		c.grpcRoute(r, grpcs[i])
	}
	for _, gs := range c.gwOrder {
		c.gatewayStatus(gs)
	}
}

// match is one match of a rule as the route package takes it.
type match struct {
	path  string
	typ   route.PathType
	conds route.Conditions
	// written and writtenType are the match as the object spelled it,
	// such as "/v1" and "PathPrefix", or a GRPCRoute's "echo.Echo/Ping"
	// and "Exact".
	written, writtenType string
}

// httpRoute compiles one HTTPRoute.
func (c *compiler) httpRoute(r ingress.HTTPRoute, ar *attachedRoute) {
	ro := ar.ro
	st, ok := c.compileRules(ar, len(r.Spec.Rules), func(i int, field string, rt *proxy.Route, refs *refProblem) ruleParts {
		rule := r.Spec.Rules[i]
		backends, problems := ruleBackends(c, ro, rule.BackendRefs, false, field, refs,
			func(br gatewayv1.HTTPBackendRef) gatewayv1.BackendRef { return br.BackendRef },
			func(br gatewayv1.HTTPBackendRef, b *backend, bf string) []string {
				return backendFilters(b, br.Filters, bf)
			})
		program(rt, backends)
		problems = append(problems, c.httpFilters(ro, rt, rule.Filters, field, refs)...)
		problems = append(problems, c.timeouts(rt, rule.Timeouts, field)...)
		if rule.Retry != nil {
			c.warn(ro.source, ro.ref, field+".retry", "retry is not supported; requests are not retried")
		}
		return ruleParts{backends, problems, matchesOf(rule.Matches, httpMatch), rule.SessionPersistence != nil}
	})
	if ok {
		c.out.Status.HTTPRoutes = append(c.out.Status.HTTPRoutes, st)
	}
}

// compileRules compiles the n rules of an attached HTTPRoute or GRPCRoute
// and returns its status. rule fills in rule i (at field) on its proxy
// route rt, notes the references that do not resolve in refs, and says
// what the rule compiled to. ok is false for a route with no parentRef to
// a Gateway of this controller, which is left alone, status included.
func (c *compiler) compileRules(ar *attachedRoute, n int, rule func(i int, field string, rt *proxy.Route, refs *refProblem) ruleParts) (st RouteStatus, ok bool) {
	ro, att := ar.ro, ar.att
	if len(att.parents) == 0 {
		return RouteStatus{}, false
	}
	c.settle(ro, &att)
	var refs refProblem
	var partial []string
	for i := range n {
		rt := c.newRoute(ro, i)
		c.serveRule(ro, att, i, rt, rule(i, fmt.Sprintf("spec.rules[%d]", i), rt, &refs), &partial)
	}
	return c.routeStatus(ro, att, refs, partial), true
}

// ruleBackends resolves the backendRefs of the rule at field, in order,
// then applies each one's own filters to its backend; problems say why
// filters cannot be applied. HTTPRoute and GRPCRoute backendRefs differ
// only in their filters' type.
func ruleBackends[B gatewayv1.HTTPBackendRef | gatewayv1.GRPCBackendRef](c *compiler, ro routeObject, brs []B, grpc bool, field string, refs *refProblem,
	ref func(B) gatewayv1.BackendRef, filters func(br B, b *backend, field string) []string) (backends []backend, problems []string) {
	for j, br := range brs {
		bf := fmt.Sprintf("%s.backendRefs[%d]", field, j)
		b := c.backendRef(ro, ref(br), grpc, bf, refs)
		problems = append(problems, filters(br, &b, bf)...)
		backends = append(backends, b)
	}
	return backends, problems
}

// newRoute starts the proxy route of rule i of ro.
func (c *compiler) newRoute(ro routeObject, i int) *proxy.Route {
	return &proxy.Route{
		Name:   fmt.Sprintf("%s rule %d", ro.ref, i),
		Object: proxy.ObjectRef{Kind: ro.kind, Namespace: ro.meta.Namespace, Name: ro.meta.Name},
	}
}

// matchesOf translates a rule's matches; a rule without any has the
// default match (the prefix "/").
func matchesOf[M any](ms []M, translate func(M) match) []match {
	if len(ms) == 0 {
		var none M
		return []match{translate(none)}
	}
	out := make([]match, len(ms))
	for i, m := range ms {
		out[i] = translate(m)
	}
	return out
}

// ruleParts is what an HTTPRoute or GRPCRoute rule compiled to.
type ruleParts struct {
	backends []backend
	// problems say why the rule cannot be served as written.
	problems []string
	matches  []match
	// sessionPersistence is set when the rule asks for it.
	sessionPersistence bool
}

// serveRule adds rule i of ro to the table: as compiled, or, with
// problems, as a rule that answers 500.
func (c *compiler) serveRule(ro routeObject, att attachment, i int, rt *proxy.Route, p ruleParts, partial *[]string) {
	if p.sessionPersistence {
		c.warn(ro.source, ro.ref, fmt.Sprintf("spec.rules[%d].sessionPersistence", i), "sessionPersistence is not supported; requests are balanced without it")
	}
	// A match the route package would refuse (a regular expression that
	// does not compile) is left out, and its rule answers 500 with the
	// problem on the match's field, as any other problem of the rule.
	matches := p.matches[:0:0]
	for j, m := range p.matches {
		conds := m.conds
		errs := route.CheckRule(route.Rule{Path: m.path, Type: m.typ, Conditions: &conds})
		for _, err := range errs {
			p.problems = append(p.problems, fmt.Sprintf("spec.rules[%d].matches[%d]: %v", i, j, err))
		}
		if len(errs) == 0 {
			matches = append(matches, m)
		}
	}
	rt = c.rejectRule(ro, rt, p.problems, partial)
	c.addRules(ro, att, i, rt, p.backends, matches)
}

// rejectRule replaces a rule that cannot be served as written by one that
// answers 500, with a warning per problem.
func (c *compiler) rejectRule(ro routeObject, rt *proxy.Route, problems []string, partial *[]string) *proxy.Route {
	if len(problems) == 0 {
		return rt
	}
	for _, p := range problems {
		c.warn(ro.source, ro.ref, "", p+"; the rule answers 500")
	}
	*partial = append(*partial, problems...)
	return &proxy.Route{Name: rt.Name, Object: rt.Object, Upstream: &proxy.Upstream{Name: "rule not served", Status: unresolvedStatus}}
}

// httpMatch translates one HTTPRouteMatch; a match without a path
// matches the prefix "/".
func httpMatch(m gatewayv1.HTTPRouteMatch) match {
	out := match{path: "/", typ: route.Prefix, written: "/", writtenType: string(gatewayv1.PathMatchPathPrefix)}
	if m.Path != nil {
		if m.Path.Value != nil {
			out.path, out.written = *m.Path.Value, *m.Path.Value
		}
		if m.Path.Type != nil {
			out.writtenType = string(*m.Path.Type)
			switch *m.Path.Type {
			case gatewayv1.PathMatchExact:
				out.typ = route.Exact
			case gatewayv1.PathMatchRegularExpression:
				out.typ = route.RegularExpression
			}
		}
	}
	if m.Method != nil {
		out.conds.Method = string(*m.Method)
	}
	for _, h := range m.Headers {
		regex := h.Type != nil && *h.Type == gatewayv1.HeaderMatchRegularExpression
		out.conds.Headers = append(out.conds.Headers, route.HeaderMatch{Name: string(h.Name), Value: h.Value, Regex: regex})
	}
	for _, q := range m.QueryParams {
		regex := q.Type != nil && *q.Type == gatewayv1.QueryParamMatchRegularExpression
		out.conds.Query = append(out.conds.Query, route.QueryMatch{Name: string(q.Name), Value: q.Value, Regex: regex})
	}
	return out
}

// addRules adds the table rules of rule i of ro: one per match and served
// hostname. One table serves both of the program's listeners, so the
// rules of a hostname that only HTTP (or only HTTPS) listeners serve have
// that Scheme: a route is never answered on a listener it is not attached
// to.
func (c *compiler) addRules(ro routeObject, att attachment, i int, rt *proxy.Route, backends []backend, matches []match) {
	var dump route.Backend
	if len(backends) > 0 {
		dump = backends[0].name
	}
	for j, m := range matches {
		// Each match names its own place in the route for tools; the
		// copies share the rule's Traffic and Upstreams.
		value := *rt
		value.Origin = proxy.Origin{Field: fmt.Sprintf("spec.rules[%d].matches[%d]", i, j), Source: ro.source.String(), Path: m.written, PathType: m.writtenType}
		for _, h := range att.hosts {
			conds := m.conds
			conds.Scheme = h.scheme()
			conds.Tiebreak = route.Tiebreak{Created: ro.meta.CreationTimestamp.Time, Route: ro.key(), Index: i<<8 | j}
			c.rules = append(c.rules, route.Rule{Host: h.host, Path: m.path, Type: m.typ, Backend: dump,
				Origin: ro.ref, Value: &value, Conditions: &conds})
			c.ruleSources = append(c.ruleSources, ro.source)
		}
	}
}

// grpcRoute compiles one GRPCRoute: its matches become paths of the gRPC
// request path "/service/method".
func (c *compiler) grpcRoute(r ingress.GRPCRoute, ar *attachedRoute) {
	ro := ar.ro
	st, ok := c.compileRules(ar, len(r.Spec.Rules), func(i int, field string, rt *proxy.Route, refs *refProblem) ruleParts {
		rule := r.Spec.Rules[i]
		backends, problems := ruleBackends(c, ro, rule.BackendRefs, true, field, refs,
			func(br gatewayv1.GRPCBackendRef) gatewayv1.BackendRef { return br.BackendRef },
			func(br gatewayv1.GRPCBackendRef, _ *backend, bf string) []string {
				if len(br.Filters) > 0 {
					return []string{bf + ".filters: filters on a backendRef are not supported"}
				}
				return nil
			})
		program(rt, backends)
		problems = append(problems, c.grpcFilters(ro, rt, rule.Filters, field, refs)...)
		return ruleParts{backends, problems, matchesOf(rule.Matches, grpcMatch), rule.SessionPersistence != nil}
	})
	if ok {
		c.out.Status.GRPCRoutes = append(c.out.Status.GRPCRoutes, st)
	}
}

// grpcMatch translates a GRPCRouteMatch into a match of the request path
// "/service/method": both exact is an Exact path, a service alone a
// prefix, a method alone or regular expressions a RegularExpression path.
func grpcMatch(m gatewayv1.GRPCRouteMatch) match {
	out := match{path: "/", typ: route.Prefix, written: "/", writtenType: "Prefix"}
	if mm := m.Method; mm != nil {
		service, method := "", ""
		if mm.Service != nil {
			service = *mm.Service
		}
		if mm.Method != nil {
			method = *mm.Method
		}
		regex := mm.Type != nil && *mm.Type == gatewayv1.GRPCMethodMatchRegularExpression
		out.written, out.writtenType = service+"/"+method, string(gatewayv1.GRPCMethodMatchExact)
		if regex {
			out.writtenType = string(gatewayv1.GRPCMethodMatchRegularExpression)
		}
		switch {
		case regex:
			out.path, out.typ = "/"+orAny(service)+"/"+orAny(method), route.RegularExpression
		case service != "" && method != "":
			out.path, out.typ = "/"+service+"/"+method, route.Exact
		case service != "":
			out.path = "/" + service
		case method != "":
			out.path, out.typ = "/[^/]+/"+regexp.QuoteMeta(method), route.RegularExpression
		}
	}
	for _, h := range m.Headers {
		regex := h.Type != nil && *h.Type == gatewayv1.GRPCHeaderMatchRegularExpression
		out.conds.Headers = append(out.conds.Headers, route.HeaderMatch{Name: string(h.Name), Value: h.Value, Regex: regex})
	}
	return out
}

// orAny is a regular expression part: re, or any path element.
func orAny(re string) string {
	if re == "" {
		return "[^/]+"
	}
	return "(?:" + re + ")"
}
