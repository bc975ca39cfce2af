package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestCheckMigrationGolden pins the whole -check report for a realistic
// shop moving off ingress-nginx (testdata/migration): the table, what each
// route will do, the certificates, and every warning — what carries over
// and what does not. The admin Ingress uses a snippet and is skipped with
// -skip-invalid; without it the load fails on that Ingress alone.
func TestCheckMigrationGolden(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-skip-invalid", "-f", "testdata/migration"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assertGolden(t, "testdata/migration.golden", stdout.String())

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"-check", "-f", "testdata/migration"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assertInOrder(t, stderr.String(), []string{
		"ingress shop/admin: metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]: Forbidden: raw nginx configuration is never executed",
		"1 error(s)",
	})
}

// TestCheckShowsEveryPolicy pins the -check report of routes that use
// every traffic policy (basic and external auth, CORS, allow and deny
// lists, rate limits, canaries, custom headers, a route denied because its
// auth Secret is missing), with paths printed as written in the Ingress.
func TestCheckShowsEveryPolicy(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-f", "testdata/policies"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assertGolden(t, "testdata/policies.golden", stdout.String())
	for _, fragment := range []string{
		"api.example.com     /foo(/|$)(.*)", "app.example.com     /café/menü",
		"basic auth (secret default/staff, 2 user(s)", "external auth GET http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth",
		"CORS origins https://ui.example.com https://*.example.org", "allowlist 10.0.0.0/8 192.0.2.7/32", "denylist 10.66.0.0/16",
		"rate limit 20 connections, 10 rps (burst x3), exempt 10.1.0.0/16", "rate limit 600 rpm", "canary default/app-next:80 by cookie next",
		"response headers Referrer-Policy: no-referrer, X-Frame-Options: DENY", "locked.example.com /: DENIED (503)",
		"old.example.com /(.*): rewrite-target https://new.example.com/$1 (a 302 redirect",
		"external auth GET https://$host/oauth2/auth (asked through this table, in-process)",
	} {
		assert.Contains(t, stdout.String(), fragment)
	}
}

// assertGolden compares got with the golden file, or rewrites it (and its
// directory) with -update.
func assertGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), got, "rerun with -update if the change is intended")
}

// TestCheckGatewayGolden pins the -check report of a directory with an
// Ingress and Gateway API objects side by side: one table with each
// route's origin, the Gateway listeners and where they are served, the
// status conditions that are not as they should be, and the warnings of
// both front ends.
func TestCheckGatewayGolden(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-f", "testdata/gateway"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assertGolden(t, "testdata/gateway.golden", stdout.String())
	for _, fragment := range []string{
		"3 route(s) from 1 Ingress and 2 HTTPRoutes",
		// Only the HTTP listener serves the route: it is not answered on TLS.
		"api.example.com     /v2   Prefix scheme:http header:X-Canary=yes  default/green:80    httproute default/api",
		"api.example.com     /     Prefix                                  default/blue:80     ingress default/blue",
		"listener http: HTTP port 8080 host *.example.com, served on the plain-HTTP listener, 2 route(s)",
		"httproute default/missing parent edge: ResolvedRefs=False BackendNotFound",
	} {
		assert.Contains(t, stdout.String(), fragment)
	}

	// -explain names the origin of each candidate with its kind.
	for _, c := range []struct{ header, origin, backend string }{
		{"X-Canary: yes", "HTTPRoute default/api", "default/green:80"},
		{"X-Canary: no", "Ingress default/blue", "default/blue:80"},
	} {
		stdout.Reset()
		code = run([]string{"-explain", "http://api.example.com/v2/x", "-explain-header", c.header, "-f", "testdata/gateway"}, &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		var d decision
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &d))
		assert.Equal(t, c.origin, d.Origin, c.header)
		assert.Equal(t, c.backend, d.Backend, c.header)
	}
}

// TestCheckGatewaySettingsGolden pins the route settings -check prints for
// Gateway API routes: what the table's one BACKEND column cannot show
// (the weighted backendRefs, an unresolved one's 500) and what the
// filters and timeouts do, each in the specification's own terms.
func TestCheckGatewaySettingsGolden(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-f", "testdata/gateway-settings"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assertGolden(t, "testdata/gateway-settings.golden", stdout.String())
	for _, fragment := range []string{
		`shop.example.com /beta: backendRefs default/stable:80 weight 90, `,
		`default/next:80 weight 0 (answers 500)`,
		`RequestMirror to default/stable:80, 5/100 of the requests`,
		`URLRewrite ReplacePrefixMatch "/"; URLRewrite hostname internal.example.com`,
		`request headers set X-Env: beta; request headers remove X-Debug`,
		`timeouts.request 10s; timeouts.backendRequest 2s`,
		"shop.example.com /old: RequestRedirect 301 scheme https\n",
	} {
		assert.Contains(t, stdout.String(), fragment)
	}

	// -explain gives the route's bounds on the whole request and on each
	// attempt beside the per-read and per-write timeouts, and the weighted
	// backends the one it names was drawn from.
	stdout.Reset()
	code = run([]string{"-explain", "http://shop.example.com/beta/x", "-f", "testdata/gateway-settings"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var d decision
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &d))
	require.NotNil(t, d.Upstream, stdout.String())
	assert.Equal(t, "10s", d.Upstream.RequestTimeout)
	assert.Equal(t, "2s", d.Upstream.BackendTimeout)
	// The backend is a draw by weight: -explain says among which. (The
	// unresolved backend has weight 0, so that the draw, and this test,
	// always give the resolved one.)
	assert.Equal(t, []string{"default/stable:80 weight 90", "unresolved default/next:80 weight 0"}, d.Upstream.DrawnFrom)
}

// TestCheckGatewayErrors checks that a Gateway API object the apiserver
// would refuse fails -check with its file, line and field path.
func TestCheckGatewayErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "route.yaml"), []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: web, port: 0}]
`), 0o644))
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", "-f", dir}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "route.yaml:7 (document 1): httproute default/bad: spec.rules[0].backendRefs[0].port: Invalid value: 0")
	assert.Contains(t, stderr.String(), "1 error(s)")
}
