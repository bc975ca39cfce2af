package ingress

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// trafficObjects are the Secrets and ConfigMaps the traffic tests refer to.
const trafficObjects = `
---
apiVersion: v1
kind: Secret
metadata: {name: basic-auth}
stringData:
  auth: |
    # made with htpasswd
    foo:{SHA}Ve5eGGYsQYLuc0uIwhM0Ut5EIfM=
    bar:$apr1$xyzsalt$46mF7obnb9sH9blgrPZAj0

    foo:{PLAIN}shadowed
---
apiVersion: v1
kind: Secret
metadata: {name: basic-map}
stringData:
  ann: "{PLAIN}s3cret"
  bob: $1$abc$dPsF0HDVjaO430ypNfqhr.
---
apiVersion: v1
kind: Secret
metadata: {name: no-auth-key}
stringData: {users: "foo:{PLAIN}x"}
---
apiVersion: v1
kind: Secret
metadata: {name: des}
stringData: {auth: "foo:abJnggxhB/yWI"}
---
apiVersion: v1
kind: Secret
metadata: {name: elsewhere, namespace: other}
stringData: {auth: "foo:{PLAIN}x"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: security-headers}
data:
  X-Frame-Options: DENY
  x-content-type-options: nosniff
---
apiVersion: v1
kind: ConfigMap
metadata: {name: framing}
data: {Content-Length: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: multiline}
data:
  X-Note: |
    two
    lines
`

