package ingress

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	htpasswd "github.com/tg123/go-htpasswd"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
)

// CORS defaults of ingress-nginx.
const (
	defaultCORSMethods = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
	defaultCORSHeaders = "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
	defaultCORSMaxAge  = 1728000
)

// finishTraffic completes p.Traffic once every annotation of ing is read:
// settings that combine several annotations, or need other objects of the
// Set (Secrets, ConfigMaps). Annotations that only matter with another
// one, given without it, are warned about. It reports false after
// recording errors.
func (c *compiler) finishTraffic(ing Ingress, p *policy) bool {
	t := &p.Traffic
	raw := p.trafficRaw
	p.trafficRaw = trafficRaw{}
	if len(raw.given) == 0 {
		return true
	}
	key := func(name string) *field.Path {
		return field.NewPath("metadata", "annotations").Key(c.opts.annotation(name))
	}
	ignored := func(names []string, why string) {
		for _, name := range names {
			if _, ok := raw.given[name]; ok {
				c.warn(ing, key(name).String(), "ignored: "+why)
			}
		}
	}
	ok := true

	if raw.corsOn {
		cors := proxy.CORS{AllowOrigins: []string{"*"}, AllowMethods: defaultCORSMethods, AllowHeaders: defaultCORSHeaders,
			AllowCredentials: true, MaxAge: defaultCORSMaxAge * time.Second}
		if raw.cors.AllowOrigins != nil {
			cors.AllowOrigins = raw.cors.AllowOrigins
		}
		for _, f := range []struct {
			name string
			dst  *string
			v    string
		}{{"cors-allow-methods", &cors.AllowMethods, raw.cors.AllowMethods}, {"cors-allow-headers", &cors.AllowHeaders, raw.cors.AllowHeaders}, {"cors-expose-headers", &cors.ExposeHeaders, raw.cors.ExposeHeaders}} {
			if _, given := raw.given[f.name]; given {
				*f.dst = f.v
			}
		}
		if _, given := raw.given["cors-allow-credentials"]; given {
			cors.AllowCredentials = raw.cors.AllowCredentials
			if cors.AllowCredentials && cors.AllowOrigins[0] == "*" {
				c.warn(ing, key("cors-allow-credentials").String(), `browsers refuse credentialed requests when Access-Control-Allow-Origin is "*": list the origins in cors-allow-origin`)
			}
		}
		if _, given := raw.given["cors-max-age"]; given {
			cors.MaxAge = time.Duration(raw.corsMaxAge) * time.Second
			if raw.corsMaxAge == 0 {
				cors.MaxAge = -1 // "0" is sent as it is; zero would mean the default
			}
		}
		t.CORS = &cors
	} else {
		ignored([]string{"cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age"},
			`enable-cors is not "true"`)
	}

	// allowlist-source-range wins over its older name, as in ingress-nginx.
	t.AllowSources = raw.allow
	if raw.allow == nil {
		t.AllowSources = raw.white
	} else {
		ignored([]string{"whitelist-source-range"}, "allowlist-source-range is set too, and wins")
	}
	t.DenySources = raw.deny

	if l := raw.limit; l.RPS > 0 || l.RPM > 0 || l.Connections > 0 {
		if l.BurstMultiplier == 0 {
			l.BurstMultiplier = 5
		}
		l.Exempt = raw.limitAllow
		if raw.limitAllow == nil {
			l.Exempt = raw.limitWhite
		} else {
			ignored([]string{"limit-whitelist"}, "limit-allowlist is set too, and wins")
		}
		t.RateLimit = &l
	} else {
		ignored([]string{"limit-burst-multiplier", "limit-allowlist", "limit-whitelist"}, "no limit-rps, limit-rpm or limit-connections is set")
	}

	if raw.authType == "basic" {
		b, ref, err := c.basicAuth(ing, raw)
		switch {
		case raw.authSecret == "":
			c.fail(ing, field.Required(key("auth-secret"), `auth-type "basic" needs the Secret of its users`))
			ok = false
		case c.denyUntilLoaded(ing, p, "auth-secret", err):
		case err != nil:
			c.fail(ing, field.Invalid(key("auth-secret"), raw.authSecret, err.Error()))
			ok = false
		default:
			t.BasicAuth, p.authSecret = b, ref
		}
	} else {
		ignored([]string{"auth-secret", "auth-secret-type", "auth-realm"}, `auth-type is not "basic"`)
	}

	if raw.ext.URL != "" && proxy.AuthURLUsesHost(raw.ext.URL) && hasHostlessRule(ing) {
		c.fail(ing, field.Invalid(key("auth-url"), raw.ext.URL, "$host is the host the request matched, but this Ingress has a rule (or a defaultBackend) for any host, "+
			"so a client could choose it and so where it is authenticated: give every rule a host, or name the auth service"))
		ok = false
	} else if raw.ext.URL != "" {
		ext := raw.ext
		if ext.CacheKey == "" {
			ext.CacheFor = nil
			ignored([]string{"auth-cache-duration"}, "auth-cache-key is not set, so nothing is cached")
		} else if ext.CacheFor == nil {
			ext.CacheFor = []proxy.AuthCacheRule{{Statuses: []int{200, 202, 401}, For: 5 * time.Minute}}
		}
		t.ExternalAuth = &ext
	} else if _, given := raw.given["auth-url"]; !given {
		// When auth-url is given but refused, its error says it all.
		ignored([]string{"auth-method", "auth-signin", "auth-signin-redirect-param", "auth-response-headers", "auth-request-redirect",
			"auth-always-set-cookie", "auth-cache-key", "auth-cache-duration"}, "auth-url is not set")
	}

	if ref := raw.customHeaders; ref != "" {
		h, err := c.customHeaders(ing, ref)
		if c.denyUntilLoaded(ing, p, "custom-headers", err) {
			// denied until the ConfigMap is loaded
		} else if err != nil {
			c.fail(ing, field.Invalid(key("custom-headers"), ref, err.Error()))
			ok = false
		} else {
			t.ResponseHeaders.Set = h
		}
	}
	return ok
}

