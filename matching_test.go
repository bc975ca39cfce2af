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
	mux, err := ingressmux.Load(ingressmux.Config{
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
