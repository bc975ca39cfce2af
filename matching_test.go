package ingressmux_test

import (
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

// kindQuickStart is the Ingress of the kind quick-start
// (https://kind.sigs.k8s.io/docs/user/ingress/): regex characters in Prefix
// paths, with a rewrite-target that uses their groups.
const kindQuickStart = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  rules:
  - http:
      paths:
      - pathType: Prefix
        path: /foo(/|$)(.*)
        backend: {service: {name: foo-service, port: {number: 8080}}}
      - pathType: Prefix
        path: /bar(/|$)(.*)
        backend: {service: {name: bar-service, port: {number: 8080}}}
`

// rewriteNoGroups is a rewrite-target without groups on an
// ImplementationSpecific path: in ingress-nginx a regex location all the
// same, so "/apiv2" matches too (the classic trap of
// https://github.com/kubernetes/ingress-nginx/issues/3920).
const rewriteNoGroups = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  rules:
  - host: api.example.com
    http:
      paths:
      - pathType: ImplementationSpecific
        path: /api
        backend: {service: {name: api, port: {number: 80}}}
`

// routed is the backend and the request URI that the backend saw, or the
// status code when no backend answered.
func routed(t *testing.T, h http.Handler, url string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != http.StatusOK {
		if loc := rec.Header().Get("Location"); loc != "" {
			return http.StatusText(rec.Code) + " " + loc
		}
		return http.StatusText(rec.Code)
	}
	return strings.Join(strings.Fields(rec.Body.String())[0:3:3], " ")
}

// loadMux loads the YAML documents with every Service of the test served
// by a backend that echoes its name.
func loadMux(t *testing.T, opts ingress.Options, yaml ...string) *ingressmux.Mux {
	t.Helper()
	opts.Backends = map[string]string{}
	for _, svc := range []string{"foo-service:8080", "bar-service:8080", "api:80", "web:80", "other:80",
		"service1:80", "service2:80", "service3:80", "source:80", "root:80", "app:80"} {
		opts.Backends["default/"+svc] = backend(t, strings.Split(svc, ":")[0]).URL
	}
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
		FS:      fstest.MapFS{"in.yaml": {Data: []byte(strings.Join(yaml, "---\n"))}},
		Paths:   []string{"in.yaml"},
		Options: opts,
		Logger:  quiet(),
	})
	require.NoError(t, err)
	return mux
}

// TestRewriteTargetRegexPaths is issue 15 item 2 through Load and the
// handler: the kind quick-start routes (it used to load and route nothing),
// with a warning naming ingress-nginx's v1.12 admission rule, and any
// rewrite-target makes ImplementationSpecific paths regexes.
func TestRewriteTargetRegexPaths(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, url, want string
	}{
		// The rewrites the kind quick-start documents.
		{"kind foo", kindQuickStart, "http://localhost/foo/hostname", "foo-service localhost /hostname"},
		{"kind foo bare", kindQuickStart, "http://localhost/foo", "foo-service localhost /"},
		{"kind bar", kindQuickStart, "http://localhost/bar/x?y=1", "bar-service localhost /x?y=1"},
		// A regex location is case-insensitive and anchored at the start.
		{"kind case", kindQuickStart, "http://localhost/FOO/x", "foo-service localhost /x"},
		{"kind food", kindQuickStart, "http://localhost/food", "Not Found"},
		{"kind elsewhere", kindQuickStart, "http://localhost/x/foo", "Not Found"},
		// rewrite-target "/" without groups: still a regex location.
		{"no groups", rewriteNoGroups, "http://api.example.com/api/users", "api api.example.com /"},
		{"no groups prefix", rewriteNoGroups, "http://api.example.com/apiv2", "api api.example.com /"},
		{"no groups case", rewriteNoGroups, "http://api.example.com/API", "api api.example.com /"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := loadMux(t, ingress.Options{}, tt.yaml)
			assert.Equal(t, tt.want, routed(t, mux, tt.url))
		})
	}
	mux := loadMux(t, ingress.Options{}, kindQuickStart)
	var warned []string
	for _, w := range mux.Warnings() {
		if strings.Contains(w.Message, "strict-validate-path-type") {
			warned = append(warned, w.Field)
		}
	}
	assert.Equal(t, []string{"spec.rules[0].http.paths[0].path", "spec.rules[0].http.paths[1].path"}, warned,
		"each regex Prefix path is warned with ingress-nginx v1.12's rule: %v", mux.Warnings())
}

