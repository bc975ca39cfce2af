package ingressmux_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// TestReloadedHook checks that Hooks.Reloaded hears of every load, reload
// and resolve, failed ones with their error and the routes still served,
// and that Upstreams lists the backend being served.
func TestReloadedHook(t *testing.T) {
	blue := backend(t, "blue")
	dir := writeIngress(t, "blue")
	var got []ingressmux.ReloadResult
	mux, err := ingressmux.Load(t.Context(), ingressmux.Config{
		Paths:   []string{dir},
		Options: ingress.Options{Backends: map[string]string{"default/blue:80": blue.URL}},
		Hooks:   ingressmux.Hooks{Reloaded: func(r ingressmux.ReloadResult) { got = append(got, r) }},
	})
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	require.NoError(t, mux.Resolve(t.Context()))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web.yaml"), []byte("kind: Ingress\napiVersion: networking.k8s.io/v1\nmetadata: {name: web}\nspec: {rules: [{host: \"-bad-\"}]}\n"), 0o644))
	require.Error(t, mux.Reload(t.Context()))

	require.Len(t, got, 3)
	for i, op := range []string{"load", "resolve", "reload"} {
		assert.Equal(t, op, got[i].Op)
		assert.False(t, got[i].Start.IsZero())
		assert.Positive(t, got[i].Duration)
		assert.Equal(t, 1, got[i].Routes, "%s: the table served afterwards", op)
	}
	assert.NoError(t, got[0].Err)
	assert.NoError(t, got[1].Err)
	assert.ErrorContains(t, got[2].Err, "-bad-")

	ups := mux.Upstreams()
	require.Len(t, ups, 1)
	assert.Equal(t, "default/blue:80", ups[0].Upstream.Name)
	require.Len(t, ups[0].Endpoints, 1)
	assert.Equal(t, proxy.EndpointUp, ups[0].Endpoints[0].State)

	var failed []ingressmux.ReloadResult
	_, err = ingressmux.Load(t.Context(), ingressmux.Config{Paths: []string{dir},
		Hooks: ingressmux.Hooks{Reloaded: func(r ingressmux.ReloadResult) { failed = append(failed, r) }}})
	require.Error(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, "load", failed[0].Op)
	assert.Equal(t, err, failed[0].Err)
	assert.Zero(t, failed[0].Routes)
}
