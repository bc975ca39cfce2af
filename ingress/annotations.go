package ingress

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
)

// policy is what the ingress-nginx annotations of one Ingress ask of its
// routes, parsed and checked: parsing state, which proxyRoute turns into
// the routes' proxy.Route and proxy.Upstream (Traffic and Balance are
// the proxy's own types already). Zero values mean "not set": the proxy
// then uses its defaults (which are ingress-nginx's).
type policy struct {
	// route holds what the annotations ask of the Ingress's routes, in the
	// proxy's own terms: upstream-vhost (Host), proxy-body-size,
	// proxy-read-timeout and proxy-send-timeout, ssl-redirect and
	// force-ssl-redirect, x-forwarded-prefix, permanent-redirect and
	// temporal-redirect, preserve-trailing-slash, and the proxying
	// annotations (proxy-next-upstream, proxy-request-buffering,
	// proxy-redirect-*, proxy-cookie-*, connection-proxy-header). Each
	// route of the Ingress starts from it.
	route proxy.Route
	// upstream holds how the annotations ask the backends of the Ingress
	// to be reached, in the proxy's own terms: proxy-connect-timeout, and
	// the TLS settings (proxy-ssl-verify, which is on by default here,
	// unlike in ingress-nginx; proxy-ssl-server-name; proxy-ssl-verify-depth;
	// proxy-ssl-protocols; proxy-ssl-secret's CA and client certificate).
	// Each upstream of the Ingress starts from it.
	upstream proxy.Upstream
	// protocolSet says that backend-protocol set upstream.Protocol; else
	// an https:// backend override makes it HTTPS.
	protocolSet bool
	// ProxySSLName is proxy-ssl-name: the name the backend certificate is
	// verified against, and sent as SNI.
	ProxySSLName string
	// UseRegex is use-regex: the Ingress's ImplementationSpecific paths are
	// regular expressions.
	UseRegex bool
	// RewriteTarget is rewrite-target: each path of the Ingress, read as a
	// regex, rewrites matching request paths to this target (see
	// Route.Rewrite).
	RewriteTarget string
	// AppRoot is app-root: "/" redirects (302) to it. It applies to the
	// whole host, from the first Ingress that sets it.
	AppRoot *rewrite.AppRoot
	// Upstream is how the backends are reached: proxy-ssl-secret and the
	// other proxy-ssl-* settings, service-upstream, default-backend,
	// custom-http-errors.
	Upstream upstreamPolicy
	// Proxying is what the proxying annotations leave to finishProxying.
	Proxying proxyingPolicy
	// ServerAliases is server-alias: more host names served with the
	// Ingress's rules.
	ServerAliases []string
	// FromToWWWRedirect is from-to-www-redirect: requests for the www. or
	// bare twin of each host are redirected to the host.
	FromToWWWRedirect bool
	// Canary is canary and the canary-* annotations: the Ingress's paths
	// are alternative backends of other Ingresses' routes.
	Canary canaryPolicy
	// Traffic is the traffic policy of the Ingress: CORS, client IP lists,
	// rate limits, authentication and response headers. Its Deny says why
	// every route of the Ingress answers 503: an object that an annotation
	// needs (the auth-secret Secret, the custom-headers ConfigMap, the
	// proxy-ssl-secret Secret) is not loaded or is in another namespace, or
	// an annotation asks for what ingressmux cannot do (client certificate
	// authentication, FastCGI). ingress-nginx denies such locations the
	// same way; serving them without the check would open what the author
	// closed.
	Traffic proxy.Traffic
	// Balance is how requests pick an endpoint: load-balance,
	// upstream-hash-by, cookie affinity, reduced to the one that applies.
	Balance proxy.Balancing

	// Raw values combined once every annotation is read.
	permanentRedirect, temporalRedirect         string
	permanentRedirectCode, temporalRedirectCode int
	trafficRaw                                  trafficRaw
	balanceRaw                                  balanceRaw
	// authSecret is the auth-secret that Traffic.BasicAuth's users were
	// read from, as "namespace/name".
	authSecret string
}

// annotation describes one supported annotation: how to parse it into a
// Policy.
type annotation struct {
	parse func(p *policy, value string) error
}

