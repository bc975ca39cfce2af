package ingress

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ingressmux/ingressmux/proxy"
)

// The traffic-policy annotations of an Ingress (CORS, client IP lists,
// rate limits, basic and external authentication, custom response
// headers) are read into trafficRaw, then finishTraffic combines them into
// the Ingress's proxy.Traffic, with ingress-nginx's defaults filled in.

// trafficRaw holds the annotation values until every annotation is read.
type trafficRaw struct {
	given          map[string]string // traffic annotations present, by name
	cors           proxy.CORS
	corsMaxAge     int // cors-max-age in seconds
	corsOn         bool
	allow, white   []netip.Prefix // allowlist- and whitelist-source-range
	deny           []netip.Prefix
	limit          proxy.RateLimit
	limitAllow     []netip.Prefix // limit-allowlist
	limitWhite     []netip.Prefix // limit-whitelist
	authType       string
	authSecret     string
	authSecretType string
	authRealm      string
	ext            proxy.ExternalAuth
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
	"cors-max-age":           countTo(0, "seconds", func(t *trafficRaw) *int { return &t.corsMaxAge }),
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
		out[name] = annotation{func(p *policy, v string) error {
			raw := &p.trafficRaw
			if raw.given == nil {
				raw.given = map[string]string{}
			}
			raw.given[name] = v
			return parse(raw, v)
		}}
	}
	return out
}
