package ingress

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// compileAnnotated compiles one Ingress with the given annotations and
// returns the policy of its route, the errors and the warnings.
func compileAnnotated(t *testing.T, annotations map[string]string) (policy, ErrorList, []Warning) {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n")
	for k, v := range annotations {
		b.WriteString("    " + k + ": " + quoteYAML(v) + "\n")
	}
	b.WriteString("spec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n")
	set, err := DecodeBytes("a.yaml", []byte(b.String()))
	require.NoError(t, err)
	require.NoError(t, set.Validate())
	compiled, err := Compile(set, Options{Backends: map[string]string{"default/web:80": "127.0.0.1:8080"}})
	var list ErrorList
	if err != nil {
		require.ErrorAs(t, err, &list)
		return policy{}, list, compiled.Warnings
	}
	rules := compiled.Table.Rules()
	require.Len(t, rules, 1)
	return *compiledOf(compiled, rules[0]).policy, nil, compiled.Warnings
}

func quoteYAML(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

const nginx = "nginx.ingress.kubernetes.io/"

func TestAnnotationValues(t *testing.T) {
	defaults := defaultPolicy()
	for _, tt := range []struct {
		name, value string
		want        func(p *policy)
	}{
		{"backend-protocol", "HTTPS", func(p *policy) { p.upstream.Protocol, p.protocolSet = proxy.HTTPS, true }},
		{"backend-protocol", "grpcs", func(p *policy) { p.upstream.Protocol, p.protocolSet = proxy.GRPCS, true }},
		{"upstream-vhost", "project-domain.com", func(p *policy) { p.route.Host = "project-domain.com" }},
		{"upstream-vhost", "project-domain.com:8443", func(p *policy) { p.route.Host = "project-domain.com:8443" }},
		{"proxy-body-size", "20m", func(p *policy) { p.route.MaxBodyBytes = 20 << 20 }},
		{"proxy-body-size", "512K", func(p *policy) { p.route.MaxBodyBytes = 512 << 10 }},
		{"proxy-body-size", "2g", func(p *policy) { p.route.MaxBodyBytes = 2 << 30 }},
		{"proxy-body-size", "100", func(p *policy) { p.route.MaxBodyBytes = 100 }},
		{"proxy-body-size", "0", func(p *policy) { p.route.MaxBodyBytes = -1 }},
		{"proxy-connect-timeout", "10", func(p *policy) { p.upstream.ConnectTimeout = 10 * time.Second }},
		{"proxy-read-timeout", "3600", func(p *policy) { p.route.ReadTimeout = time.Hour }},
		{"proxy-send-timeout", "30s", func(p *policy) { p.route.SendTimeout = 30 * time.Second }},
		{"ssl-redirect", "false", func(p *policy) { p.route.SSLRedirect = false }},
		{"force-ssl-redirect", "true", func(p *policy) { p.route.ForceSSLRedirect = true }},
		{"proxy-ssl-name", "Backend.Example.com", func(p *policy) { p.ProxySSLName = "backend.example.com" }},
		{"proxy-ssl-verify", "off", func(p *policy) { p.upstream.TLS.InsecureSkipVerify = true }},
		{"proxy-ssl-server-name", "off", func(p *policy) { p.upstream.TLS.DisableSNI = true }},
		{"use-regex", "1", func(p *policy) { p.UseRegex = true }},
		{"rewrite-target", "/$2", func(p *policy) { p.RewriteTarget = "/$2" }},
		{"rewrite-target", "/", func(p *policy) { p.RewriteTarget = "/" }},
		{"x-forwarded-prefix", "/api", func(p *policy) { p.route.ForwardedPrefix = "/api" }},
		{"preserve-trailing-slash", "true", func(p *policy) { p.route.PreserveTrailingSlash = true }},
		{"backend-protocol", "auto_http", func(p *policy) { p.upstream.Protocol, p.protocolSet = proxy.AutoHTTP, true }},
		{"service-upstream", "true", func(p *policy) { p.Upstream.ServiceUpstream = true }},
		{"proxy-ssl-verify-depth", "2", func(p *policy) { p.upstream.TLS.VerifyDepth = 2 }},
		{"proxy-ssl-protocols", "TLSv1.2 TLSv1.3", func(p *policy) {
			p.upstream.TLS.MinVersion, p.upstream.TLS.MaxVersion = tls.VersionTLS12, tls.VersionTLS13
		}},
		{"proxy-ssl-protocols", "TLSv1.3", func(p *policy) {
			p.upstream.TLS.MinVersion, p.upstream.TLS.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
		}},
		{"proxy-next-upstream", "error timeout http_502 non_idempotent", func(p *policy) {
			p.route.Retry = proxy.Retry{OnError: true, OnTimeout: true, OnStatus: []int{502}, NonIdempotent: true, Tries: 3}
		}},
		{"proxy-next-upstream", "off", func(p *policy) { p.route.Retry, p.Proxying.retryOff = proxy.Retry{}, true }},
		{"proxy-next-upstream-tries", "0", func(p *policy) { p.route.Retry.Tries = 0 }},
		{"proxy-next-upstream-timeout", "15", func(p *policy) { p.route.Retry.Timeout = 15 * time.Second }},
		{"proxy-request-buffering", "off", func(p *policy) { p.route.BufferRequest = false }},
		{"proxy-buffering", "on", func(p *policy) { p.Proxying.responseBuffering = true }},
		{"proxy-cookie-domain", "internal.local example.com", func(p *policy) {
			p.route.CookieDomain = proxy.Replace{From: "internal.local", To: "example.com"}
		}},
		{"proxy-cookie-path", "/app/ /", func(p *policy) { p.route.CookiePath = proxy.Replace{From: "/app/", To: "/"} }},
		{"proxy-cookie-path", "off", func(p *policy) {}},
		{"proxy-http-version", "1.1", func(p *policy) {}},
		{"proxy-http-version", " 1.0", func(p *policy) { p.Proxying.askedHTTP10 = true }},
		{"connection-proxy-header", "close", func(p *policy) { p.route.CloseConnection = true }},
		{"connection-proxy-header", "keep-alive", func(p *policy) {}},
		{"server-alias", "WWW.example.com, *.example.org", func(p *policy) { p.ServerAliases = []string{"www.example.com", "*.example.org"} }},
		{"from-to-www-redirect", "true", func(p *policy) { p.FromToWWWRedirect = true }},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			got, errs, _ := compileAnnotated(t, map[string]string{nginx + tt.name: tt.value})
			require.Empty(t, errs)
			want := defaults
			tt.want(&want)
			assert.Equal(t, want, got)
		})
	}
}