// basicAuth reads the users of the auth-secret of ing, and returns them
// with the Secret's "namespace/name".
func (c *compiler) basicAuth(ing Ingress, raw trafficRaw) (*proxy.BasicAuth, string, error) {
	if raw.authSecret == "" {
		return nil, "", nil
	}
	secret, ref, err := c.secret(ing, raw.authSecret)
	if err != nil {
		return nil, "", err
	}
	data := secret.Data
	users := map[string]string{}
	switch raw.authSecretType {
	case "", "auth-file":
		file, ok := data["auth"]
		if !ok {
			return nil, "", fmt.Errorf(`secret %s has no key "auth" (auth-secret-type "auth-file" wants htpasswd lines there; for one key per user set auth-secret-type: auth-map)`, ref)
		}
		if err := readHtpasswd(file, users); err != nil {
			return nil, "", fmt.Errorf("secret %s, key \"auth\": %w", ref, err)
		}
	case "auth-map":
		for _, user := range slices.Sorted(maps.Keys(data)) {
			hash := strings.TrimSpace(string(data[user]))
			if err := checkPasswordHash(hash); err != nil {
				return nil, "", fmt.Errorf("secret %s, user %q: %w", ref, user, err)
			}
			users[user] = hash
		}
	}
	if len(users) == 0 {
		return nil, "", fmt.Errorf("secret %s lists no user", ref)
	}
	return &proxy.BasicAuth{Realm: raw.authRealm, Users: users}, ref, nil
}

// readHtpasswd reads htpasswd lines ("user:hash") into users. Blank lines
// and lines starting with "#" are skipped; the first line of a user wins,
// as in nginx, which reads the file top down.
func readHtpasswd(file []byte, users map[string]string) error {
	sc := bufio.NewScanner(bytes.NewReader(file))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return fmt.Errorf("line %d: want user:hash, as htpasswd writes", n)
		}
		if err := checkPasswordHash(hash); err != nil {
			return fmt.Errorf("line %d (user %q): %w", n, user, err)
		}
		if _, dup := users[user]; !dup {
			users[user] = hash
		}
	}
	return sc.Err()
}

// checkPasswordHash tells whether the proxy can check passwords against
// hash. Errors never quote the hash.
func checkPasswordHash(hash string) error {
	if strings.HasPrefix(hash, "{PLAIN}") {
		return nil
	}
	for _, parse := range []htpasswd.PasswdParser{htpasswd.AcceptBcrypt, htpasswd.AcceptMd5, htpasswd.AcceptCryptSha, htpasswd.AcceptSha, htpasswd.AcceptSsha} {
		m, err := parse(hash)
		if err != nil {
			return fmt.Errorf("malformed password hash")
		}
		if m != nil {
			return nil
		}
	}
	return fmt.Errorf("unsupported password hash: want bcrypt ($2y$...), Apache MD5 ($apr1$...), MD5-crypt ($1$...), SHA-crypt ($5$..., $6$...), {SHA}, {SSHA} or {PLAIN}; traditional DES crypt is not supported (regenerate with htpasswd -B)")
}

// customHeaders reads the custom-headers ConfigMap of ing: its data are
// response headers.
func (c *compiler) customHeaders(ing Ingress, ref string) (map[string]string, error) {
	cm, key, err := c.configMap(ing, ref)
	if err != nil {
		return nil, err
	}
	data := cm.Data
	if len(data) == 0 {
		return nil, fmt.Errorf("configmap %s has no data: its keys are the header names, its values the header values", key)
	}
	headers := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(data)) {
		v := data[k]
		switch {
		case !headerName.MatchString(k):
			return nil, fmt.Errorf("configmap %s: key %q is not a header name", key, k)
		case slices.Contains(framingHeaders, http.CanonicalHeaderKey(k)):
			return nil, fmt.Errorf("configmap %s: header %q cannot be set: it frames the message, which the proxy does", key, k)
		case strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0:
			return nil, fmt.Errorf("configmap %s: header %q: control characters such as CR and LF are not allowed in values", key, k)
		}
		headers[http.CanonicalHeaderKey(k)] = v
	}
	return headers, nil
}

// framingHeaders describe the message or the connection rather than the
// content; the proxy refuses to set them (see proxy.HeaderRules).
var framingHeaders = []string{"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// hasHostlessRule reports whether ing routes requests of any host: a rule
// without a host, or a defaultBackend without rules.
func hasHostlessRule(ing Ingress) bool {
	if len(ing.Spec.Rules) == 0 {
		return ing.Spec.DefaultBackend != nil
	}
	for _, r := range ing.Spec.Rules {
		if r.Host == "" {
			return true
		}
	}
	return false
}
