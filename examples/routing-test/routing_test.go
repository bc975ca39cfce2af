package routingtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
)

// TestSeedRouting checks the story's routing: /api and below go to the
// external backend, everything else on projectdomain.com to the frontend,
// and other hosts nowhere.
func TestSeedRouting(t *testing.T) {
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"../seed"}})
	require.NoError(t, err, "the manifests must load")

	for _, tt := range []struct {
		url     string
		backend string // "namespace/service:port", "" for no route
	}{
		{"https://projectdomain.com/", "default/project-frontend-service:80"},
		{"https://projectdomain.com/settings/profile", "default/project-frontend-service:80"},
		{"https://projectdomain.com/api", "default/project-backend-external:443"},
		{"https://projectdomain.com/api/me?fields=email", "default/project-backend-external:443"},
		{"https://PROJECTDOMAIN.COM:8443/api/login", "default/project-backend-external:443"},
		{"https://projectdomain.com/apiary", "default/project-frontend-service:80"}, // element-wise prefix
		{"https://projectdomain.com/x/../api/me", "default/project-backend-external:443"},
		{"https://www.projectdomain.com/", ""},
	} {
		e, err := mux.Explain(tt.url)
		require.NoError(t, err, tt.url)
		got := ""
		if e.Rule != nil {
			got = e.Rule.Backend.String()
		}
		assert.Equal(t, tt.backend, got, "%s\n%s", tt.url, e)
	}
}

// TestSeedHasNoSurprises fails when a manifest change brings a warning
// (a misspelt class, an unsupported annotation, a conflict) that nobody
// looked at. The frontend Service and the TLS secret live in the cluster,
// not in these files, so their two warnings are expected.
func TestSeedHasNoSurprises(t *testing.T) {
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"../seed"}})
	require.NoError(t, err)
	var messages []string
	for _, w := range mux.Warnings() {
		messages = append(messages, w.Field+": "+w.Message)
	}
	require.Len(t, messages, 2, "%q", messages)
	assert.Contains(t, messages[0]+messages[1], "service default/project-frontend-service is not loaded", "%q", messages)
	assert.Contains(t, messages[0]+messages[1], "secret default/projectdomain-com-tls is not loaded", "%q", messages)
}