func TestAnnotationErrors(t *testing.T) {
	for _, tt := range []struct {
		name, value, detail string
	}{
		{"backend-protocol", "FTP", `supported values: "HTTP", "HTTPS", "AUTO_HTTP", "GRPC", "GRPCS"`},
		{"proxy-ssl-verify-depth", "0", "from 1 to 100"},
		{"proxy-ssl-protocols", "SSLv3", "not supported by Go"},
		{"proxy-ssl-protocols", "TLSv1 TLSv1.2", "TLSv1.1 is missing"},
		{"proxy-ssl-secret", "a/b/c", "namespace/name"},
		{"default-backend", "Errors_Page", "name of a Service"},
		{"custom-http-errors", "404,302", "4xx and 5xx"},
		{"custom-http-errors", "404;503", "4xx and 5xx"},
		{"service-upstream", "on", "boolean"},
		{"proxy-next-upstream", "error http_418", "space-separated list"},
		{"proxy-next-upstream", "off error", "cannot be combined"},
		{"proxy-next-upstream-tries", "-1", "from 0"},
		{"proxy-next-upstream-timeout", "1m", "whole number of seconds"},
		{"proxy-request-buffering", "true", `"on" or "off"`},
		{"proxy-buffering", "yes", `"on" or "off"`},
		{"proxy-redirect-from", "http://a b/", "start of a URL"},
		{"proxy-redirect-to", "https://$request_uri/", "only $scheme and $host"},
		{"proxy-cookie-domain", "internal.local", "two values"},
		{"proxy-cookie-path", "/app / /x", "two values"},
		{"proxy-cookie-path", "app /", "two values"},
		{"proxy-http-version", "2", `"1.1" or "1.0"`},
		{"connection-proxy-header", "upgrade, close", `"keep-alive", "close" or "upgrade"`},
		{"server-alias", "~^www[0-9]+[.]example[.]com$", "regex forms are not supported"},
		{"server-alias", "example.*", "not supported"},
		{"from-to-www-redirect", "sure", "boolean"},
		{"canary", "yes", "boolean"},
		{"canary-weight", "-1", "from 0 to 1000000"},
		{"canary-by-header", "X Canary", "HTTP header name"},
		{"canary-by-header-pattern", "(", "RE2 can compile"},
		{"canary-by-cookie", "a;b", "cookie name"},
		{"upstream-vhost", "$host", "nginx variables"},
		{"upstream-vhost", "a b", "host name"},
		{"proxy-body-size", "20 MB", "size in bytes"},
		{"proxy-body-size", "-1", "size in bytes"},
		{"proxy-body-size", "99999999999g", "out of range"},
		{"proxy-read-timeout", "1m", "whole number of seconds"},
		{"proxy-read-timeout", "0", "greater than 0"},
		{"ssl-redirect", "yes", "boolean"},
		{"proxy-ssl-verify", "true", `"on" or "off"`},
		{"proxy-ssl-name", "bad name", "DNS name"},
		{"rewrite-target", "/$host", "only $1 to $9 are supported"},
		{"rewrite-target", "/${1}", "letters, digits"},
		{"rewrite-target", "/a;b", "letters, digits"},
		{"x-forwarded-prefix", "/a$1", "letters, digits"},
		{"app-root", "https://example.com/app", "absolute path"},
		{"app-root", "app", "absolute path"},
		{"permanent-redirect", "https://example.com/a b", "not allowed"},
		{"permanent-redirect", "javascript:alert(1)", "http(s) URL"},
		{"temporal-redirect", "//evil.example/", "http(s) URL"},
		{"permanent-redirect-code", "three-oh-one", "whole number"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, errs, _ := compileAnnotated(t, map[string]string{nginx + tt.name: tt.value})
			require.Len(t, errs, 1)
			e := errs[0]
			assert.Equal(t, "metadata.annotations["+nginx+tt.name+"]", e.Field.Field)
			assert.Equal(t, field.ErrorTypeInvalid, e.Field.Type)
			assert.Equal(t, tt.value, e.Field.BadValue)
			assert.Contains(t, e.Error(), tt.detail)
			assert.Equal(t, "ingress default/web", e.Object)
		})
	}
}

