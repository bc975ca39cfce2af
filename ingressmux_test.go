package ingressmux_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// backend answers with its name and the Host it saw.
func backend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", name, r.Host, r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func ingressYAML(host, path, service string) string {
	return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: %s}
spec:
  rules:
    - host: %s
      http:
        paths:
          - {path: %s, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}
`, service, host, path, service)
}

func get(t *testing.T, h http.Handler, url string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec.Code, rec.Body.String()
}

func TestLoadServesAndReloads(t *testing.T) {
	blue, green := backend(t, "blue"), backend(t, "green")
	dir := t.TempDir()
	file := filepath.Join(dir, "web.yaml")
	require.NoError(t, os.WriteFile(file, []byte(ingressYAML("shop.example.com", "/", "blue")), 0o644))
	cfg := ingressmux.Config{
		Paths:  []string{dir},
		Logger: quiet(),
		Options: ingress.Options{Backends: map[string]string{
			"default/blue:80":  blue.URL,
			"default/green:80": green.URL,
		}},
	}
	mux, err := ingressmux.Load(context.Background(), cfg)
	require.NoError(t, err)

	code, body := get(t, mux, "http://shop.example.com/cart?x=1")
	assert.Equal(t, 200, code)
	assert.Equal(t, "blue shop.example.com /cart?x=1", body)
	code, _ = get(t, mux, "http://other.example.com/")
	assert.Equal(t, 404, code)

	// A good edit is picked up by Reload.
	require.NoError(t, os.WriteFile(file, []byte(ingressYAML("shop.example.com", "/", "green")), 0o644))
	require.NoError(t, mux.Reload(context.Background()))
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), body)

	// A bad edit is refused, with the field, and the good table keeps serving.
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(ingressYAML("shop.example.com", "/", "blue"), "pathType", "pathtype", 1)), 0o644))
	err = mux.Reload(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `pathtype: unknown field; did you mean "pathType"?`)
	_, body = get(t, mux, "http://shop.example.com/")
	assert.True(t, strings.HasPrefix(body, "green "), "after a failed reload the previous table serves: %s", body)
}

func TestLoadErrors(t *testing.T) {
	_, err := ingressmux.Load(context.Background(), ingressmux.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing to load")

	_, err = ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"testdata/does-not-exist"}, Logger: quiet()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does-not-exist")
}

func TestExplain(t *testing.T) {
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{"examples/seed"}, Logger: quiet()})
	require.NoError(t, err)
	e, err := mux.Explain("https://projectdomain.com/api/me")
	require.NoError(t, err)
	require.NotNil(t, e.Rule)
	assert.Equal(t, "default/project-backend-external:443", e.Rule.Backend.String())
	_, err = mux.Explain("http:///nohost")
	assert.Error(t, err)
}

// TestPathAnnotations runs rewrite-target, x-forwarded-prefix, app-root and
// permanent-redirect through Load and a real handler.
func TestPathAnnotations(t *testing.T) {
	var seen []string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RequestURI()+" prefix="+r.Header.Get("X-Forwarded-Prefix"))
		fmt.Fprint(w, "ok")
	}))
	defer be.Close()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rewrite
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/x-forwarded-prefix: /something
    nginx.ingress.kubernetes.io/app-root: /app/
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: "/something(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: https://new.example.com/landing
    nginx.ingress.kubernetes.io/permanent-redirect-code: "308"
spec:
  rules:
    - host: old.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`), 0o644))
	mux, err := ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{dir}, Logger: quiet(),
		Options: ingress.Options{Backends: map[string]string{"default/web:80": be.URL}}})
	require.NoError(t, err)

	for _, tt := range []struct {
		url, wantLocation string
		wantCode          int
	}{
		{"http://shop.example.com/something/new?q=1", "", 200},
		{"http://shop.example.com/something", "", 200},
		{"http://shop.example.com/", "http://shop.example.com/app/", 302},
		{"http://old.example.com/any/path", "https://new.example.com/landing", 308},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.url, nil))
		assert.Equal(t, tt.wantCode, rec.Code, tt.url)
		assert.Equal(t, tt.wantLocation, rec.Header().Get("Location"), tt.url)
	}
	assert.Equal(t, []string{"/new?q=1 prefix=/something", "/ prefix=/something"}, seen, "the backend sees rewritten paths only")
}
