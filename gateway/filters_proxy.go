package gateway

import (
	"fmt"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
)

// The filters and fields that change where and how a request is sent:
// RequestRedirect, URLRewrite, RequestMirror and timeouts. Each becomes
// fields of the rule's proxy.Route; what the filter's own fields make
// impossible (an unknown path modifier type, a status code outside the
// enum) is returned as an error, which rejects the rule.

// requestRedirect translates a RequestRedirect filter. Its path prefix
// replacement replaces what the matched rule's prefix matched, as the
// proxy does for every redirect built from the request.
func requestRedirect(f *gatewayv1.HTTPRequestRedirectFilter) (*rewrite.Redirect, error) {
	var scheme, hostname string
	var port, code int
	if f.Scheme != nil {
		scheme = *f.Scheme
	}
	if f.Hostname != nil {
		hostname = string(*f.Hostname)
	}
	if f.Port != nil {
		port = int(*f.Port)
		if port == 0 {
			return nil, fmt.Errorf("port 0: must be from 1 to 65535")
		}
	}
	if f.StatusCode != nil {
		code = *f.StatusCode
	}
	path, err := pathModifier(f.Path)
	if err != nil {
		return nil, fmt.Errorf("path: %w", err)
	}
	return rewrite.NewRequestRedirect(scheme, hostname, port, path, code)
}

// urlRewrite applies a URLRewrite filter to rt: its hostname is the Host
// sent to the backend, its path replaces the path sent.
func urlRewrite(rt *proxy.Route, f *gatewayv1.HTTPURLRewriteFilter) error {
	path, err := pathModifier(f.Path)
	if err != nil {
		return fmt.Errorf("path: %w", err)
	}
	if f.Hostname != nil {
		rt.Host = string(*f.Hostname)
	}
	rt.ReplacePath = path
	return nil
}

// pathModifier translates an HTTPPathModifier; nil stays nil.
func pathModifier(m *gatewayv1.HTTPPathModifier) (*rewrite.PathModifier, error) {
	if m == nil {
		return nil, nil
	}
	var out rewrite.PathModifier
	switch m.Type {
	case gatewayv1.FullPathHTTPPathModifier:
		if m.ReplaceFullPath == nil {
			return nil, fmt.Errorf("replaceFullPath must be given with type ReplaceFullPath")
		}
		out.Value = *m.ReplaceFullPath
	case gatewayv1.PrefixMatchHTTPPathModifier:
		if m.ReplacePrefixMatch == nil {
			return nil, fmt.Errorf("replacePrefixMatch must be given with type ReplacePrefixMatch")
		}
		out.Prefix, out.Value = true, *m.ReplacePrefixMatch
	default:
		return nil, fmt.Errorf("type %q is not supported: supported types: ReplaceFullPath, ReplacePrefixMatch", m.Type)
	}
	if err := out.Check(); err != nil {
		return nil, err
	}
	return &out, nil
}

// mirrorShare translates a RequestMirror filter's percent or fraction:
// neither mirrors every request.
func mirrorShare(f *gatewayv1.HTTPRequestMirrorFilter) (numerator, denominator int, err error) {
	switch {
	case f.Percent != nil && f.Fraction != nil:
		return 0, 0, fmt.Errorf("percent and fraction cannot both be given")
	case f.Percent != nil:
		if p := *f.Percent; p < 0 || p > 100 {
			return 0, 0, fmt.Errorf("percent %d: must be from 0 to 100", p)
		}
		return int(*f.Percent), 100, nil
	case f.Fraction != nil:
		den := int32(100)
		if f.Fraction.Denominator != nil {
			den = *f.Fraction.Denominator
		}
		if num := f.Fraction.Numerator; num < 0 || den < 1 || num > den {
			return 0, 0, fmt.Errorf("fraction %d/%d: must be a numerator from 0 to a denominator of at least 1", num, den)
		}
		return int(f.Fraction.Numerator), int(den), nil
	}
	return 0, 0, nil
}

// requestMirror adds a RequestMirror filter (nil: none) at field to rt,
// and returns why it cannot, if it cannot. A mirror whose backendRef does
// not resolve is dropped, as the specification says, and makes the
// route's ResolvedRefs false.
func (c *compiler) requestMirror(ro routeObject, rt *proxy.Route, f *gatewayv1.HTTPRequestMirrorFilter, grpc bool, field string, refs *refProblem) []string {
	if f == nil {
		return nil
	}
	num, den, err := mirrorShare(f)
	if err != nil {
		return []string{fmt.Sprintf("%s.requestMirror: %v", field, err)}
	}
	b := c.backendRef(ro, gatewayv1.BackendRef{BackendObjectReference: f.BackendRef}, grpc, field+".requestMirror.backendRef", refs)
	if b.upstream.Status != 0 {
		return nil // dropped; backendRef has warned and noted why
	}
	rt.Mirrors = append(rt.Mirrors, proxy.Mirror{Upstream: b.upstream, Numerator: num, Denominator: den})
	return nil
}

// timeouts applies an HTTPRoute rule's timeouts to rt.
func (c *compiler) timeouts(rt *proxy.Route, t *gatewayv1.HTTPRouteTimeouts, field string) (unsupported []string) {
	if t == nil {
		return nil
	}
	for _, p := range routeTimeouts(rt, t) {
		unsupported = append(unsupported, field+"."+p)
	}
	return unsupported
}

// routeTimeouts applies an HTTPRoute rule's timeouts to rt: request bounds
// the whole exchange, backendRequest each attempt, and "0s" turns either
// off. A bound longer than the proxy's idle timeouts lengthens them, so
// that a backend slower than those but within the bound is waited for.
func routeTimeouts(rt *proxy.Route, t *gatewayv1.HTTPRouteTimeouts) []string {
	var problems []string
	parse := func(name string, d *gatewayv1.Duration) time.Duration {
		if d == nil {
			return 0
		}
		v, err := time.ParseDuration(string(*d))
		if err != nil || v < 0 {
			problems = append(problems, fmt.Sprintf("timeouts.%s: invalid duration %q", name, *d))
			return 0
		}
		return v
	}
	rt.RequestTimeout = parse("request", t.Request)
	rt.BackendTimeout = parse("backendRequest", t.BackendRequest)
	if longest := max(rt.RequestTimeout, rt.BackendTimeout); longest > proxy.DefaultReadTimeout {
		rt.ReadTimeout, rt.SendTimeout = longest, longest
	}
	return problems
}