// The manifests of ingress-nginx's "Ingress Path Matching" page
// (docs/user-guide/ingress-path-matching.md at controller v1.15.1), with
// the services of its examples.
const (
	// Path Priority, test-ingress-1.
	pathPriority1 = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: test-ingress-1}
spec:
  rules:
  - host: test.com
    http:
      paths:
      - {path: /foo/bar, pathType: Prefix, backend: {service: {name: service1, port: {number: 80}}}}
      - {path: /foo/bar/, pathType: Prefix, backend: {service: {name: service2, port: {number: 80}}}}
`
	// Path Priority, test-ingress-2: its rewrite-target puts test.com in
	// regex mode.
	pathPriority2 = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test-ingress-2
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$1
spec:
  rules:
  - host: test.com
    http:
      paths:
      - {path: /foo/bar/(.+), pathType: ImplementationSpecific, backend: {service: {name: service3, port: {number: 80}}}}
`
	// Warning, test-ingress-3, with a service of its own per path.
	pathWarning = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test-ingress-3
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  rules:
  - host: test.com
    http:
      paths:
      - {path: /foo/bar/bar, pathType: Prefix, backend: {service: {name: service1, port: {number: 80}}}}
      - {path: "/foo/bar/[A-Z0-9]{3}", pathType: ImplementationSpecific, backend: {service: {name: service2, port: {number: 80}}}}
`
	// One Ingress with use-regex on a host, another without.
	regexHost = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: "/api/v[0-9]+", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /docs, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /exact, pathType: Exact, backend: {service: {name: other, port: {number: 80}}}}
      - {path: /source, pathType: ImplementationSpecific, backend: {service: {name: source, port: {number: 80}}}}
`
	// Paths that end in "/", and ImplementationSpecific, on a host that is
	// not in regex mode; a wildcard host.
	slashes = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: slashes}
spec:
  rules:
  - host: slash.example.com
    http:
      paths:
      - {path: /api/, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /exact/, pathType: Exact, backend: {service: {name: other, port: {number: 80}}}}
      - {path: /source, pathType: ImplementationSpecific, backend: {service: {name: source, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: root, port: {number: 80}}}}
  - host: "*.foo.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
`
	// ingress-nginx sorts locations by the paths as written, then expands
	// Prefix /ab into ^/ab/ and its twin ^/ab right where /ab was
	// (controller.go getBackendServers, then location.go
	// updateServerLocations): ^/a.. is tried before ^/ab/, which a sort of
	// the expanded patterns would not do.
	expandedOrder = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  rules:
  - host: order.example.com
    http:
      paths:
      - {path: "/a..", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules:
  - host: order.example.com
    http:
      paths:
      - {path: /ab, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
	// A wildcard server-alias: ingress-nginx writes it into server_name as
	// it is (annotations.md "Server Alias" points at nginx's server_name,
	// whose "*.alias.com" also covers "a.b.alias.com").
	wildcardAlias = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: aliased
  annotations:
    nginx.ingress.kubernetes.io/server-alias: "*.alias.com"
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
`
)

