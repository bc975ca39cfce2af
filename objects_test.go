package ingressmux_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// objects decodes YAML into a Set, as a program with objects from
// elsewhere would build one.
func objects(t *testing.T, yaml ...string) *ingress.Set {
	t.Helper()
	set, err := ingress.DecodeBytes("objects", []byte(strings.Join(yaml, "---\n")))
	require.NoError(t, err)
	return set
}

func TestLoadObjectsAndReplaceObjects(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	var logs bytes.Buffer
	cfg := ingressmux.Config{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Options: ingress.Options{SkipInvalidIngresses: true, Backends: map[string]string{
			"default/blue:80":  blue.URL,
			"default/green:80": green.URL,
		}},
	}
	mux, err := ingressmux.LoadObjects(cfg, nil)
	require.NoError(t, err)
	code, _ := get(t, mux, "http://shop.example.com/")
	assert.Equal(t, 404, code, "an empty set routes nothing")

	require.NoError(t, mux.ReplaceObjects(objects(t, ingressYAML("shop.example.com", "/", "blue"))))
	_, body := get(t, mux, "http://shop.example.com/cart")
	assert.Equal(t, "blue shop.example.com /cart", body)

	// An invalid Ingress is skipped with a warning that says so; the rest serves.
	bad := strings.Replace(ingressYAML("bad.example.com", "/", "blue"), "path: /", "path: nope", 1)
	require.NoError(t, mux.ReplaceObjects(objects(t, ingressYAML("shop.example.com", "/", "green"), bad)))
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), body)
	var skipped []string
	for _, w := range mux.Warnings() {
		if w.SkippedIngress() {
			skipped = append(skipped, w.Object)
		}
	}
	assert.Equal(t, []string{"ingress default/blue"}, skipped)
	assert.Equal(t, 1, strings.Count(logs.String(), "Ingress skipped"))

	// The same set again logs no warning twice: in a cluster every change
	// replaces the set, and standing warnings would bury new ones.
	require.NoError(t, mux.ReplaceObjects(objects(t, ingressYAML("shop.example.com", "/", "green"), bad)))
	assert.Equal(t, 1, strings.Count(logs.String(), "Ingress skipped"))

	// A set that fails as a whole (two Services with one name) changes nothing.
	service := "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
	err = mux.ReplaceObjects(objects(t, ingressYAML("shop.example.com", "/", "blue"), service, service))
	require.Error(t, err)
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), "a refused set leaves the served one: %s", body)

	// Reload compiles the current objects again.
	require.NoError(t, mux.Reload())
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), body)
}
