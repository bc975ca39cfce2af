package ingressmux_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// compatIngress is one Ingress of host "app.example.com" with the given
// annotations (without prefix) and ImplementationSpecific path, to the
// Service "web".
func compatIngress(name, path string, annotations ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  annotations:\n")
	for i := 0; i+1 < len(annotations); i += 2 {
		b.WriteString("    nginx.ingress.kubernetes.io/" + annotations[i] + ": \"" + annotations[i+1] + "\"\n")
	}
	b.WriteString("spec:\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n")
	b.WriteString("      - {path: \"" + path + "\", pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}\n")
	return b.String()
}

// TestAcceptWhatIngressNginxAccepts serves manifests that the apiserver and
// ingress-nginx accept but that ingressmux used to refuse, and checks that
// each loads, with the warning that says what happens, and that the
// handler does what ingress-nginx does.
func TestAcceptWhatIngressNginxAccepts(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "web "+r.URL.RequestURI())
	}))
	defer be.Close()
	for _, tt := range []struct {
		name     string
		manifest string
		warning  string
		path     string
		status   int
		body     string // the backend's answer, when status is 200
		location string
	}{{
		name:     "rewrite-target to a group the path does not have",
		manifest: compatIngress("root", "/", "rewrite-target", "/$1"),
		warning:  `path "/" (spec.rules[0].http.paths[0].path) has no capture group for $1: it is replaced by nothing, as nginx does`,
		path:     "/anything?q=1", status: 200, body: "web /?q=1",
	}, {
		name:     "rewrite-target to the second group of a one-group pattern",
		manifest: compatIngress("one", "/api(/.*)", "rewrite-target", "/v1$1$2", "use-regex", "true"),
		warning:  "has no capture group for $2",
		path:     "/api/users", status: 200, body: "web /v1/users",
	}, {
		name:     "rewrite-target to an absolute URL",
		manifest: compatIngress("moved", "/old(/|$)(.*)", "rewrite-target", "https://new.example.com/$2"),
		warning:  `"https://new.example.com/$2" is an absolute URL: requests for path "/old(/|$)(.*)" (spec.rules[0].http.paths[0].path) are redirected there with 302`,
		path:     "/old/a/b?x=1", status: 302, location: "https://new.example.com/a/b?x=1",
	}, {
		name:     "auth-secret not loaded: fail closed",
		manifest: compatIngress("basic", "/", "auth-type", "basic", "auth-secret", "htpasswd"),
		warning:  "secret default/htpasswd is not loaded; every path of this Ingress answers 503 until it is",
		path:     "/", status: 503,
	}, {
		name:     "custom-headers ConfigMap not loaded: fail closed",
		manifest: compatIngress("headers", "/", "custom-headers", "security-headers"),
		warning:  "configmap default/security-headers is not loaded; every path of this Ingress answers 503",
		path:     "/", status: 503,
	}, {
		name:     "proxy-ssl-secret not loaded: fail closed",
		manifest: compatIngress("tls", "/", "proxy-ssl-secret", "backend-ca"),
		warning:  "secret default/backend-ca is not loaded; every path of this Ingress answers 503",
		path:     "/", status: 503,
	}, {
		name:     "backend-protocol FCGI: accepted, never spoken",
		manifest: compatIngress("php", "/", "backend-protocol", "FCGI"),
		warning:  "FastCGI backends are not supported; every path of this Ingress answers 503",
		path:     "/index.php", status: 503,
	}, {
		name:     "client certificate authentication, which is not supported: fail closed",
		manifest: compatIngress("mtls", "/", "auth-tls-secret", "default/ca", "auth-tls-verify-client", "on"),
		warning:  "client certificate authentication (auth-tls-secret) is not supported; every path of this Ingress answers 503",
		path:     "/", status: 503,
	}, {
		name:     "default-backend Service not loaded: ignored",
		manifest: compatIngress("errors", "/", "default-backend", "error-pages", "custom-http-errors", "404"),
		warning:  "service default/error-pages is not loaded; ignored until it is",
		path:     "/x", status: 200, body: "web /x",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
				FS: fstest.MapFS{"app.yaml": {Data: []byte(tt.manifest)}}, Paths: []string{"."}, Logger: quiet(),
				Options: ingress.Options{Backends: map[string]string{"default/web:80": be.URL}},
			})
			require.NoError(t, err)
			var warnings []string
			for _, w := range mux.Warnings() {
				warnings = append(warnings, w.String())
			}
			assert.True(t, containsFragment(warnings, tt.warning), "no warning contains %q:\n%s", tt.warning, strings.Join(warnings, "\n"))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", "http://app.example.com"+tt.path, nil))
			res := w.Result()
			body, _ := io.ReadAll(res.Body)
			require.Equal(t, tt.status, res.StatusCode, "GET %s: %s", tt.path, body)
			if tt.status == 200 {
				assert.Equal(t, tt.body, string(body))
			} else {
				assert.NotContains(t, string(body), "web ", "the backend must not be reached")
			}
			assert.Equal(t, tt.location, res.Header.Get("Location"))
		})
	}
}

