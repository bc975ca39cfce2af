package ingress

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// TrafficPolicy is what the traffic-policy annotations of one Ingress ask
// of its routes: CORS, client IP lists, rate limits, basic and external
// authentication, custom response headers. A nil part is not asked for.
type TrafficPolicy struct {
	// CORS is enable-cors with the cors-* annotations, defaults filled.
	CORS *CORSPolicy
	// AllowSources is allowlist-source-range (or its older name
	// whitelist-source-range): the only client addresses allowed.
	AllowSources []netip.Prefix
	// DenySources is denylist-source-range.
	DenySources []netip.Prefix
	// RateLimit is limit-rps, limit-rpm and limit-connections with
	// limit-burst-multiplier and limit-allowlist; nil when no limit is set.
	RateLimit *RateLimitPolicy
	// BasicAuth is auth-type: basic with its Secret read.
	BasicAuth *BasicAuthPolicy
	// ExternalAuth is auth-url and the annotations that go with it.
	ExternalAuth *ExternalAuthPolicy
	// ResponseHeaders are the headers of the custom-headers ConfigMap,
	// set on every response.
	ResponseHeaders map[string]string
	// Denied, when not empty, says why every request of the route is
	// refused with 503: an object that an annotation needs (the auth-secret
	// Secret, the custom-headers ConfigMap, the proxy-ssl-secret Secret) is
	// not loaded or is in another namespace, or an annotation asks for what
	// ingressmux cannot do (client certificate authentication, FastCGI).
	// ingress-nginx denies such locations the same way; serving them
	// without the check would open what the author closed.
	Denied string

	raw trafficRaw // annotation values, combined by finishTraffic
}

// CORSPolicy is enable-cors and the cors-* annotations.
type CORSPolicy struct {
	// AllowOrigins is cors-allow-origin split at commas: origins,
	// "https://*.example.com" wildcards, or ["*"] (the default).
	AllowOrigins []string
	// AllowMethods, AllowHeaders and ExposeHeaders are cors-allow-methods,
	// cors-allow-headers and cors-expose-headers as written.
	AllowMethods, AllowHeaders, ExposeHeaders string
	// AllowCredentials is cors-allow-credentials (default true).
	AllowCredentials bool
	// MaxAge is cors-max-age in seconds (default 1728000).
	MaxAge int
}

// RateLimitPolicy is limit-rps, limit-rpm, limit-connections,
// limit-burst-multiplier and limit-allowlist.
type RateLimitPolicy struct {
	// RPS, RPM and Connections are the limits; zero is no limit.
	RPS, RPM, Connections int
	// BurstMultiplier is limit-burst-multiplier (default 5).
	BurstMultiplier int
	// Exempt is limit-allowlist (or limit-whitelist).
	Exempt []netip.Prefix
}

// BasicAuthPolicy is auth-type: basic with auth-secret, auth-secret-type
// and auth-realm.
type BasicAuthPolicy struct {
	// Realm is auth-realm.
	Realm string
	// Secret is auth-secret as "namespace/name".
	Secret string
	// Users maps user names to password hashes, read from the Secret.
	Users map[string]string
}

// ExternalAuthPolicy is auth-url and the auth-* annotations that go with
// it. The fields are the annotations' values; SignIn, RequestRedirect and
// CacheKey may hold nginx variables (see proxy.TemplateVariables).
type ExternalAuthPolicy struct {
	URL                 string   // auth-url
	Method              string   // auth-method; empty means GET
	SignIn              string   // auth-signin
	SignInRedirectParam string   // auth-signin-redirect-param; empty means "rd"
	ResponseHeaders     []string // auth-response-headers
	RequestRedirect     string   // auth-request-redirect
	AlwaysSetCookie     bool     // auth-always-set-cookie
	CacheKey            string   // auth-cache-key
	// CacheFor is auth-cache-duration; set only with CacheKey, default
	// "200 202 401 5m".
	CacheFor []AuthCachePolicy
}

// AuthCachePolicy is one entry of auth-cache-duration: statuses and a time,
// as nginx's proxy_cache_valid.
type AuthCachePolicy struct {
	// Statuses are the statuses cached; empty means 200, 301 and 302.
	Statuses []int
	// AnyStatus is "any".
	AnyStatus bool
	// For is how long.
	For time.Duration
}

// trafficRaw holds the annotation values until every annotation is read.
type trafficRaw struct {
	given          map[string]string // traffic annotations present, by name
	cors           CORSPolicy
	corsOn         bool
	allow, white   []netip.Prefix // allowlist- and whitelist-source-range
	deny           []netip.Prefix
	limit          RateLimitPolicy
	limitAllow     []netip.Prefix // limit-allowlist
	limitWhite     []netip.Prefix // limit-whitelist
	authType       string
	authSecret     string
	authSecretType string
	authRealm      string
	ext            ExternalAuthPolicy
	customHeaders  string
}

