package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		files []string
		url   string
		want  map[string]any
	}{
		{[]string{"../seed"}, "https://projectdomain.com/api/me", map[string]any{
			"matched": true, "ingress": "default/project-backend-api", "host": "projectdomain.com",
			"path": "/api", "pathType": "Prefix", "backend": "default/project-backend-external:443"}},
		{[]string{"../seed"}, "projectdomain.com:8443/apiary?x=1", map[string]any{
			"matched": true, "ingress": "default/project-frontend", "path": "/", "backend": "default/project-frontend-service:80",
			"requestHost": "projectdomain.com", "requestPath": "/apiary"}},
		{[]string{"../seed"}, "http://elsewhere.example/", map[string]any{
			"matched": false, "ingress": "", "host": "", "path": "", "pathType": "", "backend": "", "hostEntry": "none"}},
		{[]string{"../seed"}, "http://projectdomain.com/a/../../etc", map[string]any{
			"matched": false, "error": `route: malformed request path "/a/../../etc": ".." climbs above the root`}},
		{[]string{"../../ingress/testdata/compile/regex-scoped.yaml"}, "http://api.example.com/V1/users/7", map[string]any{
			"matched": true, "ingress": "default/regex", "path": "/v1/users/[0-9]+", "pathType": "ImplementationSpecific", "backend": "default/users:80"}},
		{[]string{"testdata/policies"}, "http://app.example.com/caf%C3%A9/men%C3%BC/x", map[string]any{
			"matched": true, "ingress": "default/menu", "path": "/café/menü", "pathType": "Prefix"}},
		{[]string{"testdata/policies"}, "http://api.example.com/FOO/bar", map[string]any{
			"matched": true, "ingress": "default/api", "path": "/foo(/|$)(.*)", "pathType": "ImplementationSpecific"}},
		{[]string{"../../ingress/testdata/compile/default-backends.yaml"}, "http://app.example.com/nothing", map[string]any{
			"matched": true, "ingress": "default/app", "host": "app.example.com", "path": "", "pathType": "", "backend": "default/app-fallback:80"}},
	} {
		t.Run(tt.url, func(t *testing.T) {
			args := []string{"-explain", tt.url}
			for _, f := range tt.files {
				args = append(args, "-f", f)
			}
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
			var got map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), "output is one JSON object: %s", stdout.String())
			for k, v := range tt.want {
				assert.Equal(t, v, got[k], "key %q in %s", k, stdout.String())
			}
			assert.Contains(t, got, "candidates")
		})
	}
}

func TestExplainBadURL(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-f", "../seed", "-explain", "http://"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "no host")
}