func containsFragment(list []string, fragment string) bool {
	for _, s := range list {
		if strings.Contains(s, fragment) {
			return true
		}
	}
	return false
}

// oauthIngresses is ingress-nginx's oauth2-proxy example: the app's
// auth-url names "$host", which is the app's own host, where another
// Ingress serves oauth2-proxy under /oauth2. ANNOT are extra annotations
// of the oauth2-proxy Ingress.
const oauthIngresses = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "https://$host/oauth2/auth?from=$escaped_request_uri&u=$arg_u"
    nginx.ingress.kubernetes.io/auth-signin: "https://$host/oauth2/start?rd=$escaped_request_uri"
    nginx.ingress.kubernetes.io/auth-response-headers: X-Auth-Request-User
spec:
  rules:
  - host: HOST
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: oauth2-proxy
  annotations: {ANNOT}
spec:
  rules:
  - host: HOST
    http:
      paths:
      - {path: /oauth2, pathType: Prefix, backend: {service: {name: oauth2-proxy, port: {number: 4180}}}}
`

// TestAuthURLWithHostGoesThroughTheTable checks that an auth-url with
// $host is accepted, expands to the host the request matched, and, since
// that host is served by the same table, is answered in-process: the
// names used here resolve nowhere, so a request sent out through DNS would
// fail.
func TestAuthURLWithHostGoesThroughTheTable(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "web "+r.Header.Get("X-Auth-Request-User"))
	}))
	defer be.Close()
	var asked []string
	oauth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Host+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Original-Url"))
		if c, err := r.Cookie("_oauth2_proxy"); err == nil && c.Value == "alice" {
			w.Header().Set("X-Auth-Request-User", "alice")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer oauth.Close()
	for _, tt := range []struct {
		name, host, annot, reqHost, cookie string
		status                             int
		body, location, asked              string
	}{{
		name: "signed in", host: "app.internal.test", reqHost: "app.internal.test", cookie: "alice", status: 200, body: "web alice",
		asked: "app.internal.test /oauth2/auth?from=%2Fpage%3Fu%3Dx%26y&u=x http://app.internal.test/page?u=x&y",
	}, {
		name: "not signed in", host: "app.internal.test", reqHost: "app.internal.test", status: 302,
		location: "https://app.internal.test/oauth2/start?rd=%2Fpage%3Fu%3Dx%26y",
		asked:    "app.internal.test /oauth2/auth?from=%2Fpage%3Fu%3Dx%26y&u=x http://app.internal.test/page?u=x&y",
	}, {
		name: "a wildcard host expands to the host the request matched", host: "'*.internal.test'", reqHost: "Team-A.internal.test", cookie: "alice",
		status: 200, body: "web alice",
		asked: "team-a.internal.test /oauth2/auth?from=%2Fpage%3Fu%3Dx%26y&u=x http://Team-A.internal.test/page?u=x&y",
	}, {
		name: "an auth route that requires the same auth is refused, not looped", host: "app.internal.test", reqHost: "app.internal.test", cookie: "alice",
		annot: `nginx.ingress.kubernetes.io/auth-url: "https://$host/oauth2/auth"`, status: 500,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			manifest := strings.NewReplacer("HOST", tt.host, "ANNOT", tt.annot).Replace(oauthIngresses)
			mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
				FS: fstest.MapFS{"app.yaml": {Data: []byte(manifest)}}, Paths: []string{"."}, Logger: quiet(),
				Options: ingress.Options{Backends: map[string]string{"default/web:80": be.URL, "default/oauth2-proxy:4180": oauth.URL}},
			})
			require.NoError(t, err)
			r := httptest.NewRequest("GET", "http://"+tt.reqHost+"/page?u=x&y", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "_oauth2_proxy", Value: tt.cookie})
			}
			r.Header.Set("X-Auth-Request-User", "mallory")
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			res := w.Result()
			body, _ := io.ReadAll(res.Body)
			require.Equal(t, tt.status, res.StatusCode, "%s", body)
			if tt.status == 200 {
				assert.Equal(t, tt.body, string(body))
			}
			assert.Equal(t, tt.location, res.Header.Get("Location"))
			if tt.asked != "" {
				assert.Equal(t, []string{tt.asked}, asked, "what the auth service was asked")
			} else {
				assert.Empty(t, asked, "the looping auth request never reaches the auth service")
			}
		})
	}
}
