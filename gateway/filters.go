package gateway

import (
	"fmt"
	"strings"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/proxy"
)

// Filter translation: each Gateway API filter becomes settings of the
// rule's proxy.Route. A filter that cannot be applied is reported by a
// message; the rule then answers 500 rather than serve requests without
// it (Gateway API: a rule that cannot be programmed as written must not
// be served as if it were), and the route is marked PartiallyInvalid.

// httpFilters applies the filters of an HTTPRoute rule of ro to rt; the
// backendRefs of mirrors that do not resolve are noted in refs.
func (c *compiler) httpFilters(ro routeObject, rt *proxy.Route, filters []gatewayv1.HTTPRouteFilter, field string, refs *refProblem) (unsupported []string) {
	for i, f := range filters {
		at := fmt.Sprintf("%s.filters[%d]", field, i)
		switch f.Type {
		case gatewayv1.HTTPRouteFilterRequestHeaderModifier:
			if f.RequestHeaderModifier != nil {
				headerModifier(&traffic(rt).RequestHeaders, f.RequestHeaderModifier)
			}
		case gatewayv1.HTTPRouteFilterResponseHeaderModifier:
			if f.ResponseHeaderModifier != nil {
				headerModifier(&traffic(rt).ResponseHeaders, f.ResponseHeaderModifier)
			}
		case gatewayv1.HTTPRouteFilterCORS:
			if f.CORS != nil {
				traffic(rt).CORS = corsOf(f.CORS)
			}
		case gatewayv1.HTTPRouteFilterRequestRedirect:
			if f.RequestRedirect != nil {
				rd, err := requestRedirect(f.RequestRedirect)
				if err != nil {
					unsupported = append(unsupported, fmt.Sprintf("%s.requestRedirect: %v", at, err))
					continue
				}
				rt.Redirect = rd
			}
		case gatewayv1.HTTPRouteFilterURLRewrite:
			if f.URLRewrite != nil {
				if err := urlRewrite(rt, f.URLRewrite); err != nil {
					unsupported = append(unsupported, fmt.Sprintf("%s.urlRewrite: %v", at, err))
				}
			}
		case gatewayv1.HTTPRouteFilterRequestMirror:
			unsupported = append(unsupported, c.requestMirror(ro, rt, f.RequestMirror, false, at, refs)...)
		default:
			unsupported = append(unsupported, fmt.Sprintf("%s: filter %s is not supported", at, f.Type))
		}
	}
	return unsupported
}

// grpcFilters applies the filters of a GRPCRoute rule of ro to rt; the
// backendRefs of mirrors that do not resolve are noted in refs.
func (c *compiler) grpcFilters(ro routeObject, rt *proxy.Route, filters []gatewayv1.GRPCRouteFilter, field string, refs *refProblem) (unsupported []string) {
	for i, f := range filters {
		at := fmt.Sprintf("%s.filters[%d]", field, i)
		switch f.Type {
		case gatewayv1.GRPCRouteFilterRequestHeaderModifier:
			if f.RequestHeaderModifier != nil {
				headerModifier(&traffic(rt).RequestHeaders, f.RequestHeaderModifier)
			}
		case gatewayv1.GRPCRouteFilterResponseHeaderModifier:
			if f.ResponseHeaderModifier != nil {
				headerModifier(&traffic(rt).ResponseHeaders, f.ResponseHeaderModifier)
			}
		case gatewayv1.GRPCRouteFilterRequestMirror:
			unsupported = append(unsupported, c.requestMirror(ro, rt, f.RequestMirror, true, at, refs)...)
		default:
			unsupported = append(unsupported, fmt.Sprintf("%s: filter %s is not supported", at, f.Type))
		}
	}
	return unsupported
}

// traffic returns rt's traffic policy, creating it.
func traffic(rt *proxy.Route) *proxy.Traffic {
	if rt.Traffic == nil {
		rt.Traffic = &proxy.Traffic{}
	}
	return rt.Traffic
}

// headerModifier adds a Gateway API header filter to header rules: set
// replaces, add appends to what was sent, remove deletes.
func headerModifier(hr *proxy.HeaderRules, f *gatewayv1.HTTPHeaderFilter) {
	for _, h := range f.Set {
		if hr.Set == nil {
			hr.Set = map[string]string{}
		}
		hr.Set[string(h.Name)] = h.Value
	}
	for _, h := range f.Add {
		if hr.Add == nil {
			hr.Add = map[string]string{}
		}
		hr.Add[string(h.Name)] = h.Value
	}
	hr.Remove = append(hr.Remove, f.Remove...)
}

// backendFilters applies the filters of a backendRef (field) to b: its
// RequestHeaderModifier edits the requests sent to that backend alone.
// Other filters on a backendRef are not supported.
func backendFilters(b *backend, filters []gatewayv1.HTTPRouteFilter, field string) []string {
	var unsupported []string
	for i, f := range filters {
		switch {
		case f.Type == gatewayv1.HTTPRouteFilterRequestHeaderModifier && f.RequestHeaderModifier != nil:
			headerModifier(&b.headers, f.RequestHeaderModifier)
		default:
			unsupported = append(unsupported, fmt.Sprintf("%s.filters[%d]: filter %s is not supported on a backendRef", field, i, f.Type))
		}
	}
	return unsupported
}

// hasHeaderRules reports whether hr edits anything.
func hasHeaderRules(hr proxy.HeaderRules) bool {
	return len(hr.Set) > 0 || len(hr.Add) > 0 || len(hr.Remove) > 0
}

// corsMaxAge is Gateway API's default Access-Control-Max-Age.
const corsMaxAge = 5 * time.Second

// corsOf translates a CORS filter.
func corsOf(f *gatewayv1.HTTPCORSFilter) *proxy.CORS {
	cors := &proxy.CORS{MaxAge: corsMaxAge}
	for _, o := range f.AllowOrigins {
		cors.AllowOrigins = append(cors.AllowOrigins, string(o))
	}
	if f.AllowCredentials != nil {
		cors.AllowCredentials = *f.AllowCredentials
	}
	join := func(vs []string) string { return strings.Join(vs, ", ") }
	var methods, headers, expose []string
	for _, m := range f.AllowMethods {
		methods = append(methods, string(m))
	}
	for _, h := range f.AllowHeaders {
		headers = append(headers, string(h))
	}
	for _, h := range f.ExposeHeaders {
		expose = append(expose, string(h))
	}
	cors.AllowMethods, cors.AllowHeaders, cors.ExposeHeaders = join(methods), join(headers), join(expose)
	if f.MaxAge > 0 {
		cors.MaxAge = time.Duration(f.MaxAge) * time.Second
	}
	return cors
}