// trafficAnnotations lists the supported traffic-policy annotations by
// name (without prefix); parsePolicy consults it after annotations.
var trafficAnnotations = trafficRegistry(map[string]func(*trafficRaw, string) error{
	"enable-cors":       boolTo(func(t *trafficRaw) *bool { return &t.corsOn }),
	"cors-allow-origin": parseOrigins,
	"cors-allow-methods": listTo(corsMethod, "a comma-separated list of methods, such as GET, PUT, POST",
		func(t *trafficRaw, v string, _ []string) { t.cors.AllowMethods = v }),
	"cors-allow-headers": listTo(corsHeader, "a comma-separated list of header names, such as X-Forwarded-For, Content-Type",
		func(t *trafficRaw, v string, _ []string) { t.cors.AllowHeaders = v }),
	"cors-expose-headers": listTo(corsExpose, `a comma-separated list of header names or "*", such as X-Custom, X-Other`,
		func(t *trafficRaw, v string, _ []string) { t.cors.ExposeHeaders = v }),
	"cors-allow-credentials": boolTo(func(t *trafficRaw) *bool { return &t.cors.AllowCredentials }),
	"cors-max-age":           countTo(0, "seconds", func(t *trafficRaw) *int { return &t.cors.MaxAge }),
	"allowlist-source-range": prefixesTo(func(t *trafficRaw) *[]netip.Prefix { return &t.allow }),
	"whitelist-source-range": prefixesTo(func(t *trafficRaw) *[]netip.Prefix { return &t.white }),
	"denylist-source-range":  prefixesTo(func(t *trafficRaw) *[]netip.Prefix { return &t.deny }),
	"limit-rps":              countTo(0, "requests per second", func(t *trafficRaw) *int { return &t.limit.RPS }),
	"limit-rpm":              countTo(0, "requests per minute", func(t *trafficRaw) *int { return &t.limit.RPM }),
	"limit-connections":      countTo(0, "connections", func(t *trafficRaw) *int { return &t.limit.Connections }),
	"limit-burst-multiplier": countTo(1, "multiplier", func(t *trafficRaw) *int { return &t.limit.BurstMultiplier }),
	"limit-allowlist":        prefixesTo(func(t *trafficRaw) *[]netip.Prefix { return &t.limitAllow }),
	"limit-whitelist":        prefixesTo(func(t *trafficRaw) *[]netip.Prefix { return &t.limitWhite }),
	"auth-type":              parseAuthType,
	"auth-secret": func(t *trafficRaw, v string) error {
		if !secretRef.MatchString(v) {
			return fmt.Errorf("must name a Secret as name (in the Ingress's namespace) or namespace/name")
		}
		t.authSecret = v
		return nil
	},
	"auth-secret-type": func(t *trafficRaw, v string) error {
		if v != "auth-file" && v != "auth-map" {
			return fmt.Errorf(`supported values: "auth-file" (htpasswd lines in key "auth"), "auth-map" (one key per user)`)
		}
		t.authSecretType = v
		return nil
	},
	"auth-realm": func(t *trafficRaw, v string) error {
		if strings.ContainsAny(v, "\"\\") || strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return fmt.Errorf("double quotes, backslashes and control characters are not allowed")
		}
		t.authRealm = v
		return nil
	},
	"auth-url":                   parseAuthURL,
	"auth-method":                parseAuthMethod,
	"auth-signin":                parseSignIn,
	"auth-signin-redirect-param": parseRedirectParam,
	"auth-response-headers": listTo(headerName, "a comma-separated list of header names, such as X-Auth-Request-User, X-Auth-Request-Email",
		func(t *trafficRaw, _ string, items []string) { t.ext.ResponseHeaders = items }),
	"auth-request-redirect":  templateTo(func(t *trafficRaw) *string { return &t.ext.RequestRedirect }),
	"auth-always-set-cookie": boolTo(func(t *trafficRaw) *bool { return &t.ext.AlwaysSetCookie }),
	"auth-cache-key":         templateTo(func(t *trafficRaw) *string { return &t.ext.CacheKey }),
	"auth-cache-duration":    parseCacheDuration,
	"custom-headers": func(t *trafficRaw, v string) error {
		if !secretRef.MatchString(v) {
			return fmt.Errorf("must name a ConfigMap as name (in the Ingress's namespace) or namespace/name")
		}
		t.customHeaders = v
		return nil
	},
})

// trafficRegistry wraps each parser so that it also records that its
// annotation was given, for the warnings of finishTraffic.
func trafficRegistry(parsers map[string]func(*trafficRaw, string) error) map[string]annotation {
	out := make(map[string]annotation, len(parsers))
	for name, parse := range parsers {
		out[name] = annotation{func(p *Policy, v string) error {
			raw := &p.Traffic.raw
			if raw.given == nil {
				raw.given = map[string]string{}
			}
			raw.given[name] = v
			return parse(raw, v)
		}}
	}
	return out
}