// annotations lists the supported annotations by name (without prefix).
// Every annotation under the prefix that is not listed here is reported as
// unsupported, so nothing is ignored silently.
var annotations = map[string]annotation{
	"backend-protocol": {func(p *policy, v string) error {
		u := strings.ToUpper(v)
		if protocol, ok := backendProtocols[u]; ok {
			p.upstream.Protocol, p.protocolSet = protocol, true
			return nil
		}
		switch u {
		case "FCGI":
			// Accepted, as ingress-nginx accepts it, but never proxied as
			// HTTP: finishProxying closes the routes with a warning.
			p.Proxying.askedFCGI = true
			return nil
		}
		return fmt.Errorf(`supported values: "HTTP", "HTTPS", "AUTO_HTTP", "GRPC", "GRPCS"`)
	}},
	"upstream-vhost": {func(p *policy, v string) error {
		if !hostHeader.MatchString(v) {
			return fmt.Errorf("must be a host name with an optional port, such as project-domain.com; nginx variables ($host) are not supported")
		}
		p.route.Host = v
		return nil
	}},
	"proxy-body-size": {func(p *policy, v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		if n == 0 {
			n = -1 // "0" turns the limit off, as in nginx
		}
		p.route.MaxBodyBytes = n
		return nil
	}},
	"proxy-connect-timeout": {timeoutInto(func(p *policy) *time.Duration { return &p.upstream.ConnectTimeout })},
	"proxy-read-timeout":    {timeoutInto(func(p *policy) *time.Duration { return &p.route.ReadTimeout })},
	"proxy-send-timeout":    {timeoutInto(func(p *policy) *time.Duration { return &p.route.SendTimeout })},
	"ssl-redirect":          {boolInto(func(p *policy) *bool { return &p.route.SSLRedirect })},
	"force-ssl-redirect":    {boolInto(func(p *policy) *bool { return &p.route.ForceSSLRedirect })},
	"use-regex":             {boolInto(func(p *policy) *bool { return &p.UseRegex })},
	"proxy-ssl-name": {func(p *policy, v string) error {
		if !hostName.MatchString(v) {
			return fmt.Errorf("must be a DNS name such as project-domain.com")
		}
		p.ProxySSLName = strings.ToLower(v)
		return nil
	}},
	"proxy-ssl-verify": {offInto(func(p *policy) *bool { return &p.upstream.TLS.InsecureSkipVerify })},
	"rewrite-target": {func(p *policy, v string) error {
		if !nginxPath.MatchString(v) {
			return fmt.Errorf("must be a path of letters, digits and -._~/: with $1 to $9 for capture groups, such as /$2")
		}
		if err := rewrite.CheckTarget(v); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "rewrite: "))
		}
		p.RewriteTarget = v
		return nil
	}},
	"x-forwarded-prefix": {func(p *policy, v string) error {
		v = strings.ReplaceAll(v, " ", "")
		if !nginxPath.MatchString(v) || strings.Contains(v, "$") {
			return fmt.Errorf("must be a path of letters, digits and -._~/:, such as /api")
		}
		p.route.ForwardedPrefix = v
		return nil
	}},
	"app-root": {func(p *policy, v string) error {
		a, err := rewrite.NewAppRoot(v)
		if err != nil || !nginxPath.MatchString(v) || strings.Contains(v, "$") {
			return fmt.Errorf("must be an absolute path such as /app, not a URL")
		}
		p.AppRoot = a
		return nil
	}},
	"permanent-redirect":      {func(p *policy, v string) error { p.permanentRedirect = v; return nil }},
	"temporal-redirect":       {func(p *policy, v string) error { p.temporalRedirect = v; return nil }},
	"permanent-redirect-code": {intInto(func(p *policy) *int { return &p.permanentRedirectCode })},
	"temporal-redirect-code":  {intInto(func(p *policy) *int { return &p.temporalRedirectCode })},
	"preserve-trailing-slash": {boolInto(func(p *policy) *bool { return &p.route.PreserveTrailingSlash })},
	"proxy-ssl-server-name":   {offInto(func(p *policy) *bool { return &p.upstream.TLS.DisableSNI })},
}