func TestSnippetsAreRefused(t *testing.T) {
	for _, name := range []string{"configuration-snippet", "server-snippet", "auth-snippet", "stream-snippet", "future-snippet"} {
		_, errs, _ := compileAnnotated(t, map[string]string{nginx + name: "more_set_headers \"X: y\";"})
		require.Len(t, errs, 1, name)
		assert.Equal(t, field.ErrorTypeForbidden, errs[0].Field.Type)
		assert.Contains(t, errs[0].Error(), "raw nginx configuration is never executed", name)
	}
	_, errs, _ := compileAnnotated(t, map[string]string{nginx + "configuration-snippet": "x"})
	assert.Contains(t, errs[0].Error(), "custom-headers", "the refusal names the typed alternative")
}

func TestUnsupportedAnnotationsAreListed(t *testing.T) {
	_, errs, warnings := compileAnnotated(t, map[string]string{
		nginx + "mirror-target":        "http://mirror",
		nginx + "enable-opentelemetry": "true",
		"example.com/unrelated":        "x",
		"kubernetes.io/ingress.class":  "nginx",
	})
	require.Empty(t, errs)
	var fields []string
	for _, w := range warnings {
		if strings.Contains(w.Message, "not supported") {
			fields = append(fields, w.Field)
		}
	}
	assert.ElementsMatch(t, []string{"metadata.annotations[" + nginx + "enable-opentelemetry]", "metadata.annotations[" + nginx + "mirror-target]"}, fields)
}

