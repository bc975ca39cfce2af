package ingress

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/proxy"
)

// TestMissingReferencedObjects checks that an object an annotation names
// but that is not loaded is a warning, never an error, as the apiserver and
// ingress-nginx accept such an Ingress; and that the route then does what
// ingress-nginx does while the object is missing: authentication, backend
// TLS and header ConfigMaps deny the route (fail closed), a default-backend
// Service is ignored.
func TestMissingReferencedObjects(t *testing.T) {
	for _, tt := range []struct {
		name        string
		annotations map[string]string
		warning     string // the warning on the annotation
		denied      string // Policy.Traffic.Deny; "" when the route stays open
		check       func(t *testing.T, p policy)
	}{{
		name:        "auth-secret",
		annotations: map[string]string{"auth-type": "basic", "auth-secret": "htpasswd"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/auth-secret]: secret default/htpasswd is not loaded; every path of this Ingress answers 503 until it is",
		denied:      "secret default/htpasswd (named by auth-secret) is not loaded",
		check:       func(t *testing.T, p policy) { assert.Nil(t, p.Traffic.BasicAuth) },
	}, {
		name:        "auth-secret as namespace/name",
		annotations: map[string]string{"auth-type": "basic", "auth-secret": "default/htpasswd", "auth-realm": "Staff"},
		warning:     "secret default/htpasswd is not loaded; every path of this Ingress answers 503",
		denied:      "secret default/htpasswd (named by auth-secret) is not loaded",
	}, {
		name:        "auth-secret in another namespace, loaded or not",
		annotations: map[string]string{"auth-type": "basic", "auth-secret": "other/elsewhere"},
		warning:     `metadata.annotations[nginx.ingress.kubernetes.io/auth-secret]: secret other/elsewhere is not in the Ingress's namespace "default" (cross-namespace references are refused, as in ingress-nginx); every path of this Ingress answers 503, as in ingress-nginx`,
		denied:      "secret other/elsewhere (named by auth-secret) is in another namespace",
	}, {
		name:        "proxy-ssl-secret in another namespace",
		annotations: map[string]string{"proxy-ssl-secret": "other/ca"},
		warning:     `secret other/ca is not in the Ingress's namespace "default"`,
		denied:      "secret other/ca (named by proxy-ssl-secret) is in another namespace",
	}, {
		name:        "custom-headers in another namespace",
		annotations: map[string]string{"custom-headers": "other/security-headers"},
		warning:     `configmap other/security-headers is not in the Ingress's namespace "default"`,
		denied:      "configmap other/security-headers (named by custom-headers) is in another namespace",
	}, {
		name:        "custom-headers",
		annotations: map[string]string{"custom-headers": "security-headers"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/custom-headers]: configmap default/security-headers is not loaded; every path of this Ingress answers 503 until it is",
		denied:      "configmap default/security-headers (named by custom-headers) is not loaded",
		check:       func(t *testing.T, p policy) { assert.Nil(t, p.Traffic.ResponseHeaders.Set) },
	}, {
		name:        "proxy-ssl-secret",
		annotations: map[string]string{"backend-protocol": "HTTPS", "proxy-ssl-secret": "backend-ca"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-secret]: secret default/backend-ca is not loaded; every path of this Ingress answers 503 until it is",
		denied:      "secret default/backend-ca (named by proxy-ssl-secret) is not loaded",
		check: func(t *testing.T, p policy) {
			assert.Nil(t, p.upstream.TLS.RootCAs)
			assert.Empty(t, p.Upstream.TLSSecret)
		},
	}, {
		name:        "default-backend",
		annotations: map[string]string{"default-backend": "error-pages", "custom-http-errors": "404,503"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/default-backend]: service default/error-pages is not loaded; ignored until it is",
		check: func(t *testing.T, p policy) {
			assert.Nil(t, p.Upstream.DefaultBackend)
			assert.Nil(t, p.Upstream.CustomHTTPErrors, "custom-http-errors has nowhere to go")
		},
	}, {
		name:        "backend-protocol FCGI, which cannot be proxied",
		annotations: map[string]string{"backend-protocol": "FCGI"},
		warning:     `metadata.annotations[nginx.ingress.kubernetes.io/backend-protocol]: "FCGI": FastCGI backends are not supported; every path of this Ingress answers 503`,
		denied:      "backend-protocol FCGI: FastCGI backends are not supported",
		check: func(t *testing.T, p policy) {
			assert.False(t, p.protocolSet)
			assert.Equal(t, proxy.HTTP, p.upstream.Protocol)
		},
	}, {
		name:        "auth-tls-secret, which is not supported: closed rather than open",
		annotations: map[string]string{"auth-tls-secret": "default/ca", "auth-tls-verify-depth": "1"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]: client certificate authentication (auth-tls-secret) is not supported; every path of this Ingress answers 503",
		denied:      "client certificate authentication (auth-tls-secret) is not supported",
	}, {
		name:        "auth-tls-secret with auth-tls-verify-client optional asks nothing of clients",
		annotations: map[string]string{"auth-tls-secret": "default/ca", "auth-tls-verify-client": "optional"},
		warning:     "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]: not supported by ingressmux; ignored",
	}, {
		name:        "the first missing object names the denial",
		annotations: map[string]string{"auth-type": "basic", "auth-secret": "htpasswd", "custom-headers": "security-headers"},
		warning:     "configmap default/security-headers is not loaded",
		denied:      "secret default/htpasswd (named by auth-secret) is not loaded",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			annotations := map[string]string{}
			for k, v := range tt.annotations {
				annotations[nginx+k] = v
			}
			p, errs, warnings := compileAnnotated(t, annotations)
			require.Empty(t, errs)
			var all []string
			for _, w := range warnings {
				all = append(all, w.String())
			}
			assert.True(t, slices.ContainsFunc(all, func(w string) bool { return strings.Contains(w, tt.warning) }),
				"no warning contains %q: %q", tt.warning, all)
			assert.Equal(t, tt.denied, p.Traffic.Deny)
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// TestRefusedAuthURLHasNoFollowUpWarning checks that when auth-url is
// refused, its error is the only word about it: the annotations that go
// with it are not also reported as ignored "because auth-url is not set".
func TestRefusedAuthURLHasNoFollowUpWarning(t *testing.T) {
	_, errs, warnings := compileTraffic(t, map[string]string{
		"auth-url": "https://$http_host/oauth2/auth", "auth-signin": "https://$host/oauth2/start", "auth-response-headers": "X-Auth-Request-User"})
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "auth-url")
	for _, w := range warnings {
		assert.NotContains(t, w.String(), "auth-url is not set")
	}
	_, errs, warnings = compileTraffic(t, map[string]string{"auth-signin": "https://$host/oauth2/start"})
	require.Empty(t, errs)
	require.Len(t, warnings, 1, "without auth-url, auth-signin is ignored with a warning")
	assert.Contains(t, warnings[0].String(), "auth-signin]: ignored: auth-url is not set")
}