// TestMatchingModes routes the same objects in both modes through Load and
// the handler. The ingress-nginx column is what ingress-nginx v1.15 does,
// case by case from its documentation and code; the spec column is the
// Kubernetes rules. Where they differ, the spec mode must warn (see
// TestSpecModeWarnsWhereIngressNginxDiffers).
func TestMatchingModes(t *testing.T) {
	for _, tt := range []struct {
		name       string
		yaml       []string
		url        string
		spec, ingx string
	}{
		// ingress-path-matching.md, "Path Priority": "test.com/foo/bar/1
		// matches ~* ^/foo/bar/.+ and will go to service 3",
		// "test.com/foo/bar/ matches ~* ^/foo/bar/ and will go to service 2",
		// "test.com/foo/bar matches ~* ^/foo/bar and will go to service 1".
		{"priority regex", []string{pathPriority1, pathPriority2}, "http://test.com/foo/bar/1", "service3 test.com /1", "service3 test.com /1"},
		{"priority slash", []string{pathPriority1, pathPriority2}, "http://test.com/foo/bar/", "service2 test.com /foo/bar/", "service2 test.com /foo/bar/"},
		{"priority bare", []string{pathPriority1, pathPriority2}, "http://test.com/foo/bar", "service2 test.com /foo/bar", "service1 test.com /foo/bar"},
		// The same without test-ingress-2 (no regex mode): ingress-nginx's
		// exact twin "= /foo/bar" of the Prefix /foo/bar (location.go,
		// updateServerLocations) still wins for /foo/bar.
		{"twin bare", []string{pathPriority1}, "http://test.com/foo/bar", "service2 test.com /foo/bar", "service1 test.com /foo/bar"},
		{"twin deeper", []string{pathPriority1}, "http://test.com/foo/bar/x", "service2 test.com /foo/bar/x", "service2 test.com /foo/bar/x"},
		{"twin not a string prefix", []string{pathPriority1}, "http://test.com/foo/barx", "Not Found", "Not Found"},
		// ingress-path-matching.md, "Warning": "A request to
		// test.com/foo/bar/bar would match the ^/foo/bar/[A-Z0-9]{3}
		// location block instead of the longest EXACT matching path".
		{"warning", []string{pathWarning}, "http://test.com/foo/bar/bar", "service2 test.com /foo/bar/bar", "service2 test.com /foo/bar/bar"},
		// ingress-path-matching.md, "IMPORTANT NOTES", and annotations.md
		// "Use Regex": use-regex on one Ingress makes every path of the
		// host a case-insensitive regex anchored at the start, whatever
		// Ingress declares it; Exact paths lose their exactness.
		{"host-wide regex", []string{regexHost}, "http://app.example.com/API/V2/users", "api app.example.com /API/V2/users", "api app.example.com /API/V2/users"},
		{"host-wide case", []string{regexHost}, "http://app.example.com/DOCS/x", "Not Found", "web app.example.com /DOCS/x"},
		{"host-wide prefix", []string{regexHost}, "http://app.example.com/docsx", "Not Found", "web app.example.com /docsx"},
		{"host-wide exact", []string{regexHost}, "http://app.example.com/exactly", "Not Found", "other app.example.com /exactly"},
		{"host-wide implementation-specific", []string{regexHost}, "http://app.example.com/sourcecode", "Not Found", "source app.example.com /sourcecode"},
		// A Prefix path ending in "/" is nginx's `location /api/`, which
		// answers /api with a 301 to /api/, query kept (the nginx rule
		// quoted in ingress-nginx's controller.go getConfiguration).
		{"slash redirect", []string{slashes}, "http://slash.example.com/api?x=1", "api slash.example.com /api?x=1", "Moved Permanently /api/?x=1"},
		{"slash deeper", []string{slashes}, "http://slash.example.com/api/v1", "api slash.example.com /api/v1", "api slash.example.com /api/v1"},
		{"slash exact", []string{slashes}, "http://slash.example.com/exact", "root slash.example.com /exact", "Moved Permanently /exact/"},
		// ImplementationSpecific is Prefix in ingress-nginx
		// (SetDefaultNGINXPathType), so outside regex mode it does not match
		// /sourcecode either.
		{"implementation-specific", []string{slashes}, "http://slash.example.com/sourcecode", "root slash.example.com /sourcecode", "root slash.example.com /sourcecode"},
		{"implementation-specific deeper", []string{slashes}, "http://slash.example.com/source/x", "source slash.example.com /source/x", "source slash.example.com /source/x"},
		// ingress-path-matching.md: "The wildcard character '*' must appear
		// by itself as the first DNS label and matches only a single label"
		// (its server_name is ~^(?<subdomain>[\w-]+)\.foo\.com$).
		{"wildcard one label", []string{slashes}, "http://a.foo.com/", "app a.foo.com /", "app a.foo.com /"},
		{"wildcard two labels", []string{slashes}, "http://a.baz.foo.com/", "Not Found", "Not Found"},
		{"expanded order", []string{expandedOrder}, "http://order.example.com/ab/", "api order.example.com /ab/", "api order.example.com /ab/"},
		{"expanded order twin", []string{expandedOrder}, "http://order.example.com/ab", "web order.example.com /ab", "web order.example.com /ab"},
		{"expanded order shorter", []string{expandedOrder}, "http://order.example.com/abc", "api order.example.com /abc", "api order.example.com /abc"},
		{"wildcard alias one label", []string{wildcardAlias}, "http://a.alias.com/x", "app a.alias.com /x", "app a.alias.com /x"},
		{"wildcard alias two labels", []string{wildcardAlias}, "http://a.baz.alias.com/x", "Not Found", "app a.baz.alias.com /x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := loadMux(t, ingress.Options{}, tt.yaml...)
			assert.Equal(t, tt.spec, routed(t, spec, tt.url), "spec mode")
			ingx := loadMux(t, ingress.Options{Matching: ingress.MatchIngressNginx}, tt.yaml...)
			assert.Equal(t, tt.ingx, routed(t, ingx, tt.url), "ingress-nginx mode")
		})
	}
}

