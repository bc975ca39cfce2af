package ingress

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/route"
)

const overrideManifests = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}
          - {path: /b, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  type: ExternalName
  externalName: project-domain.com
  ports: [{name: https, port: 443}]
`

func targets(t *testing.T, opts Options) (map[string]Target, error) {
	t.Helper()
	set, err := DecodeBytes("o.yaml", []byte(overrideManifests))
	require.NoError(t, err)
	compiled, err := Compile(set, opts)
	if err != nil {
		return nil, err
	}
	out := map[string]Target{}
	for _, r := range compiled.Table.Rules() {
		out[r.Path] = compiledOf(compiled, r).Target
	}
	return out, nil
}

func TestBackendOverrides(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opts      Options
		path      string
		want      Target
		wantError string
	}{
		{name: "no override: ExternalName", path: "/a",
			want: Target{Name: "default/api:443", Addresses: []string{"project-domain.com:443"}, DNSName: "project-domain.com", Via: "externalname"}},
		{name: "override by the port as written", path: "/a", opts: Options{Backends: map[string]string{"default/api:443": "https://127.0.0.1:8443"}},
			want: Target{Name: "default/api:443", Addresses: []string{"127.0.0.1:8443"}, Via: "override", Scheme: "https"}},
		{name: "override by the Service's port name", path: "/a", opts: Options{Backends: map[string]string{"default/api:https": "127.0.0.1:9443"}},
			want: Target{Name: "default/api:443", Addresses: []string{"127.0.0.1:9443"}, Via: "override"}},
		{name: "URL without port gets the scheme's", path: "/b", opts: Options{Backends: map[string]string{"default/other:80": "http://localhost"}},
			want: Target{Name: "default/other:80", Addresses: []string{"localhost:80"}, Via: "override", Scheme: "http"}},
		{name: "resolver", path: "/b", opts: Options{Resolver: func(b route.Backend) ([]string, error) {
			if b.Service == "other" {
				return []string{"10.0.0.1:80", "10.0.0.2:80"}, nil
			}
			return nil, nil
		}}, want: Target{Name: "default/other:80", Addresses: []string{"10.0.0.1:80", "10.0.0.2:80"}, Via: "resolver"}},
		{name: "bad override", opts: Options{Backends: map[string]string{"default/other:80": "ftp://x:1"}}, wantError: "scheme must be http or https"},
		{name: "override without port", opts: Options{Backends: map[string]string{"default/other:80": "127.0.0.1"}}, wantError: "want host:port"},
		{name: "resolver error", opts: Options{Resolver: func(route.Backend) ([]string, error) { return nil, errors.New("boom") }}, wantError: "resolver: boom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := targets(t, tt.opts)
			if tt.wantError != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantError)
				assert.Contains(t, err.Error(), "ingress default/web: spec.rules[0].http.paths[")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got[tt.path])
		})
	}
}

// TestPortNumberAgreesWithAtoi: a port is a number exactly when strconv
// reads one, with the same value.
func TestPortNumberAgreesWithAtoi(t *testing.T) {
	for _, port := range []string{"", "80", "8080", "0", "+80", "-1", "65536", "http", "h2c", "80a", "a80", "8_0", " 80", "99999999999999999999", "+", "-", "0x50", "١٢"} {
		want, err := strconv.Atoi(port)
		got, ok := portNumber(port)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("portNumber(%q) = %d, %v; strconv.Atoi gives %d, %v", port, got, ok, want, err)
		}
	}
}
