package routingtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingressmuxtest"
)

// load loads the story's manifests, as a test of yours loads your own.
func load(t *testing.T) *ingressmux.Mux {
	t.Helper()
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{"../seed"}})
	require.NoError(t, err, "the manifests must load")
	t.Cleanup(func() { mux.Close() })
	return mux
}

// TestSeedRouting checks the story's routing: /api and below go to the
// external backend, everything else on projectdomain.com to the frontend,
// and other hosts nowhere. One line per URL.
func TestSeedRouting(t *testing.T) {
	mux := load(t)
	const frontend, api = "default/project-frontend-service:80", "default/project-backend-external:443"
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/", frontend)
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/settings/profile", frontend)
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/api", api)
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/api/me?fields=email", api)
	ingressmuxtest.Routes(t, mux, "https://PROJECTDOMAIN.COM:8443/api/login", api)
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/apiary", frontend) // element-wise prefix
	ingressmuxtest.Routes(t, mux, "https://projectdomain.com/x/../api/me", api)
	ingressmuxtest.NotFound(t, mux, "https://www.projectdomain.com/")
}

// TestSeedRequests checks what the backends receive and what the client
// is told without reaching one: the external API gets its own Host and
// TLS name, and plain HTTP is redirected to HTTPS.
func TestSeedRequests(t *testing.T) {
	mux := load(t)
	ingressmuxtest.Sends(t, mux, "https://projectdomain.com/api/me?fields=email",
		"https://project-domain.com:443/api/me?fields=email", "project-domain.com")
	ingressmuxtest.Redirects(t, mux, "http://projectdomain.com/settings?tab=2", 308, "https://projectdomain.com/settings?tab=2")
	ingressmuxtest.Redirects(t, mux, "http://projectdomain.com/api/me", 308, "https://projectdomain.com/api/me")

	// Anything Explain knows can be asserted directly: here the TLS name
	// sent to the external backend and the body limit of the route.
	e, ok := ingressmuxtest.Explain(t, mux, "https://projectdomain.com/api/me", ingressmuxtest.Method("POST"))
	require.True(t, ok)
	require.NotNil(t, e.Outgoing, "%s", e)
	assert.Equal(t, "project-domain.com", e.Outgoing.SNI)
	assert.Equal(t, int64(20<<20), e.MaxBodyBytes, "proxy-body-size: 20m")
}

// TestSeedHasNoSurprises fails when a manifest change brings a warning
// (a misspelt class, an unsupported annotation, a conflict) that nobody
// looked at. The frontend Service and the TLS secret live in the cluster,
// not in these files, so their two warnings are expected.
func TestSeedHasNoSurprises(t *testing.T) {
	mux := load(t)
	var messages []string
	for _, w := range mux.Warnings() {
		messages = append(messages, w.Field+": "+w.Message)
	}
	require.Len(t, messages, 2, "%q", messages)
	assert.Contains(t, messages[0]+messages[1], "service default/project-frontend-service is not loaded", "%q", messages)
	assert.Contains(t, messages[0]+messages[1], "secret default/projectdomain-com-tls is not loaded", "%q", messages)
}