// compileTraffic compiles one Ingress with the annotations (names without
// prefix) next to trafficObjects, and returns its traffic policy, the
// errors and the warnings.
func compileTraffic(t *testing.T, annotations map[string]string) (TrafficPolicy, ErrorList, []Warning) {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n")
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		b.WriteString("    " + nginx + k + ": " + quoteYAML(annotations[k]) + "\n")
	}
	b.WriteString("spec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n")
	b.WriteString(trafficObjects)
	set, err := DecodeBytes("a.yaml", []byte(b.String()))
	require.NoError(t, err)
	require.NoError(t, set.Validate())
	compiled, err := Compile(set, Options{Backends: map[string]string{"default/web:80": "127.0.0.1:8080"}})
	if err != nil {
		var list ErrorList
		require.ErrorAs(t, err, &list)
		return TrafficPolicy{}, list, compiled.Warnings
	}
	rules := compiled.Table.Rules()
	require.Len(t, rules, 1)
	return compiledOf(compiled, rules[0]).Policy.Traffic, nil, compiled.Warnings
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestTrafficAnnotationValues(t *testing.T) {
	defCORS := func(edit func(c *CORSPolicy)) *CORSPolicy {
		c := &CORSPolicy{AllowOrigins: []string{"*"}, AllowMethods: defaultCORSMethods, AllowHeaders: defaultCORSHeaders, AllowCredentials: true, MaxAge: 1728000}
		if edit != nil {
			edit(c)
		}
		return c
	}
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		want        TrafficPolicy
	}{
		{"none", nil, TrafficPolicy{}},
		{"enable-cors defaults", map[string]string{"enable-cors": "true"}, TrafficPolicy{CORS: defCORS(nil)}},
		{"enable-cors false", map[string]string{"enable-cors": "false"}, TrafficPolicy{}},
		{"cors everything", map[string]string{
			"enable-cors":            "true",
			"cors-allow-origin":      "https://app.example.com, https://*.example.org:8443,null",
			"cors-allow-methods":     "GET, POST",
			"cors-allow-headers":     "X-Custom,Content-Type",
			"cors-expose-headers":    "X-Total, *",
			"cors-allow-credentials": "false",
			"cors-max-age":           "0",
		}, TrafficPolicy{CORS: &CORSPolicy{AllowOrigins: []string{"https://app.example.com", "https://*.example.org:8443", "null"},
			AllowMethods: "GET, POST", AllowHeaders: "X-Custom,Content-Type", ExposeHeaders: "X-Total, *", MaxAge: 0}}},
		{"star wins in a list", map[string]string{"enable-cors": "true", "cors-allow-origin": "https://a.com, *"}, TrafficPolicy{CORS: defCORS(nil)}},
		{"allowlist", map[string]string{"allowlist-source-range": "10.0.0.0/8, 192.0.2.7,2001:db8::/32,"},
			TrafficPolicy{AllowSources: prefixes("10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32")}},
		{"whitelist, old name", map[string]string{"whitelist-source-range": "10.1.2.3/8"}, TrafficPolicy{AllowSources: prefixes("10.0.0.0/8")}},
		{"allowlist wins", map[string]string{"allowlist-source-range": "10.0.0.0/8", "whitelist-source-range": "192.0.2.0/24"},
			TrafficPolicy{AllowSources: prefixes("10.0.0.0/8")}},
		{"denylist", map[string]string{"denylist-source-range": "::1, 198.51.100.0/24"}, TrafficPolicy{DenySources: prefixes("::1/128", "198.51.100.0/24")}},
		{"limit-rps", map[string]string{"limit-rps": "10"}, TrafficPolicy{RateLimit: &RateLimitPolicy{RPS: 10, BurstMultiplier: 5}}},
		{"all limits", map[string]string{"limit-rps": "10", "limit-rpm": "300", "limit-connections": "4", "limit-burst-multiplier": "1", "limit-allowlist": "10.0.0.0/8"},
			TrafficPolicy{RateLimit: &RateLimitPolicy{RPS: 10, RPM: 300, Connections: 4, BurstMultiplier: 1, Exempt: prefixes("10.0.0.0/8")}}},
		{"limit-whitelist, old name", map[string]string{"limit-connections": "1", "limit-whitelist": "10.0.0.0/8"},
			TrafficPolicy{RateLimit: &RateLimitPolicy{Connections: 1, BurstMultiplier: 5, Exempt: prefixes("10.0.0.0/8")}}},
		{"zero limits are no limits", map[string]string{"limit-rps": "0"}, TrafficPolicy{}},
		{"basic auth-file", map[string]string{"auth-type": "basic", "auth-secret": "basic-auth", "auth-realm": "Authentication Required - foo"},
			TrafficPolicy{BasicAuth: &BasicAuthPolicy{Realm: "Authentication Required - foo", Secret: "default/basic-auth",
				Users: map[string]string{"foo": "{SHA}Ve5eGGYsQYLuc0uIwhM0Ut5EIfM=", "bar": "$apr1$xyzsalt$46mF7obnb9sH9blgrPZAj0"}}}},
		{"basic auth-map, namespace/name", map[string]string{"auth-type": "basic", "auth-secret": "default/basic-map", "auth-secret-type": "auth-map"},
			TrafficPolicy{BasicAuth: &BasicAuthPolicy{Secret: "default/basic-map", Users: map[string]string{"ann": "{PLAIN}s3cret", "bob": "$1$abc$dPsF0HDVjaO430ypNfqhr."}}}},
		{"auth-url", map[string]string{"auth-url": "http://oauth2-proxy.auth.svc/oauth2/auth"},
			TrafficPolicy{ExternalAuth: &ExternalAuthPolicy{URL: "http://oauth2-proxy.auth.svc/oauth2/auth"}}},
		{"auth-url with everything", map[string]string{
			"auth-url":                   "https://auth.example.com/check?x=1",
			"auth-method":                "POST",
			"auth-signin":                "https://$host/oauth2/start?rd=$escaped_request_uri",
			"auth-signin-redirect-param": "redirect_to",
			"auth-response-headers":      "X-Auth-Request-User, X-Auth-Request-Email",
			"auth-request-redirect":      "https://${host}${request_uri}",
			"auth-always-set-cookie":     "true",
			"auth-cache-key":             "$remote_user$http_authorization",
			"auth-cache-duration":        "200 202 10m, 401 30s, any 1h30m",
		}, TrafficPolicy{ExternalAuth: &ExternalAuthPolicy{URL: "https://auth.example.com/check?x=1", Method: "POST",
			SignIn: "https://$host/oauth2/start?rd=$escaped_request_uri", SignInRedirectParam: "redirect_to",
			ResponseHeaders: []string{"X-Auth-Request-User", "X-Auth-Request-Email"}, RequestRedirect: "https://${host}${request_uri}",
			AlwaysSetCookie: true, CacheKey: "$remote_user$http_authorization",
			CacheFor: []AuthCachePolicy{{Statuses: []int{200, 202}, For: 10 * time.Minute}, {Statuses: []int{401}, For: 30 * time.Second}, {AnyStatus: true, For: 90 * time.Minute}}}}},
		{"auth-cache-key default duration", map[string]string{"auth-url": "http://a/", "auth-cache-key": "$cookie__oauth2_proxy"},
			TrafficPolicy{ExternalAuth: &ExternalAuthPolicy{URL: "http://a/", CacheKey: "$cookie__oauth2_proxy",
				CacheFor: []AuthCachePolicy{{Statuses: []int{200, 202, 401}, For: 5 * time.Minute}}}}},
		{"custom-headers", map[string]string{"custom-headers": "default/security-headers"},
			TrafficPolicy{ResponseHeaders: map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, errs, _ := compileTraffic(t, tt.annotations)
			require.Empty(t, errs)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTrafficAnnotationErrors(t *testing.T) {
	const (
		cidrs   = "want a comma-separated list such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32"
		origins = "want a comma-separated list of scheme://host[:port], such as https://app.example.com, wildcards such as https://*.example.com, or *"
	)
	for _, tt := range []struct {
		annotations map[string]string
		key, value  string
		typ         field.ErrorType
		detail      string
	}{
		{map[string]string{"enable-cors": "yes"}, "enable-cors", "yes", field.ErrorTypeInvalid, "must be a boolean: true or false"},
		{map[string]string{"cors-allow-origin": "app.example.com"}, "cors-allow-origin", "app.example.com", field.ErrorTypeInvalid, `"app.example.com" is not an origin: ` + origins},
		{map[string]string{"cors-allow-origin": "https://a.*.example.com"}, "cors-allow-origin", "https://a.*.example.com", field.ErrorTypeInvalid, `"https://a.*.example.com" is not an origin: ` + origins},
		{map[string]string{"cors-allow-origin": "https://a.com:99999"}, "cors-allow-origin", "https://a.com:99999", field.ErrorTypeInvalid, `"https://a.com:99999" is not an origin: ` + origins},
		{map[string]string{"cors-allow-methods": "GET; DROP"}, "cors-allow-methods", "GET; DROP", field.ErrorTypeInvalid, "must be a comma-separated list of methods, such as GET, PUT, POST"},
		{map[string]string{"cors-allow-headers": "X-A,,X-B"}, "cors-allow-headers", "X-A,,X-B", field.ErrorTypeInvalid, "must be a comma-separated list of header names, such as X-Forwarded-For, Content-Type"},
		{map[string]string{"cors-max-age": "-1"}, "cors-max-age", "-1", field.ErrorTypeInvalid, "must be a whole number of seconds, 0 or more"},
		{map[string]string{"whitelist-source-range": "10.0.0.0/33"}, "whitelist-source-range", "10.0.0.0/33", field.ErrorTypeInvalid, `"10.0.0.0/33" is not an IP address or CIDR: ` + cidrs},
		{map[string]string{"denylist-source-range": "example.com"}, "denylist-source-range", "example.com", field.ErrorTypeInvalid, `"example.com" is not an IP address or CIDR: ` + cidrs},
		{map[string]string{"allowlist-source-range": " , "}, "allowlist-source-range", " , ", field.ErrorTypeInvalid, "lists no address: " + cidrs},
		{map[string]string{"limit-rps": "ten"}, "limit-rps", "ten", field.ErrorTypeInvalid, "must be a whole number of requests per second, 0 or more"},
		{map[string]string{"limit-connections": "-2"}, "limit-connections", "-2", field.ErrorTypeInvalid, "must be a whole number of connections, 0 or more"},
		{map[string]string{"limit-burst-multiplier": "0"}, "limit-burst-multiplier", "0", field.ErrorTypeInvalid, "must be a whole number of multiplier, 1 or more"},
		{map[string]string{"auth-type": "digest"}, "auth-type", "digest", field.ErrorTypeInvalid, `digest authentication is not supported (its MD5 challenge adds nothing over basic over HTTPS); use "basic", or auth-url`},
		{map[string]string{"auth-type": "Basic"}, "auth-type", "Basic", field.ErrorTypeInvalid, `supported values: "basic"`},
		{map[string]string{"auth-type": "basic"}, "auth-secret", "", field.ErrorTypeRequired, `auth-type "basic" needs the Secret of its users`},
		{map[string]string{"auth-type": "basic", "auth-secret": "no-auth-key"}, "auth-secret", "no-auth-key", field.ErrorTypeInvalid, `secret default/no-auth-key has no key "auth" (auth-secret-type "auth-file" wants htpasswd lines there; for one key per user set auth-secret-type: auth-map)`},
		{map[string]string{"auth-type": "basic", "auth-secret": "des"}, "auth-secret", "des", field.ErrorTypeInvalid, `secret default/des, key "auth": line 1 (user "foo"): unsupported password hash: want bcrypt ($2y$...), Apache MD5 ($apr1$...), MD5-crypt ($1$...), SHA-crypt ($5$..., $6$...), {SHA}, {SSHA} or {PLAIN}; traditional DES crypt is not supported (regenerate with htpasswd -B)`},
		{map[string]string{"auth-type": "basic", "auth-secret": "basic-auth", "auth-secret-type": "auth-map"}, "auth-secret", "basic-auth", field.ErrorTypeInvalid, `secret default/basic-auth, user "auth": unsupported password hash: want bcrypt ($2y$...), Apache MD5 ($apr1$...), MD5-crypt ($1$...), SHA-crypt ($5$..., $6$...), {SHA}, {SSHA} or {PLAIN}; traditional DES crypt is not supported (regenerate with htpasswd -B)`},
		{map[string]string{"auth-secret-type": "htpasswd"}, "auth-secret-type", "htpasswd", field.ErrorTypeInvalid, `supported values: "auth-file" (htpasswd lines in key "auth"), "auth-map" (one key per user)`},
		{map[string]string{"auth-secret": "Bad_Name"}, "auth-secret", "Bad_Name", field.ErrorTypeInvalid, "must name a Secret as name (in the Ingress's namespace) or namespace/name"},
		{map[string]string{"auth-realm": `say "hi"`}, "auth-realm", `say "hi"`, field.ErrorTypeInvalid, "double quotes, backslashes and control characters are not allowed"},
		{map[string]string{"auth-url": "oauth2-proxy/oauth2/auth"}, "auth-url", "oauth2-proxy/oauth2/auth", field.ErrorTypeInvalid, "want an absolute http or https URL, such as http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth"},
		{map[string]string{"auth-url": "https://$host/oauth2/auth"}, "auth-url", "https://$host/oauth2/auth", field.ErrorTypeInvalid, "$host is the host the request matched, but this Ingress has a rule (or a defaultBackend) for any host, so a client could choose it and so where it is authenticated: give every rule a host, or name the auth service"},
		{map[string]string{"auth-url": "https://$http_host/oauth2/auth", "auth-signin": "https://$host/oauth2/start"}, "auth-url", "https://$http_host/oauth2/auth", field.ErrorTypeInvalid, "the host may be a name or $host (the host the request matched), not \"$http_host\": other variables, $http_host among them (it carries the port the client sent), would let a request choose where it is authenticated"},
		{map[string]string{"auth-url": "https://auth.example.com/$uri"}, "auth-url", "https://auth.example.com/$uri", field.ErrorTypeInvalid, "variables are not allowed in the path \"/$uri\": they would let a request choose which endpoint of the auth service judges it; put them in the query"},
		{map[string]string{"auth-method": "get"}, "auth-method", "get", field.ErrorTypeInvalid, "supported values: GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE"},
		{map[string]string{"auth-signin": "https://$server_name/start"}, "auth-signin", "https://$server_name/start", field.ErrorTypeInvalid, "unknown variable $server_name; known: $scheme, $host, $http_host, $request_uri, $escaped_request_uri, $uri, $args, $query_string, $request_method, $remote_addr, $remote_user, and $http_NAME, $cookie_NAME, $arg_NAME"},
		{map[string]string{"auth-signin": "auth.example.com/start"}, "auth-signin", "auth.example.com/start", field.ErrorTypeInvalid, "must be an http(s) URL or an absolute path, such as https://$host/oauth2/start"},
		{map[string]string{"auth-signin-redirect-param": "r d"}, "auth-signin-redirect-param", "r d", field.ErrorTypeInvalid, "must be a query parameter name of letters, digits and -._~, such as rd"},
		{map[string]string{"auth-response-headers": "X-User, X User"}, "auth-response-headers", "X-User, X User", field.ErrorTypeInvalid, "must be a comma-separated list of header names, such as X-Auth-Request-User, X-Auth-Request-Email"},
		{map[string]string{"auth-cache-key": "${cookie_a"}, "auth-cache-key", "${cookie_a", field.ErrorTypeInvalid, "unterminated ${"},
		{map[string]string{"auth-cache-duration": "200 5 minutes"}, "auth-cache-duration", "200 5 minutes", field.ErrorTypeInvalid, `"minutes" is not a time: must be comma-separated entries of status codes (or "any") and an nginx time, such as "200 202 401 5m" or "200 10m, 401 30s"`},
		{map[string]string{"auth-cache-duration": "20 5m"}, "auth-cache-duration", "20 5m", field.ErrorTypeInvalid, `"20" is not a status code: must be comma-separated entries of status codes (or "any") and an nginx time, such as "200 202 401 5m" or "200 10m, 401 30s"`},
		{map[string]string{"custom-headers": "framing"}, "custom-headers", "framing", field.ErrorTypeInvalid, `configmap default/framing: header "Content-Length" cannot be set: it frames the message, which the proxy does`},
		{map[string]string{"custom-headers": "multiline"}, "custom-headers", "multiline", field.ErrorTypeInvalid, `configmap default/multiline: header "X-Note": control characters such as CR and LF are not allowed in values`},
	} {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, errs, _ := compileTraffic(t, tt.annotations)
			require.Len(t, errs, 1, "errors: %v", errs)
			e := errs[0]
			assert.Equal(t, "ingress default/web", e.Object)
			assert.Equal(t, "metadata.annotations["+nginx+tt.key+"]", e.Field.Field)
			assert.Equal(t, tt.typ, e.Field.Type)
			if tt.typ == field.ErrorTypeInvalid {
				assert.Equal(t, tt.value, e.Field.BadValue)
			}
			assert.Equal(t, tt.detail, e.Field.Detail)
			assert.NotContains(t, e.Error(), "abJnggxhB", "errors must not repeat password hashes")
		})
	}
}

func TestTrafficAnnotationWarnings(t *testing.T) {
	for _, tt := range []struct {
		annotations map[string]string
		want        []string // "key: message"
	}{
		{map[string]string{"cors-allow-origin": "https://a.com", "cors-max-age": "5"}, []string{
			`cors-allow-origin: ignored: enable-cors is not "true"`, `cors-max-age: ignored: enable-cors is not "true"`}},
		{map[string]string{"enable-cors": "true", "cors-allow-credentials": "true"}, []string{
			`cors-allow-credentials: browsers refuse credentialed requests when Access-Control-Allow-Origin is "*": list the origins in cors-allow-origin`}},
		{map[string]string{"allowlist-source-range": "10.0.0.0/8", "whitelist-source-range": "10.0.0.0/8"}, []string{
			"whitelist-source-range: ignored: allowlist-source-range is set too, and wins"}},
		{map[string]string{"limit-burst-multiplier": "2", "limit-allowlist": "10.0.0.0/8"}, []string{
			"limit-allowlist: ignored: no limit-rps, limit-rpm or limit-connections is set",
			"limit-burst-multiplier: ignored: no limit-rps, limit-rpm or limit-connections is set"}},
		{map[string]string{"limit-rps": "1", "limit-allowlist": "10.0.0.0/8", "limit-whitelist": "10.0.0.0/8"}, []string{
			"limit-whitelist: ignored: limit-allowlist is set too, and wins"}},
		{map[string]string{"auth-secret": "basic-auth", "auth-realm": "x"}, []string{
			`auth-realm: ignored: auth-type is not "basic"`, `auth-secret: ignored: auth-type is not "basic"`}},
		{map[string]string{"auth-signin": "https://a.com/", "auth-cache-key": "$remote_user"}, []string{
			"auth-cache-key: ignored: auth-url is not set", "auth-signin: ignored: auth-url is not set"}},
		{map[string]string{"auth-url": "http://a/", "auth-cache-duration": "5m"}, []string{
			"auth-cache-duration: ignored: auth-cache-key is not set, so nothing is cached"}},
		{map[string]string{"auth-keepalive": "10", "global-rate-limit": "5"}, []string{
			"auth-keepalive: not supported by ingressmux; ignored", "global-rate-limit: not supported by ingressmux; ignored"}},
	} {
		t.Run(fmt.Sprint(slices.Sorted(maps.Keys(tt.annotations))), func(t *testing.T) {
			_, errs, warnings := compileTraffic(t, tt.annotations)
			require.Empty(t, errs)
			var got []string
			for _, w := range warnings {
				if strings.HasPrefix(w.Field, "metadata.annotations") {
					got = append(got, strings.TrimSuffix(strings.TrimPrefix(w.Field, "metadata.annotations["+nginx), "]")+": "+w.Message)
				}
			}
			slices.Sort(got)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestTrafficGolden compiles each testdata/traffic/*.yaml and compares the
// traffic policy of every route, and the warnings or errors, with the
// .golden twin.
func TestTrafficGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/traffic/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var b strings.Builder
			_, compiled, err := LoadFiles(nil, []string{file}, Options{Backends: map[string]string{"default/web:80": "127.0.0.1:8080"}})
			if err != nil {
				fmt.Fprintf(&b, "error:\n%v\n", err)
			}
			if compiled != nil && compiled.Table != nil {
				for _, r := range compiled.Table.Rules() {
					rt := compiledOf(compiled, r)
					j, err := json.MarshalIndent(rt.Policy.Traffic, "", "  ")
					require.NoError(t, err)
					fmt.Fprintf(&b, "%s %s %s:\n%s\n", r.Host, r.Path, rt.Name, j)
				}
			}
			if compiled != nil {
				for _, w := range compiled.Warnings {
					fmt.Fprintf(&b, "warning: %s\n", w)
				}
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", b.String())
		})
	}
}