// backendProtocols are the values of backend-protocol that are proxied.
var backendProtocols = map[string]proxy.Protocol{"HTTP": proxy.HTTP, "HTTPS": proxy.HTTPS, "GRPC": proxy.GRPC, "GRPCS": proxy.GRPCS, "AUTO_HTTP": proxy.AutoHTTP}

var (
	hostName   = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\.?$`)
	hostHeader = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$`)
	// nginxPath is ingress-nginx's validator for rewrite-target and
	// friends: no quotes, spaces, braces or semicolons, which is what kept
	// values from escaping nginx's configuration text.
	nginxPath = regexp.MustCompile(`^/?[-._~a-zA-Z0-9/:$]*$`)
)

// defaultPolicy is the policy of an Ingress without annotations.
func defaultPolicy() policy {
	var p policy
	p.route.SSLRedirect = true
	p.route.BufferRequest = true
	p.route.Retry = defaultRetry()
	return p
}

// parsePolicy reads the annotations of ing under the configured prefix.
// Invalid values are field errors on metadata.annotations[KEY]; snippets
// are refused; unsupported annotations are warnings.
func (c *compiler) parsePolicy(ing Ingress) (*policy, bool) {
	p := c.newPolicy()
	if c.prefix == "" {
		c.prefix = c.opts.annotation("")
		c.canaryKey = c.prefix + "canary"
	}
	prefix := c.prefix
	keys := c.keys[:0] // reused: the keys are only read while parsing
	for key := range ing.Annotations {
		keys = append(keys, key)
	}
	c.keys = keys
	sort.Strings(keys)
	// A canary Ingress's routes use the primary's settings, except for the
	// canary and balancing annotations: the others are not parsed, so they
	// can neither fail the load nor take effect.
	canary, _ := strconv.ParseBool(strings.TrimSpace(ing.Annotations[c.canaryKey]))
	ok := true
	for _, key := range keys {
		name, under := strings.CutPrefix(key, prefix)
		if !under {
			continue
		}
		// The field, only for an error or a warning.
		at := func() *field.Path { return field.NewPath("metadata", "annotations").Key(key) }
		value := strings.TrimSpace(ing.Annotations[key])
		if strings.HasSuffix(name, "-snippet") {
			c.fail(ing, field.Forbidden(at(), snippetRefusal(name)))
			ok = false
			continue
		}
		a, supported := lookupAnnotation(name)
		if why, closes := unenforceable(name, ing.Annotations, prefix); !supported && closes && !canary {
			c.warn(ing, at().String(), why+"; every path of this Ingress answers 503 rather than serving without the check")
			if p.Traffic.Deny == "" {
				p.Traffic.Deny = why
			}
			continue
		}
		if !supported {
			c.warn(ing, at().String(), "not supported by ingressmux; ignored")
			continue
		}
		if canary && !canaryKeeps(name) {
			c.warn(ing, at().String(), "ignored on a canary Ingress: its routes use the primary Ingress's settings, as in ingress-nginx")
			continue
		}
		if err := a.parse(p, value); err != nil {
			c.fail(ing, field.Invalid(at(), ing.Annotations[key], err.Error()))
			ok = false
		}
	}
	ok = c.finishCanary(ing, p) && ok
	ok = c.finishBalance(ing, p) && ok
	if canary {
		return p, ok
	}
	ok = c.finishRedirects(ing, p) && ok
	ok = c.finishUpstream(ing, p) && ok
	ok = c.finishProxying(ing, p) && ok
	return p, c.finishTraffic(ing, p) && ok
}

// lookupAnnotation finds a supported annotation by name (without prefix)
// in the registries, each kept beside the Policy part it fills.
func lookupAnnotation(name string) (annotation, bool) {
	for _, registry := range []map[string]annotation{annotations, upstreamAnnotations, proxyingAnnotations, hostAnnotations, canaryAnnotations, trafficAnnotations, balanceAnnotations} {
		if a, ok := registry[name]; ok {
			return a, true
		}
	}
	return annotation{}, false
}

