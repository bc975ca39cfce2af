package ingress

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
)

// The syntax of list items, as ingress-nginx's validators have it.
var (
	corsMethod  = regexp.MustCompile(`^[A-Za-z]+$`)
	corsHeader  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	corsExpose  = regexp.MustCompile(`^([A-Za-z0-9_-]+|\*)$`)
	headerName  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$") // an RFC 9110 token
	corsOrigin  = regexp.MustCompile(`(?i)^(null|[a-z][a-z0-9+.-]*://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[1-9][0-9]{0,4})?)$`)
	queryParam  = regexp.MustCompile(`^[A-Za-z0-9_.~-]+$`)
	nginxTime   = regexp.MustCompile(`([0-9]+)(ms|s|m|h|d|w|M|y)?`)
	templateVar = regexp.MustCompile(`\$(\{[^}]*\}?|[A-Za-z0-9_]*)`)
)

func boolTo(field func(*trafficRaw) *bool) func(*trafficRaw, string) error {
	return func(t *trafficRaw, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be a boolean: true or false")
		}
		*field(t) = b
		return nil
	}
}

// countTo parses a whole number of at least min.
func countTo(min int, unit string, field func(*trafficRaw) *int) func(*trafficRaw, string) error {
	return func(t *trafficRaw, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("must be a whole number of %s, %d or more", unit, min)
		}
		*field(t) = n
		return nil
	}
}

// listTo parses a comma-separated list whose items match item.
func listTo(item *regexp.Regexp, what string, set func(t *trafficRaw, v string, items []string)) func(*trafficRaw, string) error {
	return func(t *trafficRaw, v string) error {
		var items []string
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if !item.MatchString(f) {
				return fmt.Errorf("must be %s", what)
			}
			items = append(items, f)
		}
		set(t, v, items)
		return nil
	}
}

func prefixesTo(field func(*trafficRaw) *[]netip.Prefix) func(*trafficRaw, string) error {
	return func(t *trafficRaw, v string) error {
		ps, err := parsePrefixes(v)
		if err != nil {
			return err
		}
		*field(t) = ps
		return nil
	}
}

// parsePrefixes reads a comma-separated list of CIDRs and bare addresses,
// IPv4 or IPv6, as nginx's allow and deny take them. Empty items (a
// trailing comma) are skipped; host bits are cleared (10.1.2.3/8 is
// 10.0.0.0/8).
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(f, "/") {
			p, err = netip.ParsePrefix(f)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(f); err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR: want a comma-separated list such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32", f)
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lists no address: want a comma-separated list such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32")
	}
	return out, nil
}

// parseOrigins reads cors-allow-origin. As in ingress-nginx, "*" anywhere
// allows any origin.
func parseOrigins(t *trafficRaw, v string) error {
	var origins []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "*" {
			origins = []string{"*"}
			break
		}
		if !corsOrigin.MatchString(o) || !portInRange(o) {
			return fmt.Errorf("%q is not an origin: want a comma-separated list of scheme://host[:port], such as https://app.example.com, wildcards such as https://*.example.com, or *", o)
		}
		origins = append(origins, o)
	}
	t.cors.AllowOrigins = origins
	return nil
}

// portInRange reports whether the port of origin o, if any, is 1-65535.
func portInRange(o string) bool {
	_, hostPort, _ := strings.Cut(o, "://")
	if _, port, ok := strings.Cut(hostPort, ":"); ok {
		n, err := strconv.Atoi(port)
		return err == nil && n <= 65535
	}
	return true
}

func parseAuthType(t *trafficRaw, v string) error {
	switch v {
	case "basic":
		t.authType = v
		return nil
	case "digest":
		return fmt.Errorf(`digest authentication is not supported (its MD5 challenge adds nothing over basic over HTTPS); use "basic", or auth-url`)
	}
	return fmt.Errorf(`supported values: "basic"`)
}

func parseAuthURL(t *trafficRaw, v string) error {
	if err := proxy.CheckAuthURL(v); err != nil {
		return err
	}
	t.ext.URL = v
	return nil
}

// authMethods are the methods auth-method accepts, ingress-nginx's list.
var authMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}