func TestRedirectAnnotations(t *testing.T) {
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		wantURL     string
		wantCode    int
		wantWarning string
	}{
		{"permanent default code", map[string]string{nginx + "permanent-redirect": "https://new.example.com/"}, "https://new.example.com/", 301, ""},
		{"permanent with code", map[string]string{nginx + "permanent-redirect": "https://new.example.com/", nginx + "permanent-redirect-code": "308"}, "https://new.example.com/", 308, ""},
		{"permanent code out of range", map[string]string{nginx + "permanent-redirect": "https://new.example.com/", nginx + "permanent-redirect-code": "200"}, "https://new.example.com/", 301, "200 is outside 300-308; using 301"},
		{"temporal default code", map[string]string{nginx + "temporal-redirect": "/maintenance"}, "/maintenance", 302, ""},
		{"temporal wins", map[string]string{nginx + "temporal-redirect": "https://t.example.com/", nginx + "permanent-redirect": "https://p.example.com/"}, "https://t.example.com/", 302, ""},
		{"temporal 308 is out of range", map[string]string{nginx + "temporal-redirect": "https://t.example.com/", nginx + "temporal-redirect-code": "308"}, "https://t.example.com/", 302, "308 is outside 300-307"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, errs, warnings := compileAnnotated(t, tt.annotations)
			require.Empty(t, errs)
			require.NotNil(t, p.route.Redirect)
			assert.Equal(t, tt.wantURL, p.route.Redirect.URL)
			assert.Equal(t, tt.wantCode, p.route.Redirect.Code)
			var found bool
			for _, w := range warnings {
				found = found || (tt.wantWarning != "" && strings.Contains(w.Message, tt.wantWarning))
			}
			assert.Equal(t, tt.wantWarning != "", found, "warnings: %v", warnings)
		})
	}
}

// TestRewriteTargetMeansRegex checks that any rewrite-target makes the
// Ingress's ImplementationSpecific paths regexes, as in ingress-nginx,
// whose rewrite is always a regex location (its needsRewrite), groups or
// not; only a target equal to the path leaves it a prefix, as ingress-nginx
// then writes no rewrite. Until issue 15 only targets with $N did.
func TestRewriteTargetMeansRegex(t *testing.T) {
	for _, tt := range []struct {
		target, path string
		want         route.PathType
	}{
		{"/$1", "/api/(.*)", route.Regex},
		{"/", "/api/(.*)", route.Regex},
		{"/", "/api", route.Regex},
		{"/api", "/api", route.Prefix},
	} {
		set, err := DecodeBytes("r.yaml", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: "`+tt.target+`"
spec:
  rules:
    - http:
        paths:
          - {path: "`+tt.path+`", pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
`))
		require.NoError(t, err)
		compiled, err := Compile(set, Options{})
		require.NoError(t, err)
		rules := compiled.Table.Rules()
		require.Len(t, rules, 1)
		assert.Equal(t, tt.want, rules[0].Type, "rewrite-target %q path %q", tt.target, tt.path)
	}
}

func TestCanaryWeightAboveTotal(t *testing.T) {
	_, errs, _ := compileAnnotated(t, map[string]string{nginx + "canary": "true", nginx + "canary-weight": "200"})
	require.Len(t, errs, 1)
	assert.Equal(t, "metadata.annotations["+nginx+"canary-weight]", errs[0].Field.Field)
	assert.Contains(t, errs[0].Error(), "must not be more than canary-weight-total (100)")
}