// finishRedirects builds the redirect from permanent-redirect,
// temporal-redirect and their codes. An out-of-range code falls back to
// ingress-nginx's default (301, 302) with a warning rather than silently.
func (c *compiler) finishRedirects(ing Ingress, p *policy) bool {
	build := func(kind, target string, code, lo, hi, fallback int) bool {
		if target == "" {
			return true
		}
		at := field.NewPath("metadata", "annotations").Key(c.opts.annotation(kind))
		if code == 0 {
			code = fallback
		}
		r, err := rewrite.NewRedirect(target, code, lo, hi, fallback)
		if err != nil {
			c.fail(ing, field.Invalid(at, target, strings.TrimPrefix(err.Error(), "rewrite: ")))
			return false
		}
		if r.Code != code {
			c.warn(ing, field.NewPath("metadata", "annotations").Key(c.opts.annotation(kind+"-code")).String(),
				fmt.Sprintf("%d is outside %d-%d; using %d, as ingress-nginx does", code, lo, hi, fallback))
		}
		p.route.Redirect = r
		return true
	}
	ok := build("permanent-redirect", p.permanentRedirect, p.permanentRedirectCode, 300, 308, 301)
	// temporal-redirect wins over permanent-redirect, as in ingress-nginx.
	return build("temporal-redirect", p.temporalRedirect, p.temporalRedirectCode, 300, 307, 302) && ok
}

// snippetRefusal explains why raw nginx configuration is refused and what
// covers the usual need.
func snippetRefusal(name string) string {
	const why = "raw nginx configuration is never executed by ingressmux (snippet annotations are how ingress-nginx's worst CVEs were exploited)"
	switch name {
	case "configuration-snippet", "server-snippet", "location-snippet":
		return why + "; for headers use custom-headers or the Go API's typed header options, for redirects permanent-redirect or rewrite-target"
	case "auth-snippet":
		return why + "; use auth-url with auth-response-headers"
	case "stream-snippet":
		return why + "; TCP/UDP proxying is not supported"
	}
	return why
}

// parseSize reads an nginx size: a number of bytes with an optional k, m
// or g suffix (either case). Every Ingress of many clusters sets one, so
// it is read by hand rather than with a regular expression.
func parseSize(v string) (int64, error) {
	digits, shift := v, uint(0)
	if v != "" {
		switch v[len(v)-1] {
		case 'k', 'K':
			digits, shift = v[:len(v)-1], 10
		case 'm', 'M':
			digits, shift = v[:len(v)-1], 20
		case 'g', 'G':
			digits, shift = v[:len(v)-1], 30
		}
	}
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("must be a size in bytes with an optional k, m or g suffix, such as 1m or 512k; 0 means no limit")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size out of range")
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("size out of range")
	}
	return n << shift, nil
}

// timeoutInto parses ingress-nginx's timeouts: whole seconds, optionally
// with an "s" suffix.
func timeoutInto(field func(*policy) *time.Duration) func(*policy, string) error {
	return func(p *policy, v string) error {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "s"))
		if err != nil || n <= 0 || n > 86400*365 {
			return fmt.Errorf("must be a whole number of seconds greater than 0, such as 60")
		}
		*field(p) = time.Duration(n) * time.Second
		return nil
	}
}

// boolInto parses booleans as ingress-nginx does (strconv.ParseBool).
func boolInto(field func(*policy) *bool) func(*policy, string) error {
	return func(p *policy, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be a boolean: true or false")
		}
		*field(p) = b
		return nil
	}
}

// intInto parses a whole number.
func intInto(field func(*policy) *int) func(*policy, string) error {
	return func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("must be a whole number")
		}
		*field(p) = n
		return nil
	}
}

// onOffInto parses nginx's on/off switches.
func onOffInto(field func(*policy) *bool) func(*policy, string) error {
	return func(p *policy, v string) error {
		switch strings.ToLower(v) {
		case "on":
			*field(p) = true
		case "off":
			*field(p) = false
		default:
			return fmt.Errorf(`must be "on" or "off"`)
		}
		return nil
	}
}

// offInto parses an nginx on/off switch into a field that is true for
// "off".
func offInto(field func(*policy) *bool) func(*policy, string) error {
	on := onOffInto(func(p *policy) *bool { return field(p) })
	return func(p *policy, v string) error {
		if err := on(p, v); err != nil {
			return err
		}
		*field(p) = !*field(p)
		return nil
	}
}