func parseAuthMethod(t *trafficRaw, v string) error {
	if !slices.Contains(authMethods, v) {
		return fmt.Errorf("supported values: %s", strings.Join(authMethods, ", "))
	}
	t.ext.Method = v
	return nil
}

func parseSignIn(t *trafficRaw, v string) error {
	if err := checkTemplate(v); err != nil {
		return err
	}
	if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "/") &&
		!strings.HasPrefix(v, "$scheme://") && !strings.HasPrefix(v, "${scheme}://") {
		return fmt.Errorf("must be an http(s) URL or an absolute path, such as https://$host/oauth2/start")
	}
	t.ext.SignIn = v
	return nil
}

func parseRedirectParam(t *trafficRaw, v string) error {
	if !queryParam.MatchString(v) {
		return fmt.Errorf("must be a query parameter name of letters, digits and -._~, such as rd")
	}
	t.ext.SignInRedirectParam = v
	return nil
}

func templateTo(field func(*trafficRaw) *string) func(*trafficRaw, string) error {
	return func(t *trafficRaw, v string) error {
		if err := checkTemplate(v); err != nil {
			return err
		}
		*field(t) = v
		return nil
	}
}

// templateVars are the nginx variables that auth-signin,
// auth-request-redirect and auth-cache-key may use (the proxy package's
// TemplateVariables), with the prefixes of the header, cookie and query
// parameter variables.
var (
	templateVars     = []string{"scheme", "host", "http_host", "request_uri", "escaped_request_uri", "uri", "args", "query_string", "request_method", "remote_addr", "remote_user"}
	templatePrefixes = []string{"http_", "cookie_", "arg_"}
)

// checkTemplate tells whether the nginx variables of v are known, and v
// has no control characters.
func checkTemplate(v string) error {
	if strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return fmt.Errorf("spaces and control characters are not allowed")
	}
	for _, m := range templateVar.FindAllStringSubmatch(v, -1) {
		name := m[1]
		if strings.HasPrefix(name, "{") {
			if !strings.HasSuffix(name, "}") {
				return fmt.Errorf("unterminated ${")
			}
			name = name[1 : len(name)-1]
		}
		name = strings.ToLower(name)
		known := slices.Contains(templateVars, name)
		for _, p := range templatePrefixes {
			known = known || strings.HasPrefix(name, p) && len(name) > len(p)
		}
		if !known {
			return fmt.Errorf("unknown variable $%s; known: $%s, and $http_NAME, $cookie_NAME, $arg_NAME", name, strings.Join(templateVars, ", $"))
		}
	}
	return nil
}

// parseCacheDuration reads auth-cache-duration: comma-separated entries
// of nginx's proxy_cache_valid, "[status ...] time", such as
// "200 202 10m, 401 1m" or "any 5m".
func parseCacheDuration(t *trafficRaw, v string) error {
	const want = `must be comma-separated entries of status codes (or "any") and an nginx time, such as "200 202 401 5m" or "200 10m, 401 30s"`
	var rules []proxy.AuthCacheRule
	for _, entry := range strings.Split(v, ",") {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			return fmt.Errorf("%s", want)
		}
		d, ok := parseNginxTime(fields[len(fields)-1])
		if !ok || d <= 0 {
			return fmt.Errorf("%q is not a time: %s", fields[len(fields)-1], want)
		}
		r := proxy.AuthCacheRule{For: d}
		for _, f := range fields[:len(fields)-1] {
			if f == "any" {
				r.AnyStatus = true
				continue
			}
			n, err := strconv.Atoi(f)
			if err != nil || n < 100 || n > 599 {
				return fmt.Errorf("%q is not a status code: %s", f, want)
			}
			r.Statuses = append(r.Statuses, n)
		}
		rules = append(rules, r)
	}
	t.ext.CacheFor = rules
	return nil
}

// parseNginxTime reads an nginx time such as "5m", "1h30m", "500ms" or
// "30" (seconds).
func parseNginxTime(s string) (time.Duration, bool) {
	units := map[string]time.Duration{"ms": time.Millisecond, "": time.Second, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}
	var total time.Duration
	matched := 0
	for _, m := range nginxTime.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(100*365*24*time.Hour/units[m[2]]) {
			return 0, false
		}
		total += time.Duration(n) * units[m[2]]
		matched += len(m[0])
	}
	return total, matched == len(s) && s != ""
}