// TestSpecModeWarnsWhereIngressNginxDiffers checks that Load in the default
// mode names host, path and an example URL for each kind of difference the
// issue lists, and stays quiet where the modes agree.
func TestSpecModeWarnsWhereIngressNginxDiffers(t *testing.T) {
	for _, tt := range []struct {
		name string
		yaml []string
		want []string // one fragment per expected difference warning
	}{
		{"prefix beside prefix with slash", []string{pathPriority1}, []string{
			`spec.rules[0].http.paths[0].path: host "test.com" path "/foo/bar": ingress-nginx routes differently: http://test.com/foo/bar -> default/service2:80 here, default/service1:80 in ingress-nginx (ingress-nginx gives each Prefix path an exact location`,
		}},
		{"host-wide regex", []string{regexHost}, []string{
			`ingress default/plain: spec.rules[0].http.paths[0].path: host "app.example.com" path "/docs": ingress-nginx routes differently: http://app.example.com/docsx -> no rule of this host (the rules without a host, the default backend, else 404) here, default/web:80 in ingress-nginx (use-regex or rewrite-target of ingress default/regex puts the whole host in regex mode`,
			`path "/exact": ingress-nginx routes differently: http://app.example.com/exact/ -> no rule of this host (the rules without a host, the default backend, else 404) here, default/other:80 in ingress-nginx`,
			`path "/source": ingress-nginx routes differently: http://app.example.com/sourcex -> no rule of this host (the rules without a host, the default backend, else 404) here, default/source:80 in ingress-nginx`,
		}},
		{"trailing slash", []string{slashes}, []string{
			`path "/api/": ingress-nginx routes differently: http://slash.example.com/api -> default/api:80 here, 301 to /api/ in ingress-nginx (ingress-nginx answers /api with a 301 to /api/`,
			`path "/exact/": ingress-nginx routes differently: http://slash.example.com/exact -> default/root:80 here, 301 to /exact/ in ingress-nginx`,
		}},
		{"wildcard alias", []string{wildcardAlias}, []string{
			`host "*.alias.com" path "/": ingress-nginx routes differently: http://a.b.alias.com/ -> no rule of this host (the rules without a host, the default backend, else 404) here, default/app:80 in ingress-nginx (ingress-nginx writes the server-alias *.alias.com as nginx's server_name`,
		}},
		{"kind quick-start agrees", []string{kindQuickStart}, nil},
		{"documented trap agrees", []string{pathWarning}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := loadMux(t, ingress.Options{}, tt.yaml...)
			var got []string
			for _, w := range mux.Warnings() {
				if strings.Contains(w.Message, "ingress-nginx routes differently") {
					got = append(got, w.String())
				}
			}
			require.Len(t, got, len(tt.want), "difference warnings: %q", got)
			for i, want := range tt.want {
				assert.Contains(t, got[i], want)
			}
			// The ingress-nginx mode is what it is: it does not warn about it.
			ingx := loadMux(t, ingress.Options{Matching: ingress.MatchIngressNginx}, tt.yaml...)
			for _, w := range ingx.Warnings() {
				assert.NotContains(t, w.Message, "ingress-nginx routes differently")
			}
		})
	}
}
